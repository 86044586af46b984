namespace Parley.Server.Features.Messaging;

internal sealed record BundleRecord(AccountRecord Account, StoredPreKey? PreKey, StoredPreKey SignedPreKey, StoredPreKey KyberPreKey, bool KyberIsLastResort);
