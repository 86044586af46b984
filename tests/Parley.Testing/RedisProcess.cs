using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Parley.Testing;

/// <summary>
/// A redis-server of the test's own (not ./test.sh's shared one) on a free loopback port, without
/// persistence, that a test may kill and start again on the same port. Needs Debian's redis-server.
/// </summary>
public sealed class RedisProcess : IDisposable
{
    private Process? _process;

    private RedisProcess(int port) => Port = port;

    public int Port { get; }

    /// <summary>The StackExchange.Redis configuration for Parley:Messaging:Redis: keeps retrying while Redis is away.</summary>
    public string Configuration => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)},abortConnect=false,connectRetry=1";

    public static RedisProcess Start()
    {
        var redis = new RedisProcess(LoopbackPort.Free());
        redis.StartAgain();
        return redis;
    }

    /// <summary>SIGKILL: Redis is gone at once, as in a crash.</summary>
    public void Kill()
    {
        if (_process is null)
        {
            return;
        }

        if (!_process.HasExited)
        {
            _process.Kill();
        }

        _process.WaitForExit();
        _process.Dispose();
        _process = null;
    }

    /// <summary>Starts redis-server (again) on <see cref="Port"/> and waits until it listens.</summary>
    public void StartAgain()
    {
        var start = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[] { "--bind", "127.0.0.1", "--port", Port.ToString(CultureInfo.InvariantCulture), "--save", "", "--appendonly", "no" })
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var probe = new TcpClient();
                probe.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }

        throw new InvalidOperationException("redis-server did not listen on port " + Port);
    }

    public void Dispose() => Kill();

}
