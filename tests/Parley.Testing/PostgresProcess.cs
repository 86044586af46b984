using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Parley.Testing;

/// <summary>
/// A PostgreSQL cluster of the test's own (not ./test.sh's shared one), on a free loopback port, that a
/// fault test may stop and start again. Its files live in a temporary folder owned by the postgres system
/// user and are deleted on dispose. Needs Debian's postgresql package (./test.sh installs it).
/// </summary>
public sealed class PostgresProcess : IDisposable
{
    private readonly string _bin;
    private readonly string _folder;
    private readonly int _port;

    private PostgresProcess(string bin, string folder, int port)
    {
        _bin = bin;
        _folder = folder;
        _port = port;
    }

    public string ConnectionString => $"Host=127.0.0.1;Port={_port.ToString(CultureInfo.InvariantCulture)};Username=postgres;Database=postgres";

    /// <summary>initdb and start a new cluster.</summary>
    public static PostgresProcess Start()
    {
        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(v => Path.Combine(v, "bin"))
                .Where(b => File.Exists(Path.Combine(b, "initdb"))).OrderBy(b => Version.TryParse(Path.GetFileName(Path.GetDirectoryName(b)), out var v) ? v : new Version())
                .LastOrDefault()
            : null;
        if (bin is null)
        {
            throw new InvalidOperationException("PostgreSQL's binaries are not in /usr/lib/postgresql/*/bin: install the postgresql package (./test.sh does).");
        }

        var folder = Directory.CreateTempSubdirectory("parley-own-pg-").FullName;
        SystemCommand.RunAsRoot("chown", "postgres:postgres", folder);
        SystemCommand.RunAsPostgres($"{bin}/initdb -D {folder}/data -U postgres --auth=trust >{folder}/initdb.log 2>&1");
        var postgres = new PostgresProcess(bin, folder, LoopbackPort.Free());
        postgres.StartAgain();
        return postgres;
    }

    /// <summary>Starts the stopped cluster again on the same port and data.</summary>
    public void StartAgain() =>
        SystemCommand.RunAsPostgres($"{_bin}/pg_ctl -D {_folder}/data -w -l {_folder}/pg.log "
            + $"-o \"-p {_port.ToString(CultureInfo.InvariantCulture)} -k {_folder} -c listen_addresses=127.0.0.1 -c fsync=off\" start");

    /// <summary>Stops the cluster (fast: open connections are cut, as when an operator restarts it).</summary>
    public void Stop() => SystemCommand.RunAsPostgres($"{_bin}/pg_ctl -D {_folder}/data -w -m fast stop");

    public void Dispose()
    {
        try
        {
            SystemCommand.RunAsPostgres($"{_bin}/pg_ctl -D {_folder}/data -m immediate stop");
        }
        catch (InvalidOperationException)
        {
            // already stopped
        }

        SystemCommand.RunAsRoot("rm", "-rf", _folder);
    }

}
