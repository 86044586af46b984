using Parley.Crypto;

namespace Parley.Protocol.Keys;

/// <summary>A long-term identity: a Curve25519 key pair that signs prekeys and takes part in PQXDH.</summary>
public sealed class IdentityKeyPair : IDisposable
{
    public IdentityKeyPair(Curve25519PrivateKey privateKey)
    {
        PrivateKey = privateKey ?? throw new ArgumentNullException(nameof(privateKey));
    }

    public Curve25519PrivateKey PrivateKey { get; }

    public Curve25519PublicKey PublicKey => PrivateKey.PublicKey;

    public static IdentityKeyPair Generate(IRandomSource? random = null) => new(Curve25519PrivateKey.Generate(random));

    public void Dispose() => PrivateKey.Dispose();

    public override string ToString() => $"IdentityKeyPair({PublicKey})";
}
