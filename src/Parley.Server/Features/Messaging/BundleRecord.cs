namespace Parley.Server.Features.Messaging;

internal sealed record BundleRecord(StoredAccount Account, StoredPreKey? PreKey, StoredPreKey SignedPreKey, StoredPreKey KyberPreKey, bool KyberIsLastResort);
