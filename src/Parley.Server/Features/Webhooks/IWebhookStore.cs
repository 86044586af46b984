using Parley.Server.Features.Secrets;

namespace Parley.Server.Features.Webhooks;

/// <summary>
/// Where webhook targets and the delivery outbox live, in the same database as the secrets (three
/// implementations, one contract suite). An event is queued right after the state change it reports
/// has been stored; a queued event stays until it is delivered or given up, so it survives restarts.
/// </summary>
internal interface IWebhookStore
{
    /// <summary>Stores the URL and signing key that a subject's events go to.</summary>
    ValueTask AddTargetAsync(WebhookTarget target, CancellationToken cancellationToken);

    /// <summary>The subject's target; null when it asked for no webhook.</summary>
    ValueTask<WebhookTarget?> FindTargetAsync(SecretId subject, CancellationToken cancellationToken);

    /// <summary>
    /// Queues <paramref name="happened"/> for the subject's target, if it has one and the event concerns
    /// that kind of target. False when nothing was queued.
    /// </summary>
    ValueTask<bool> EnqueueAsync(SecretId subject, SubjectEvent happened, int? viewsLeft, DateTimeOffset now,
        CancellationToken cancellationToken);

    /// <summary>
    /// Up to <paramref name="max"/> events due at <paramref name="now"/>, each leased until
    /// <paramref name="leaseUntil"/> so that another worker does not send it at the same time.
    /// </summary>
    ValueTask<IReadOnlyList<PendingDelivery>> ClaimDueAsync(DateTimeOffset now, DateTimeOffset leaseUntil, int max,
        CancellationToken cancellationToken);

    /// <summary>Removes an event that was delivered or given up.</summary>
    ValueTask RemoveAsync(string messageId, CancellationToken cancellationToken);

    /// <summary>Records a failed attempt and when to try again.</summary>
    ValueTask RetryLaterAsync(string messageId, int attempts, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken);

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

/// <summary>A state change that a target may be told about.</summary>
internal enum SubjectEvent
{
    Opened,
    FailedAttempt,
    Burned,
    Expired,
    Destroyed,
    Answered,
}

/// <summary>Where a subject's events go. <paramref name="ReportId"/> is the id the payload names.</summary>
internal sealed record WebhookTarget(SecretId SubjectId, WebhookSubject Kind, SecretId ReportId, string Url, byte[] SigningKey,
    DateTimeOffset ExpiresAt);

/// <summary>A queued event with what it takes to send it.</summary>
internal sealed record PendingDelivery(string MessageId, string Url, byte[] SigningKey, byte[] Body, int Attempts, DateTimeOffset CreatedAt);
