using Parley.Server.Features.Secrets;

namespace Parley.Server.Features.Requests;

/// <summary>
/// A stored request, and the one place of its rules: whether it is live, and why an answer is refused
/// (which reason wins when several hold). The stores perform only the conditional writes these allow;
/// RequestStoreContract (tests) checks them on every provider.
/// </summary>
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
    /// <summary>
    /// The liveness rule: a request takes an answer, or can be destroyed, until it is destroyed or expires.
    /// <see cref="LiveSql"/> is the same rule for the SQL stores; change both together.
    /// </summary>
    public static bool IsLive(DateTimeOffset? destroyedAt, DateTimeOffset expiresAt, DateTimeOffset now) =>
        destroyedAt is null && now < expiresAt;

    /// <summary><see cref="IsLive"/> as a SQL condition on a <c>secret_requests</c> row (Unix milliseconds) at parameter <paramref name="now"/>.</summary>
    public static string LiveSql(string now) => $"destroyed_at IS NULL AND expires_at > {now}";

    /// <summary>See <see cref="IsLive"/>.</summary>
    public bool IsLiveAt(DateTimeOffset now) => IsLive(DestroyedAt, ExpiresAt, now);

    /// <summary>
    /// Why an answer cannot be recorded at <paramref name="now"/> by a caller who saw the answer
    /// <paramref name="expected"/> (null: none), or null when it can. Precedence: destroyed, then expired
    /// (an ended request says how it ended, whatever answer it has), then an answer other than the one seen.
    /// </summary>
    public AnswerRefusal? AnswerRefusalAt(DateTimeOffset now, SecretId? expected) =>
        DestroyedAt is not null ? AnswerRefusal.Destroyed
        : !IsLiveAt(now) ? AnswerRefusal.Expired
        : Answer?.SecretId != expected ? AnswerRefusal.AlreadyAnswered
        : null;

    /// <summary>A stable text of every field, for tests that check nothing changed.</summary>
    public string Describe() => string.Join('|',
        Id, Convert.ToHexString(TokenVerifier), Convert.ToHexString(SendVerifier), Label ?? "-",
        CreatedAt.ToUnixTimeMilliseconds(), ExpiresAt.ToUnixTimeMilliseconds(),
        Answer is null ? "-" : $"{Answer.SecretId}/{Convert.ToHexString(Answer.EphemeralKey)}/{Answer.AnsweredAt.ToUnixTimeMilliseconds()}",
        DestroyedAt?.ToUnixTimeMilliseconds());
}
