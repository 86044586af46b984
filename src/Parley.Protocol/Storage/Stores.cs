using Parley.Crypto;
using Parley.Protocol.Groups;
using Parley.Protocol.Keys;
using Parley.Protocol.Ratchet;

namespace Parley.Protocol.Storage;

/// <summary>Which way a message goes, for trust decisions.</summary>
public enum Direction
{
    Sending,
    Receiving,
}

/// <summary>What <see cref="IIdentityKeyStore.SaveIdentity"/> did.</summary>
public enum IdentityChange
{
    NewOrUnchanged,
    ReplacedExisting,
}

/// <summary>
/// The local identity and what is known of remote identities. The protocol owns this interface;
/// hosts implement it. Calls are synchronous: Parley.Protocol does no I/O of its own.
/// </summary>
public interface IIdentityKeyStore
{
    IdentityKeyPair GetIdentityKeyPair();

    uint GetLocalRegistrationId();

    /// <summary>Records <paramref name="identity"/> as the key of <paramref name="address"/>.</summary>
    IdentityChange SaveIdentity(ProtocolAddress address, Curve25519PublicKey identity);

    /// <summary>Whether to talk to <paramref name="address"/> under <paramref name="identity"/> in this direction.</summary>
    bool IsTrustedIdentity(ProtocolAddress address, Curve25519PublicKey identity, Direction direction);

    Curve25519PublicKey? GetIdentity(ProtocolAddress address);
}

/// <summary>One-time Curve25519 prekeys.</summary>
public interface IPreKeyStore
{
    PreKeyRecord? LoadPreKey(uint id);

    void StorePreKey(uint id, PreKeyRecord record);

    void RemovePreKey(uint id);
}

/// <summary>Signed Curve25519 prekeys.</summary>
public interface ISignedPreKeyStore
{
    SignedPreKeyRecord? LoadSignedPreKey(uint id);

    void StoreSignedPreKey(uint id, SignedPreKeyRecord record);
}

/// <summary>Signed Kyber1024 prekeys.</summary>
public interface IKyberPreKeyStore
{
    KyberPreKeyRecord? LoadKyberPreKey(uint id);

    void StoreKyberPreKey(uint id, KyberPreKeyRecord record);

    /// <summary>
    /// Called after a successful decryption that used this Kyber prekey: a one-time Kyber prekey should
    /// be removed; a last-resort one kept (a host may remember the base key to refuse reuse).
    /// </summary>
    void MarkKyberPreKeyUsed(uint id, uint signedPreKeyId, Curve25519PublicKey baseKey);
}

/// <summary>
/// Session records per remote device. Parley never mutates a record it loaded: it stores a new one
/// after a successful operation and stores nothing after a failed one.
/// </summary>
public interface ISessionStore
{
    SessionRecord? LoadSession(ProtocolAddress address);

    void StoreSession(ProtocolAddress address, SessionRecord record);
}

/// <summary>Sender-key records per (sender, distribution id).</summary>
public interface ISenderKeyStore
{
    SenderKeyRecord? LoadSenderKey(ProtocolAddress sender, Guid distributionId);

    void StoreSenderKey(ProtocolAddress sender, Guid distributionId, SenderKeyRecord record);
}

/// <summary>Everything a 1:1 session needs.</summary>
public interface IProtocolStore : IIdentityKeyStore, IPreKeyStore, ISignedPreKeyStore, IKyberPreKeyStore, ISessionStore
{
}
