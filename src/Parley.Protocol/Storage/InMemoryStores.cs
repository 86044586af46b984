using System.Collections.Concurrent;
using Parley.Crypto;
using Parley.Protocol.Groups;
using Parley.Protocol.Keys;
using Parley.Protocol.Ratchet;

namespace Parley.Protocol.Storage;

/// <summary>
/// Identity store in memory with trust on first use: an address is trusted under the first key seen
/// for it, and only that key, until <see cref="SaveIdentity"/> replaces it.
/// </summary>
public sealed class InMemoryIdentityKeyStore(IdentityKeyPair identity, uint registrationId) : IIdentityKeyStore
{
    private readonly ConcurrentDictionary<ProtocolAddress, Curve25519PublicKey> _known = new();

    public IdentityKeyPair GetIdentityKeyPair() => identity;

    public uint GetLocalRegistrationId() => registrationId;

    public IdentityChange SaveIdentity(ProtocolAddress address, Curve25519PublicKey key)
    {
        var changed = false;
        _known.AddOrUpdate(address, key, (_, existing) =>
        {
            changed = existing != key;
            return key;
        });
        return changed ? IdentityChange.ReplacedExisting : IdentityChange.NewOrUnchanged;
    }

    public bool IsTrustedIdentity(ProtocolAddress address, Curve25519PublicKey key, Direction direction) =>
        !_known.TryGetValue(address, out var existing) || existing == key;

    public Curve25519PublicKey? GetIdentity(ProtocolAddress address) => _known.GetValueOrDefault(address);

    /// <summary>A snapshot for tests: address → serialized identity key.</summary>
    public IReadOnlyDictionary<ProtocolAddress, byte[]> Snapshot() => _known.ToDictionary(p => p.Key, p => p.Value.Serialize());
}

public sealed class InMemoryPreKeyStore : IPreKeyStore
{
    private readonly ConcurrentDictionary<uint, PreKeyRecord> _records = new();

    public PreKeyRecord? LoadPreKey(uint id) => _records.GetValueOrDefault(id);

    public void StorePreKey(uint id, PreKeyRecord record) => _records[id] = record;

    public void RemovePreKey(uint id) => _records.TryRemove(id, out _);

    public IReadOnlyCollection<uint> Ids => _records.Keys.ToArray();
}

public sealed class InMemorySignedPreKeyStore : ISignedPreKeyStore
{
    private readonly ConcurrentDictionary<uint, SignedPreKeyRecord> _records = new();

    public SignedPreKeyRecord? LoadSignedPreKey(uint id) => _records.GetValueOrDefault(id);

    public void StoreSignedPreKey(uint id, SignedPreKeyRecord record) => _records[id] = record;

    public IReadOnlyCollection<uint> Ids => _records.Keys.ToArray();
}

/// <summary>Kyber prekeys in memory; ids marked last-resort survive use, others are removed when used.</summary>
public sealed class InMemoryKyberPreKeyStore : IKyberPreKeyStore
{
    private readonly ConcurrentDictionary<uint, KyberPreKeyRecord> _records = new();
    private readonly ConcurrentDictionary<uint, bool> _lastResort = new();

    public KyberPreKeyRecord? LoadKyberPreKey(uint id) => _records.GetValueOrDefault(id);

    public void StoreKyberPreKey(uint id, KyberPreKeyRecord record) => _records[id] = record;

    /// <summary>Stores a last-resort Kyber prekey, which is kept after use.</summary>
    public void StoreLastResortKyberPreKey(uint id, KyberPreKeyRecord record)
    {
        _records[id] = record;
        _lastResort[id] = true;
    }

    public void MarkKyberPreKeyUsed(uint id, uint signedPreKeyId, Curve25519PublicKey baseKey)
    {
        if (!_lastResort.ContainsKey(id))
        {
            _records.TryRemove(id, out _);
        }
    }

    public IReadOnlyCollection<uint> Ids => _records.Keys.ToArray();
}

public sealed class InMemorySessionStore : ISessionStore
{
    private readonly ConcurrentDictionary<ProtocolAddress, SessionRecord> _sessions = new();

