using Parley.Server.Features.Secrets;

namespace Parley.Server.Features.Webhooks;

/// <summary>
/// Where webhook targets and the delivery outbox live, in the same database as the secrets (three
/// implementations, one contract suite). A target is stored by the secrets and requests stores with the
/// subject's create, and an event with the state change it reports, in the same transaction (see
/// <see cref="Storage.SqliteWebhookWrites"/>, <see cref="Storage.PostgresWebhookWrites"/>); this store
/// delivers them. A queued event stays until it is delivered or given up, so it survives restarts.
/// </summary>
internal interface IWebhookStore
{
    /// <summary>The subject's target; null when it asked for no webhook. For tests and operators.</summary>
    ValueTask<WebhookTarget?> FindTargetAsync(SecretId subject, CancellationToken cancellationToken);

    /// <summary>
    /// Queues <paramref name="happened"/> for the subject's target, if it has one and the event concerns
    /// that kind of target: the delivery worker's way to report an expiry, which no state change reports.
    /// False when nothing was queued.
    /// </summary>
    ValueTask<bool> EnqueueAsync(SecretId subject, SubjectEvent happened, int? viewsLeft, DateTimeOffset now,
        CancellationToken cancellationToken);

    /// <summary>
    /// Up to <paramref name="max"/> events due at <paramref name="now"/>, each leased until
    /// <paramref name="leaseUntil"/> so that another worker does not send it at the same time.
    /// </summary>
    ValueTask<IReadOnlyList<PendingDelivery>> ClaimDueAsync(DateTimeOffset now, DateTimeOffset leaseUntil, int max,
        CancellationToken cancellationToken);

    /// <summary>
    /// Removes events that were delivered or given up (by <see cref="PendingDelivery.Sequence"/>), all in one write:
    /// the worker gathers them rather than paying a write per event.
    /// </summary>
    ValueTask RemoveAsync(IReadOnlyList<long> sequences, CancellationToken cancellationToken);

    /// <summary>Records a failed attempt and when to try again.</summary>
    ValueTask RetryLaterAsync(long sequence, int attempts, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken);

    /// <summary>Targets whose subject expired by <paramref name="now"/> and whose expiry was not handled yet.</summary>
    ValueTask<IReadOnlyList<WebhookTarget>> DueExpiriesAsync(DateTimeOffset now, int max, CancellationToken cancellationToken);

    ValueTask MarkExpiryHandledAsync(SecretId subject, CancellationToken cancellationToken);

    /// <summary>Deletes targets expired before <paramref name="before"/> that have no queued event.</summary>
    ValueTask<int> PurgeTargetsAsync(DateTimeOffset before, CancellationToken cancellationToken);

    /// <summary>Queued events, for tests and operators.</summary>
    ValueTask<long> PendingCountAsync(CancellationToken cancellationToken);
}

/// <summary>What a webhook target reports on.</summary>
internal enum WebhookSubject
{
    Secret = 1,
    Request = 2,

    /// <summary>The secret that answers a request; its events are reported under the request's id.</summary>
    RequestAnswer = 3,
}

/// <summary>A state change that a target may be told about. The numbers are stored in the outbox: never renumber.</summary>
internal enum SubjectEvent
{
    Opened = 1,
    FailedAttempt = 2,
    Burned = 3,
    Expired = 4,
    Destroyed = 5,
    Answered = 6,
}

/// <summary>The URL a creator asked events to be sent to, and the key that signs them (shown to the creator once).</summary>
internal sealed record WebhookEndpoint(string Url, byte[] SigningKey);

/// <summary>Where a subject's events go. <paramref name="ReportId"/> is the id the payload names.</summary>
internal sealed record WebhookTarget(SecretId SubjectId, WebhookSubject Kind, SecretId ReportId, string Url, byte[] SigningKey,
    DateTimeOffset ExpiresAt);

/// <summary>
/// A queued event with what it takes to send it. <paramref name="Sequence"/> is the store's handle of it: the outbox's key,
/// increasing and never reused (on SQLite the negative of a key names the <c>secret.burned</c> queued in the same row as
/// the key's event); <paramref name="MessageId"/> the <c>webhook-id</c> the receiver sees, the same on every retry.
/// </summary>
internal sealed record PendingDelivery(long Sequence, string MessageId, string Url, byte[] SigningKey, byte[] Body, int Attempts, DateTimeOffset CreatedAt);
