using Microsoft.Extensions.Time.Testing;
using Parley.Crypto;
using Parley.Protocol.Groups;
using Parley.Protocol.Keys;
using Parley.Protocol.Storage;
using Parley.Protocol.Wire;

namespace Parley.Protocol.Tests.Support;

/// <summary>One device in a test: its identity, in-memory stores, cipher, and prekeys to hand out.</summary>
internal sealed class Party
{
    private uint _nextPreKeyId = 1;

    public Party(string name, FakeTimeProvider? time = null, IRandomSource? random = null, uint deviceId = 1)
        : this(new ProtocolAddress(name, deviceId), null, null, time, random)
    {
    }

    /// <summary>A device with a given identity and registration id (a stored device read back), or new ones.</summary>
    public Party(ProtocolAddress address, IdentityKeyPair? identity, uint? registrationId, FakeTimeProvider? time = null, IRandomSource? random = null)
    {
        Time = time ?? new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
        Random = random ?? new DeterministicRandom(address.Name);
        Address = address;
        Identity = identity ?? IdentityKeyPair.Generate(Random);
        Store = new InMemoryProtocolStore(Identity, registrationId ?? (uint)(address.Name.Length * 1000) + address.DeviceId);
        Cipher = new SessionCipher(Store, Address, Time, Random);
        Groups = new GroupCipher(Store, Random);
    }

    public FakeTimeProvider Time { get; }

    public IRandomSource Random { get; }

    public ProtocolAddress Address { get; }

    public IdentityKeyPair Identity { get; }

    public InMemoryProtocolStore Store { get; }

    public SessionCipher Cipher { get; }

    public GroupCipher Groups { get; }

    /// <summary>Makes and stores a full set of prekeys and returns the bundle a server would hand out.</summary>
    public PreKeyBundle NewBundle(bool withOneTimePreKey = true)
    {
        var id = _nextPreKeyId++;
        var now = (ulong)Time.GetUtcNow().ToUnixTimeMilliseconds();
        var signed = SignedPreKeyRecord.Generate(id, Identity, now, Random);
        var kyber = KyberPreKeyRecord.Generate(id, Identity, now, Random);
        Store.StoreSignedPreKey(id, signed);
        Store.StoreKyberPreKey(id, kyber);
        PreKeyRecord? oneTime = null;
        if (withOneTimePreKey)
        {
            oneTime = PreKeyRecord.Generate(id, Random);
            Store.StorePreKey(id, oneTime);
        }

        return new PreKeyBundle(Store.GetLocalRegistrationId(), Address.DeviceId, oneTime?.Id, oneTime?.PublicKey, signed.Id, signed.PublicKey, signed.Signature, Identity.PublicKey, kyber.Id, kyber.PublicKey, kyber.Signature);
    }

    public CiphertextMessage Send(Party to, string text) => Cipher.Encrypt(to.Address, System.Text.Encoding.UTF8.GetBytes(text)).Value;

    public ProtocolResult<byte[]> Receive(Party from, CiphertextMessage message) => Cipher.Decrypt(from.Address, message);

    public string ReceiveText(Party from, CiphertextMessage message)
    {
        var result = Receive(from, message);
        result.IsSuccess.ShouldBeTrue($"decrypt failed with {result.Failure}");
        return System.Text.Encoding.UTF8.GetString(result.Value);
    }

    /// <summary>Every store, serialized: equal snapshots mean nothing changed.</summary>
    public string Snapshot()
    {
        var parts = new List<string>();
        foreach (var (address, bytes) in Store.Sessions.Snapshot().OrderBy(p => p.Key.ToString(), StringComparer.Ordinal))
        {
            parts.Add($"session {address}: {Convert.ToHexString(bytes)}");
        }

        foreach (var (address, bytes) in Store.Identities.Snapshot().OrderBy(p => p.Key.ToString(), StringComparer.Ordinal))
        {
            parts.Add($"identity {address}: {Convert.ToHexString(bytes)}");
        }

        foreach (var ((sender, distribution), bytes) in Store.SenderKeys.Snapshot().OrderBy(p => p.Key.ToString(), StringComparer.Ordinal))
        {
            parts.Add($"senderkey {sender}/{distribution}: {Convert.ToHexString(bytes)}");
        }

        parts.Add("prekeys " + string.Join(',', Store.PreKeys.Ids.Order()));
        parts.Add("signed " + string.Join(',', Store.SignedPreKeys.Ids.Order()));
        parts.Add("kyber " + string.Join(',', Store.KyberPreKeys.Ids.Order()));
        return string.Join('\n', parts);
    }

    public override string ToString() => Address.ToString();
}