    public SessionRecord? LoadSession(ProtocolAddress address) => _sessions.GetValueOrDefault(address);

    public void StoreSession(ProtocolAddress address, SessionRecord record) => _sessions[address] = record;

    /// <summary>A snapshot for tests: address → serialized record.</summary>
    public IReadOnlyDictionary<ProtocolAddress, byte[]> Snapshot() => _sessions.ToDictionary(p => p.Key, p => p.Value.Serialize());
}

public sealed class InMemorySenderKeyStore : ISenderKeyStore
{
    private readonly ConcurrentDictionary<(ProtocolAddress, Guid), SenderKeyRecord> _records = new();

    public SenderKeyRecord? LoadSenderKey(ProtocolAddress sender, Guid distributionId) => _records.GetValueOrDefault((sender, distributionId));

    public void StoreSenderKey(ProtocolAddress sender, Guid distributionId, SenderKeyRecord record) => _records[(sender, distributionId)] = record;

    /// <summary>A snapshot for tests: (sender, distribution) → serialized record.</summary>
    public IReadOnlyDictionary<(ProtocolAddress, Guid), byte[]> Snapshot() => _records.ToDictionary(p => p.Key, p => p.Value.Serialize());
}

/// <summary>All the in-memory stores one device needs, behind <see cref="IProtocolStore"/> and <see cref="ISenderKeyStore"/>.</summary>
public sealed class InMemoryProtocolStore(IdentityKeyPair identity, uint registrationId) : IProtocolStore, ISenderKeyStore
{
    public InMemoryIdentityKeyStore Identities { get; } = new(identity, registrationId);

    public InMemoryPreKeyStore PreKeys { get; } = new();

    public InMemorySignedPreKeyStore SignedPreKeys { get; } = new();

    public InMemoryKyberPreKeyStore KyberPreKeys { get; } = new();

    public InMemorySessionStore Sessions { get; } = new();

    public InMemorySenderKeyStore SenderKeys { get; } = new();

    public IdentityKeyPair GetIdentityKeyPair() => Identities.GetIdentityKeyPair();

    public uint GetLocalRegistrationId() => Identities.GetLocalRegistrationId();

    public IdentityChange SaveIdentity(ProtocolAddress address, Curve25519PublicKey key) => Identities.SaveIdentity(address, key);

    public bool IsTrustedIdentity(ProtocolAddress address, Curve25519PublicKey key, Direction direction) => Identities.IsTrustedIdentity(address, key, direction);

    public Curve25519PublicKey? GetIdentity(ProtocolAddress address) => Identities.GetIdentity(address);

    public PreKeyRecord? LoadPreKey(uint id) => PreKeys.LoadPreKey(id);

    public void StorePreKey(uint id, PreKeyRecord record) => PreKeys.StorePreKey(id, record);

    public void RemovePreKey(uint id) => PreKeys.RemovePreKey(id);

    public SignedPreKeyRecord? LoadSignedPreKey(uint id) => SignedPreKeys.LoadSignedPreKey(id);

    public void StoreSignedPreKey(uint id, SignedPreKeyRecord record) => SignedPreKeys.StoreSignedPreKey(id, record);

    public KyberPreKeyRecord? LoadKyberPreKey(uint id) => KyberPreKeys.LoadKyberPreKey(id);

    public void StoreKyberPreKey(uint id, KyberPreKeyRecord record) => KyberPreKeys.StoreKyberPreKey(id, record);

    public void MarkKyberPreKeyUsed(uint id, uint signedPreKeyId, Curve25519PublicKey baseKey) => KyberPreKeys.MarkKyberPreKeyUsed(id, signedPreKeyId, baseKey);

    public SessionRecord? LoadSession(ProtocolAddress address) => Sessions.LoadSession(address);

    public void StoreSession(ProtocolAddress address, SessionRecord record) => Sessions.StoreSession(address, record);

    public SenderKeyRecord? LoadSenderKey(ProtocolAddress sender, Guid distributionId) => SenderKeys.LoadSenderKey(sender, distributionId);

    public void StoreSenderKey(ProtocolAddress sender, Guid distributionId, SenderKeyRecord record) => SenderKeys.StoreSenderKey(sender, distributionId, record);
}
