using Microsoft.Extensions.Options;
using Parley.Server.Infrastructure.Hosting;
using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Features.Messaging;

/// <summary>Closes relay sockets whose token expired; deletes expired envelopes, login challenges and tokens every <see cref="MessagingOptions.SweepInterval"/> of injected time.</summary>
internal sealed class MessagingSweeper(IAccountStore accounts, IEnvelopeQueue queue, RelayConnections connections, IOptions<MessagingOptions> options,
    TimeProvider time, MessagingMetrics metrics, StoreFaultLog storeFaults, ILogger<MessagingSweeper> logger) : BackgroundService
{
    public async Task<MessagingSweep> SweepOnceAsync(CancellationToken cancellationToken = default)
    {
        // Relay sockets outlive the token check at their upgrade: close those whose token has expired.
        var now = time.GetUtcNow();
        connections.AbortExpired(now);
        var envelopes = await queue.SweepEnvelopesAsync(now, cancellationToken);
        var logins = await accounts.SweepLoginsAsync(now, cancellationToken);
        var result = new MessagingSweep(envelopes, logins.Challenges, logins.Tokens);
        metrics.Expired(result.Envelopes);
        if (result.Total > 0)
        {
            MessagingLog.Swept(logger, result.Envelopes, result.Challenges, result.Tokens);
        }

        return result;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        PeriodicSweep.RunAsync(options.Value.SweepInterval, time, SweepOnceAsync, e => MessagingLog.SweepFailed(logger, e), storeFaults, stoppingToken);
}
