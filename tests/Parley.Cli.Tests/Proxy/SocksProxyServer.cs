using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Parley.Cli.Tests.Proxy;

/// <summary>
/// A real SOCKS5 server (Debian's <c>microsocks</c>, which test.sh installs) on a free loopback port. Its
/// outgoing connections leave from <see cref="OutgoingAddress"/>, so whoever receives them can tell them
/// from the client's own (127.0.0.1). Its log names every connection it made: <c>client[N] ADDR: connected to HOST:PORT</c>.
/// </summary>
internal sealed class SocksProxyServer : IAsyncDisposable
{
    public static readonly IPAddress OutgoingAddress = IPAddress.Parse("127.0.0.2");

    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private SocksProxyServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The proxy's URL for <c>--proxy</c> (with credentials when the proxy asks for them).</summary>
    public string Url(string? user = null, string? password = null) =>
        user is null ? $"socks5h://127.0.0.1:{Port}" : $"socks5h://{Uri.EscapeDataString(user)}:{Uri.EscapeDataString(password ?? "")}@127.0.0.1:{Port}";

    /// <summary>The targets of the connections the proxy made (<c>HOST:PORT</c> as the client named them), in order.</summary>
    public IReadOnlyList<string> Connections
    {
        get
        {
            lock (_log)
            {
                return [.. _log.ToString().Split('\n').Where(l => l.Contains(": connected to ", StringComparison.Ordinal))
                    .Select(l => l[(l.IndexOf(": connected to ", StringComparison.Ordinal) + ": connected to ".Length)..].Trim())];
            }
        }
    }

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Starts microsocks; with <paramref name="user"/> it refuses clients that do not log in.</summary>
    public static async Task<SocksProxyServer> StartAsync(string? user = null, string? password = null)
    {
        var port = FreePort();
        var start = new ProcessStartInfo("microsocks") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { "-i", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-b", OutgoingAddress.ToString() })
        {
            start.ArgumentList.Add(arg);
        }

        if (user is not null)
        {
            foreach (var arg in new[] { "-u", user, "-P", password ?? "" })
            {
                start.ArgumentList.Add(arg);
            }
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("microsocks is not installed: run ./test.sh (it installs it) or apt-get install microsocks", e);
        }

        var proxy = new SocksProxyServer(process, port);
        process.ErrorDataReceived += (_, e) => proxy.Append(e.Data);
        process.OutputDataReceived += (_, e) => proxy.Append(e.Data);
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        await WaitListeningAsync(port, process);
        return proxy;
    }

    /// <summary>A loopback port nothing listens on: a proxy that is down.</summary>
    public static int DeadPort() => FreePort();

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.Append(line).Append('\n');
            }
        }
    }

    private static async Task WaitListeningAsync(int port, Process process)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"microsocks exited with {process.ExitCode}");
            }

            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        throw new TimeoutException("microsocks did not listen within 30 s");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
