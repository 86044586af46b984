using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Parley.Cli.Tests.Proxy;

/// <summary>
/// The server's front door as the tests see it: a loopback port that passes every connection on to the
/// real server unchanged and writes down the address each one came from. A connection the client made
/// itself comes from 127.0.0.1; one the proxy made comes from <see cref="SocksProxyServer.OutgoingAddress"/>.
/// </summary>
internal sealed class ConnectionTap : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _server;
    private readonly ConcurrentQueue<IPAddress> _peers = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public ConnectionTap(Uri server)
    {
        _server = new IPEndPoint(IPAddress.Loopback, server.Port);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>The server's address through the tap, by name: <c>localhost</c> is left for the proxy to resolve.</summary>
    public string Url => $"http://localhost:{Port}";

    /// <summary>The source address of every connection so far, in order.</summary>
    public IReadOnlyList<IPAddress> Peers => [.. _peers];

    public void Clear() => _peers.Clear();

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _peers.Enqueue(((IPEndPoint)client.Client.RemoteEndPoint!).Address);
            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using (client)
        using (var upstream = new TcpClient())
        {
            try
            {
                await upstream.ConnectAsync(_server, _stop.Token);
                var a = client.GetStream();
                var b = upstream.GetStream();
                await Task.WhenAny(Pump(a, b), Pump(b, a));
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }

    private async Task Pump(Stream from, Stream to)
    {
        try
        {
            await from.CopyToAsync(to, _stop.Token);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
