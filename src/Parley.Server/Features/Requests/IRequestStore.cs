using Parley.Server.Features.Secrets;

namespace Parley.Server.Features.Requests;

/// <summary>
/// Where requests live. Three implementations (SQLite, PostgreSQL, RAM) pass one contract suite.
/// A request record holds hashes, times, an optional plaintext label and, once answered, the id of
/// the answer's secret and the responder's ephemeral public key. The answer's content is an
/// ordinary secret in <see cref="ISecretStore"/>.
/// </summary>
internal interface IRequestStore
{
    ValueTask CreateAsync(NewRequest request, CancellationToken cancellationToken);

    /// <summary>The record; null when unknown or purged.</summary>
    ValueTask<RequestRecord?> FindAsync(SecretId id, CancellationToken cancellationToken);

    /// <summary>
    /// Compare-and-set, in one atomic step: records <paramref name="answer"/> only while the request
    /// is live at <paramref name="now"/> (not destroyed, not expired) and its answer is still
    /// <paramref name="expected"/> (null: none yet). False when another answer got there first.
    /// </summary>
    ValueTask<bool> TryAnswerAsync(SecretId id, SecretId? expected, RequestAnswer answer, DateTimeOffset now,
        CancellationToken cancellationToken);

    /// <summary>Ends a live request at <paramref name="now"/> and drops its label; false when it had already ended.</summary>
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
    DateTimeOffset ExpiresAt);

/// <summary>The answer of a request: its secret, the responder's ephemeral public key E, and when it came.</summary>
internal sealed record RequestAnswer(SecretId SecretId, byte[] EphemeralKey, DateTimeOffset AnsweredAt);

internal sealed record RequestRecord(
    SecretId Id,
    byte[] TokenVerifier,
    byte[] SendVerifier,
    string? Label,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    RequestAnswer? Answer,
    DateTimeOffset? DestroyedAt)
{
    /// <summary>True while an answer can still be recorded or the requester can still destroy it.</summary>
    public bool IsLiveAt(DateTimeOffset now) => DestroyedAt is null && now < ExpiresAt;

    /// <summary>A stable text of every field, for tests that check nothing changed.</summary>
    public string Describe() => string.Join('|',
        Id, Convert.ToHexString(TokenVerifier), Convert.ToHexString(SendVerifier), Label ?? "-",
        CreatedAt.ToUnixTimeMilliseconds(), ExpiresAt.ToUnixTimeMilliseconds(),
        Answer is null ? "-" : $"{Answer.SecretId}/{Convert.ToHexString(Answer.EphemeralKey)}/{Answer.AnsweredAt.ToUnixTimeMilliseconds()}",
        DestroyedAt?.ToUnixTimeMilliseconds());
}

internal sealed record RequestSweepResult(int LabelsDropped, int RecordsPurged)
{
    public int Total => LabelsDropped + RecordsPurged;
}
