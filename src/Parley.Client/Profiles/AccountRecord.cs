namespace Parley.Client.Profiles;

/// <summary>
/// The profile's own account: where it is registered, under which name, and the bookkeeping of its
/// prekeys (next ids, when the signed and last-resort keys were made). The identity's private key is
/// stored apart (<see cref="ItemKind.Identity"/>) as raw bytes that are zeroed after use.
/// </summary>
public sealed record AccountRecord(
    string Server,
    string Username,
    uint RegistrationId,
    DateTimeOffset CreatedAt,
    bool Registered,
    uint NextPreKeyId,
    uint SignedPreKeyId,
    DateTimeOffset SignedPreKeyAt,
    uint LastResortKyberId,
    DateTimeOffset LastResortKyberAt)
{
    public const string Name = "account";

    /// <summary>When the server's count of one-time prekeys was last checked (checked at most hourly).</summary>
    public DateTimeOffset PreKeysCheckedAt { get; init; }
}

/// <summary>The bearer token of the last login (valid until <see cref="ExpiresAt"/>).</summary>
public sealed record TokenRecord(string Token, DateTimeOffset ExpiresAt)
{
    public const string Name = "bearer";

    public override string ToString() => $"TokenRecord(expires {ExpiresAt:u})";
}
