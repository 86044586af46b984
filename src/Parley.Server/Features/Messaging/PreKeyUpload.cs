namespace Parley.Server.Features.Messaging;

internal sealed record PreKeyUpload(
    StoredPreKey? SignedPreKey,
    StoredPreKey? KyberLastResort,
    IReadOnlyList<StoredPreKey> PreKeys,
    IReadOnlyList<StoredPreKey> KyberPreKeys);
