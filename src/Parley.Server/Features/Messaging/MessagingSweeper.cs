using Microsoft.Extensions.Options;

namespace Parley.Server.Features.Messaging;

/// <summary>Closes relay sockets whose token expired; deletes expired envelopes, login challenges and tokens every <see cref="MessagingOptions.SweepInterval"/> of injected time.</summary>
internal sealed class MessagingSweeper(IMessagingStore store, RelayConnections connections, IOptions<MessagingOptions> options,
    TimeProvider time, MessagingMetrics metrics, ILogger<MessagingSweeper> logger) : BackgroundService
{
    public async Task<MessagingSweep> SweepOnceAsync(CancellationToken cancellationToken = default)
    {
        // Relay sockets outlive the token check at their upgrade: close those whose token has expired.
        connections.AbortExpired(time.GetUtcNow());
        var result = await store.SweepAsync(time.GetUtcNow(), cancellationToken);
        metrics.Expired(result.Envelopes);
        if (result.Total > 0)
        {
            MessagingLog.Swept(logger, result.Envelopes, result.Challenges, result.Tokens);
        }

        return result;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await SweepOnceAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    MessagingLog.SweepFailed(logger, e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
