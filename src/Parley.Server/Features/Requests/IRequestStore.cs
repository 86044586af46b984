using Parley.Server.Features.Secrets;
using Parley.Server.Features.Webhooks;

namespace Parley.Server.Features.Requests;

/// <summary>
/// Where requests live. Three implementations (SQLite, PostgreSQL, RAM) pass one contract suite.
/// A request record holds hashes, times, an optional plaintext label and, once answered, the id of
/// the answer's secret and the responder's ephemeral public key. The answer's content is an
/// ordinary secret in <see cref="ISecretStore"/>.
/// <para>
/// Webhooks (docs/webhooks.md): a request created with <see cref="NewRequest.Webhook"/> gets its target in the
/// same atomic step; an answer recorded by <see cref="TryAnswerAsync"/> queues <see cref="SubjectEvent.Answered"/>
/// for that target and gives the answer's secret a target of its own (reported under the request's id), in
/// the answer's atomic step. A refused answer queues nothing.
/// </para>
/// </summary>
internal interface IRequestStore
{
    ValueTask CreateAsync(NewRequest request, CancellationToken cancellationToken);

    /// <summary>The record; null when unknown or purged.</summary>
    ValueTask<RequestRecord?> FindAsync(SecretId id, CancellationToken cancellationToken);

    /// <summary>
    /// Compare-and-set, in one atomic step: records <paramref name="answer"/> only while
    /// <see cref="RequestRecord.AnswerRefusalAt"/> finds no refusal at <paramref name="now"/> for
    /// <paramref name="expected"/> (the answer the caller saw; null: none yet). Null when recorded,
    /// otherwise that rule's refusal (<see cref="AnswerRefusal.NotFound"/> for an unknown id).
    /// </summary>
    ValueTask<AnswerRefusal?> TryAnswerAsync(SecretId id, SecretId? expected, RequestAnswer answer, DateTimeOffset now,
        CancellationToken cancellationToken);

    /// <summary>Ends a live request (<see cref="RequestRecord.IsLiveAt"/>) and drops its label; false when it had already ended.</summary>
    ValueTask<bool> DestroyAsync(SecretId id, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Drops the labels of expired requests and deletes records past <paramref name="retention"/>.</summary>
    ValueTask<RequestSweepResult> SweepAsync(DateTimeOffset now, TimeSpan retention, CancellationToken cancellationToken);

    /// <summary>Records held (any state), for tests and operators.</summary>
    ValueTask<long> CountAsync(CancellationToken cancellationToken);
}

internal sealed record NewRequest(
    SecretId Id,
    byte[] TokenVerifier,
    byte[] SendVerifier,
    string? Label,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    WebhookEndpoint? Webhook = null)
{
    /// <summary>The webhook target to store with the request; null without a webhook.</summary>
    public WebhookTarget? WebhookTarget =>
        Webhook is { } w ? new(Id, WebhookSubject.Request, Id, w.Url, w.SigningKey, ExpiresAt) : null;
}

/// <summary>The answer of a request: its secret, the responder's ephemeral public key E, and when it came.</summary>
internal sealed record RequestAnswer(SecretId SecretId, byte[] EphemeralKey, DateTimeOffset AnsweredAt);

internal sealed record RequestSweepResult(int LabelsDropped, int RecordsPurged)
{
    public int Total => LabelsDropped + RecordsPurged;
}
