using Microsoft.Extensions.Options;
using Parley.Server.Features.Secrets;

namespace Parley.Server.Features.Webhooks;

/// <summary>
/// Delivers the outbox: takes due events (leased, so other nodes skip them), sends them, removes the
/// delivered, and reschedules the rest with exponential backoff until <see cref="WebhookOptions.MaxAttempts"/>
/// or <see cref="WebhookOptions.MaxAge"/>. At least once: an event sent but not yet removed when the
/// node stops is sent again. Also queues "expired" for secrets that ran out before being fully opened.
/// </summary>
internal sealed class WebhookDeliveryWorker(IWebhookStore store, ISecretStore secrets, WebhookSender sender, WebhookSignal signal,
    IOptions<WebhookOptions> options, TimeProvider time, ILogger<WebhookDeliveryWorker> logger) : BackgroundService
{
    private const int ExpiryBatch = 100;
    private static readonly TimeSpan TargetRetention = TimeSpan.FromDays(2);
    private readonly WebhookOptions _o = options.Value;
    private DateTimeOffset _nextPurge;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await QueueExpiriesAsync(stoppingToken);
                while (await DeliverDueAsync(stoppingToken))
                {
                }

                await PurgeAsync(stoppingToken);
                await signal.WaitAsync(_o.PollInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                WebhooksLog.RoundFailed(logger, e);
                await Task.Delay(_o.PollInterval, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>
    /// How long a claimed event is hidden from other workers: one whole attempt and a margin. A node that
    /// dies mid-attempt delays its events by at most this much.
    /// </summary>
    private TimeSpan Lease => _o.ConnectTimeout + _o.RequestTimeout + LeaseMargin;

    /// <summary>Added to an attempt's timeouts in the lease: covers recording the outcome after the attempt ends.</summary>
    private static readonly TimeSpan LeaseMargin = TimeSpan.FromSeconds(5);

    /// <summary>How often expired targets are purged: they only take space, and the purge scans the table.</summary>
    private static readonly TimeSpan PurgeInterval = TimeSpan.FromMinutes(10);

    /// <summary>One round of deliveries; true when the batch was full and more may be due.</summary>
    private async Task<bool> DeliverDueAsync(CancellationToken stoppingToken)
    {
        var batch = _o.Concurrency * 4;
        var now = time.GetUtcNow();
        var due = await store.ClaimDueAsync(now, now + Lease, batch, stoppingToken);
        var finished = new FinishedDeliveries(store, removeAt: _o.Concurrency);
        try
        {
            await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = _o.Concurrency, CancellationToken = stoppingToken },
                async (delivery, ct) => await DeliverAsync(delivery, finished, ct));
        }
        finally
        {
            await finished.RemoveRestAsync();
        }

        return due.Count >= batch; // a store may give two deliveries for one row
    }

    private async Task DeliverAsync(PendingDelivery delivery, FinishedDeliveries finished, CancellationToken stoppingToken)
    {
        var outcome = await sender.SendAsync(delivery, time.GetUtcNow(), stoppingToken);
        var attempts = delivery.Attempts + 1;
        if (outcome == DeliveryOutcome.Delivered)
        {
            await finished.AddAsync(delivery.Sequence);
            WebhooksLog.Delivered(logger, attempts);
            return;
        }

        var now = time.GetUtcNow();
        var delay = RetryDelay(attempts);
        var reason = outcome == DeliveryOutcome.Refused ? "the target is not allowed"
            : attempts >= _o.MaxAttempts ? "too many attempts"
            : now + delay - delivery.CreatedAt > _o.MaxAge ? "too old"
            : null;
        if (reason is not null)
        {
            await finished.AddAsync(delivery.Sequence);
            WebhooksLog.GivenUp(logger, attempts, reason);
            return;
        }

        await store.RetryLaterAsync(delivery.Sequence, attempts, now + delay, CancellationToken.None);
        WebhooksLog.WillRetry(logger, attempts, delay.TotalSeconds);
    }

    /// <summary>First delay, doubled per failed attempt, capped.</summary>
    internal TimeSpan RetryDelay(int attempts) =>
        TimeSpan.FromTicks((long)Math.Min(_o.MaxRetryDelay.Ticks, _o.FirstRetryDelay.Ticks * Math.Pow(2, Math.Min(attempts - 1, 40))));

    private async Task QueueExpiriesAsync(CancellationToken stoppingToken)
    {
        var now = time.GetUtcNow();
        foreach (var target in await store.DueExpiriesAsync(now, ExpiryBatch, stoppingToken))
        {
            if (target.Kind == WebhookSubject.Secret
                && await secrets.FindAsync(target.SubjectId, stoppingToken) is { } record
                && record.PhaseAt(now) == SecretPhase.Expired)
            {
                await store.EnqueueAsync(target.SubjectId, SubjectEvent.Expired, record.ViewsLeft, now, stoppingToken);
            }

            await store.MarkExpiryHandledAsync(target.SubjectId, stoppingToken);
        }
    }

    private async Task PurgeAsync(CancellationToken stoppingToken)
    {
        var now = time.GetUtcNow();
        if (now >= _nextPurge)
        {
            _nextPurge = now + PurgeInterval;
            await store.PurgeTargetsAsync(now - TargetRetention, stoppingToken);
        }
    }
}
