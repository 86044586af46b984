namespace Parley.Server.Features.Messaging;

internal sealed record NewAccount(
    string Username,
    byte[] IdentityKey,
    uint RegistrationId,
    StoredPreKey SignedPreKey,
    StoredPreKey KyberLastResort,
    IReadOnlyList<StoredPreKey> PreKeys,
    IReadOnlyList<StoredPreKey> KyberPreKeys,
    DateTimeOffset CreatedAt,
    byte[]? InviteHash);
