using Parley.Crypto;
using Parley.Protocol;
using Parley.Protocol.Groups;
using Parley.Protocol.Keys;
using Parley.Protocol.Ratchet;
using Parley.Protocol.Storage;

namespace Parley.Client.Profiles;

/// <summary>
/// Parley.Protocol's stores over a profile: every read and write goes through the current
/// <see cref="ProfileWrite"/>, so what one protocol operation changes is committed together with the
/// message it produced — or dropped with it. Identities follow the contact list: the first key seen
/// for a user is trusted; a different key is accepted for receiving (and recorded as a change the
/// user must accept) and refused for sending until <see cref="Contact.Trust"/> is Accepted again.
/// </summary>
public sealed class ProfileProtocolStore(IdentityKeyPair identity, uint registrationId, TimeProvider time) : IProtocolStore, ISenderKeyStore
{
    private ProfileWrite? _write;

    /// <summary>The unit of work the next operations read and write.</summary>
    public ProfileWrite Write
    {
        get => _write ?? throw new InvalidOperationException("No profile write is active.");
        set => _write = value;
    }

    /// <summary>Users whose key changed during the current write (the messenger turns each into a warning).</summary>
    public List<string> IdentityChanges { get; } = [];

    public IdentityKeyPair GetIdentityKeyPair() => identity;

    public uint GetLocalRegistrationId() => registrationId;

    public IdentityChange SaveIdentity(ProtocolAddress address, Curve25519PublicKey key)
    {
        var serialized = key.Serialize();
        var contact = Write.Get(ItemKind.Contact, address.Name, ProfileCodecs.Contact);
        if (contact is null)
        {
            Write.Put(ItemKind.Contact, address.Name,
                new Contact(address.Name, serialized, time.GetUtcNow(), false, ContactTrust.Accepted, null, null, false), ProfileCodecs.Contact);
            return IdentityChange.NewOrUnchanged;
        }

        if (contact.IdentityKey.AsSpan().SequenceEqual(serialized))
        {
            return IdentityChange.NewOrUnchanged;
        }

        Write.Put(ItemKind.Contact, address.Name, contact.WithChangedKey(serialized, time.GetUtcNow()), ProfileCodecs.Contact);
        IdentityChanges.Add(address.Name);
        return IdentityChange.ReplacedExisting;
    }

    public bool IsTrustedIdentity(ProtocolAddress address, Curve25519PublicKey key, Direction direction)
    {
        var contact = Write.Get(ItemKind.Contact, address.Name, ProfileCodecs.Contact);
        if (contact is null)
        {
            return true;
        }

        if (direction == Direction.Receiving)
        {
            return true; // a changed key still delivers, with a warning; only sending waits for the user
        }

        return contact.Trust == ContactTrust.Accepted && contact.IdentityKey.AsSpan().SequenceEqual(key.Serialize());
    }

    public Curve25519PublicKey? GetIdentity(ProtocolAddress address) =>
        Write.Get(ItemKind.Contact, address.Name, ProfileCodecs.Contact) is { } c ? Curve25519PublicKey.Decode(c.IdentityKey) : null;

    public PreKeyRecord? LoadPreKey(uint id) => Write.Get(ItemKind.PreKey, Id(id), ProfileCodecs.PreKey);

    public void StorePreKey(uint id, PreKeyRecord record) => Write.Put(ItemKind.PreKey, Id(id), record, ProfileCodecs.PreKey);

    public void RemovePreKey(uint id) => Write.Delete(ItemKind.PreKey, Id(id));

    public SignedPreKeyRecord? LoadSignedPreKey(uint id) => Write.Get(ItemKind.SignedPreKey, Id(id), ProfileCodecs.SignedPreKey);

    public void StoreSignedPreKey(uint id, SignedPreKeyRecord record) => Write.Put(ItemKind.SignedPreKey, Id(id), record, ProfileCodecs.SignedPreKey);

    public KyberPreKeyRecord? LoadKyberPreKey(uint id) => Write.Get(ItemKind.KyberPreKey, Id(id), ProfileCodecs.KyberPreKey)?.Record;

    public void StoreKyberPreKey(uint id, KyberPreKeyRecord record) =>
        Write.Put(ItemKind.KyberPreKey, Id(id), new StoredKyberPreKey(record, false), ProfileCodecs.KyberPreKey);

    public void StoreLastResortKyberPreKey(uint id, KyberPreKeyRecord record) =>
        Write.Put(ItemKind.KyberPreKey, Id(id), new StoredKyberPreKey(record, true), ProfileCodecs.KyberPreKey);

    public void MarkKyberPreKeyUsed(uint id, uint signedPreKeyId, Curve25519PublicKey baseKey)
    {
        if (Write.Get(ItemKind.KyberPreKey, Id(id), ProfileCodecs.KyberPreKey) is { LastResort: false })
        {
            Write.Delete(ItemKind.KyberPreKey, Id(id));
        }
    }

    public SessionRecord? LoadSession(ProtocolAddress address) => Write.Get(ItemKind.Session, address.ToString(), ProfileCodecs.Session);

    public void StoreSession(ProtocolAddress address, SessionRecord record) => Write.Put(ItemKind.Session, address.ToString(), record, ProfileCodecs.Session);

    /// <summary>Forgets the session with <paramref name="address"/> (a session reset).</summary>
    public void DeleteSession(ProtocolAddress address) => Write.Delete(ItemKind.Session, address.ToString());

    public SenderKeyRecord? LoadSenderKey(ProtocolAddress sender, Guid distributionId) =>
        Write.Get(ItemKind.SenderKey, SenderKeyName(sender, distributionId), ProfileCodecs.SenderKey);

    public void StoreSenderKey(ProtocolAddress sender, Guid distributionId, SenderKeyRecord record) =>
        Write.Put(ItemKind.SenderKey, SenderKeyName(sender, distributionId), record, ProfileCodecs.SenderKey);

    private static string SenderKeyName(ProtocolAddress sender, Guid distributionId) => $"{sender}/{distributionId:N}";

    private static string Id(uint id) => id.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
