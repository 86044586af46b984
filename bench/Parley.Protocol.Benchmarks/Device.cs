using Parley.Protocol.Keys;
using Parley.Protocol.Storage;

namespace Parley.Protocol.Benchmarks;

/// <summary>One benchmark device: identity, in-memory stores, cipher, and bundles to hand out.</summary>
internal sealed class Device
{
    private uint _nextId = 1;

    public Device(string name)
    {
        Address = new ProtocolAddress(name, 1);
        Identity = IdentityKeyPair.Generate();
        Store = new InMemoryProtocolStore(Identity, 1234);
        Cipher = new SessionCipher(Store, Address);
    }

    public ProtocolAddress Address { get; }

    public IdentityKeyPair Identity { get; }

    public InMemoryProtocolStore Store { get; }

    public SessionCipher Cipher { get; }

    public PreKeyBundle NewBundle(bool oneTime = true, bool lastResort = false)
    {
        var id = _nextId++;
        var signed = SignedPreKeyRecord.Generate(id, Identity, 0);
        var kyber = KyberPreKeyRecord.Generate(id, Identity, 0);
        Store.StoreSignedPreKey(id, signed);
        if (lastResort)
        {
            Store.KyberPreKeys.StoreLastResortKyberPreKey(id, kyber);
        }
        else
        {
            Store.StoreKyberPreKey(id, kyber);
        }

        PreKeyRecord? preKey = oneTime ? PreKeyRecord.Generate(id) : null;
        if (preKey is not null)
        {
            Store.StorePreKey(id, preKey);
        }

        return new PreKeyBundle(1234, 1, preKey?.Id, preKey?.PublicKey, id, signed.PublicKey, signed.Signature, Identity.PublicKey, id, kyber.PublicKey, kyber.Signature);
    }
}
