using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;

namespace Parley.Testing;

/// <summary>
/// The built Parley.Server as a separate OS process on a free loopback port: waits for
/// <c>/healthz</c>, reports its pid and peak resident memory (VmHWM), can be killed hard (SIGKILL)
/// and started again on the same port and data. For memory and crash tests.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly IReadOnlyDictionary<string, string?> _settings;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly string _listenAddress;
    private readonly bool _ownsDataDirectory;
    private readonly StringBuilder _output = new();
    private Process? _process;

    private ServerProcess(IReadOnlyDictionary<string, string?> settings, IReadOnlyDictionary<string, string> environment, string listenAddress,
        string dataDirectory, bool ownsDataDirectory, int port)
    {
        _settings = settings;
        _environment = environment;
        _listenAddress = listenAddress;
        DataDirectory = dataDirectory;
        _ownsDataDirectory = ownsDataDirectory;
        BaseUrl = new Uri($"http://127.0.0.1:{port}/");
    }

    public Uri BaseUrl { get; }

    public string DataDirectory { get; }

    /// <summary>The running process's id.</summary>
    public int Pid => _process?.Id ?? throw new InvalidOperationException("The server is not running.");

    /// <summary>Peak resident memory of the last run, read when it was killed or stopped.</summary>
    public long LastPeakRssBytes { get; private set; }

    /// <summary>What the process wrote to stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Path of the built server (the configuration this test assembly was built in).</summary>
    public static string ServerAssemblyPath
    {
        get
        {
            var configuration = typeof(ServerProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
            var path = RepoPaths.Combine("src", "Parley.Server", "bin", configuration, "net10.0", "Parley.Server.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException("Build Parley.Server first.", path);
        }
    }

    /// <summary>
    /// Starts the server with <paramref name="settings"/> (configuration keys such as
    /// <c>Parley:Storage:Provider</c>; a null value leaves the key unset). Without a data directory, a
    /// temporary one is made and deleted on dispose; it is also the working directory. The server listens
    /// on <paramref name="listenAddress"/> (<see cref="BaseUrl"/> is always the loopback address of its port),
    /// with <paramref name="environment"/> added to its environment.
    /// </summary>
    public static async Task<ServerProcess> StartAsync(IReadOnlyDictionary<string, string?>? settings = null,
        string? dataDirectory = null, string listenAddress = "127.0.0.1", IReadOnlyDictionary<string, string>? environment = null,
        CancellationToken cancellationToken = default)
    {
        var owns = dataDirectory is null;
        dataDirectory ??= Directory.CreateTempSubdirectory("parley-server-").FullName;
        var server = new ServerProcess(settings ?? new Dictionary<string, string?>(), environment ?? new Dictionary<string, string>(),
            listenAddress, dataDirectory, owns, LoopbackPort.Free());
        await server.LaunchAsync(cancellationToken);
        return server;
    }

    /// <summary>Peak resident memory (VmHWM) of the running process so far, in bytes.</summary>
    public long ReadPeakRssBytes() => ReadStatusKilobytes(Pid, "VmHWM:") * 1024;

    /// <summary>Current resident memory (VmRSS), in bytes.</summary>
    public long ReadRssBytes() => ReadStatusKilobytes(Pid, "VmRSS:") * 1024;

    /// <summary>SIGKILL: no shutdown code runs, as in a crash or power cut of the process.</summary>
    public async Task KillAsync()
    {
        if (_process is null)
        {
            return;
        }

        try
        {
            LastPeakRssBytes = ReadPeakRssBytes();
        }
        catch (IOException)
        {
        }

        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
        _process = null;
    }

    /// <summary>SIGTERM, as systemd or a container runtime stops a node; <see cref="WaitForExitAsync"/> then waits for it.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", Pid.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>True while the process runs.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The exit code once the process ends by itself within <paramref name="timeout"/> (after <see cref="Terminate"/>).</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        var process = _process ?? throw new InvalidOperationException("The server is not running.");
        using var cts = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cts.Token);
        var code = process.ExitCode;
        process.Dispose();
        _process = null;
        return code;
    }

    /// <summary>Starts the server again on the same port, settings and data.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await KillAsync();
        await LaunchAsync(cancellationToken);
    }

    private async Task LaunchAsync(CancellationToken cancellationToken)
    {
        var serverDll = ServerAssemblyPath;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = DataDirectory,
        };
        start.ArgumentList.Add(serverDll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://{_listenAddress}:{BaseUrl.Port}");
        start.ArgumentList.Add("--contentRoot");
        start.ArgumentList.Add(Path.GetDirectoryName(serverDll)!);
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Parley:Storage:DataDirectory"] = DataDirectory,
        };
        foreach (var (key, value) in _settings)
        {
            settings[key] = value;
        }

        foreach (var (key, value) in settings)
        {
            if (value is not null)
            {
                start.ArgumentList.Add($"--{key}={value}");
            }
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in _environment)
        {
            start.Environment[key] = value;
        }
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        using var http = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"Parley.Server exited with {process.ExitCode} while starting:\n{Output}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri("healthz", UriKind.Relative), cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(100, cancellationToken);
        }

        await KillAsync();
        throw new TimeoutException($"Parley.Server did not answer /healthz within 60 s:\n{Output}");
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    /// <summary>A loopback port nothing listens on right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static long ReadStatusKilobytes(int pid, string field)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                var digits = line[field.Length..].Trim().Split(' ')[0];
                return long.Parse(digits, CultureInfo.InvariantCulture);
            }
        }

        throw new IOException($"{field} not found in /proc/{pid}/status");
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        if (_ownsDataDirectory)
        {
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (DirectoryNotFoundException)
            {
            }
        }
    }
}
