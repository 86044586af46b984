using Parley.Crypto;
using Parley.Crypto.Kem;

namespace Parley.Protocol.Keys;

/// <summary>
/// What a server hands out so someone can start a session with a device (libsignal <c>PreKeyBundle</c>):
/// the identity key, a signed prekey, a signed Kyber1024 prekey and optionally a one-time prekey.
/// The Kyber fields are required, as in libsignal 0.103.
/// </summary>
public sealed record PreKeyBundle(
    uint RegistrationId,
    uint DeviceId,
    uint? PreKeyId,
    Curve25519PublicKey? PreKeyPublic,
    uint SignedPreKeyId,
    Curve25519PublicKey SignedPreKeyPublic,
    byte[] SignedPreKeySignature,
    Curve25519PublicKey IdentityKey,
    uint KyberPreKeyId,
    KemPublicKey KyberPreKeyPublic,
    byte[] KyberPreKeySignature)
{
    /// <summary>Checks the shape: a one-time prekey id comes with its key, and every required part is there.</summary>
    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(SignedPreKeyPublic);
        ArgumentNullException.ThrowIfNull(SignedPreKeySignature);
        ArgumentNullException.ThrowIfNull(IdentityKey);
        ArgumentNullException.ThrowIfNull(KyberPreKeyPublic);
        ArgumentNullException.ThrowIfNull(KyberPreKeySignature);
        if ((PreKeyId is null) != (PreKeyPublic is null))
        {
            throw new ArgumentException("A one-time prekey needs both its id and its key.");
        }
    }
}
