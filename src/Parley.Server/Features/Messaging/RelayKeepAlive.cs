namespace Parley.Server.Features.Messaging;

/// <summary>
/// Finds relay sockets whose peer went silent (a laptop closed, a NAT that dropped the mapping: the TCP
/// connection looks open but nothing answers). One timer for all sockets, every <see cref="Tick"/>: a socket
/// that sent nothing for <see cref="RelayHub.KeepAliveInterval"/> is pinged, and one that then stays silent for
/// <see cref="RelayHub.KeepAliveTimeout"/> is dropped, freeing its account's slot. Clients ping too (every
/// 15 s, docs/messaging-api.md), so a live client is seldom pinged at all. A timer per socket would cost an
/// object, a callback and a send per socket every interval however busy it is.
/// </summary>
internal sealed class RelayKeepAlive(RelayConnections connections) : BackgroundService
{
    public static readonly TimeSpan Tick = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Tick);
        var interval = (long)RelayHub.KeepAliveInterval.TotalMilliseconds;
        var timeout = (long)RelayHub.KeepAliveTimeout.TotalMilliseconds;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var now = Environment.TickCount64;
                connections.ForEach(c => c.Socket.KeepAlive(now, interval, timeout));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
