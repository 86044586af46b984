using System.Security.Cryptography;
using Parley.Crypto;
using Parley.Crypto.Kem;

namespace Parley.Protocol.Ratchet;

/// <summary>
/// PQXDH as libsignal 0.103 runs it (<c>pqxdh.rs</c>): secret input
/// <c>0xFF×32 ‖ DH(IK_A, SPK_B) ‖ DH(EK_A, IK_B) ‖ DH(EK_A, SPK_B) [‖ DH(EK_A, OPK_B)] ‖ Kyber SS</c>,
/// then <c>HKDF(salt none, info "WhisperText_X25519_SHA-256_CRYSTALS-KYBER-1024", 96)</c> split into
/// root key, chain key and the SPQR authentication key.
/// </summary>
internal static class Pqxdh
{
    private static ReadOnlySpan<byte> Info => "WhisperText_X25519_SHA-256_CRYSTALS-KYBER-1024"u8;

    internal sealed record Keys(byte[] RootKey, byte[] ChainKey, byte[] SpqrAuthKey);

    public static (Keys Keys, byte[] KyberCiphertext) Initiate(
        Curve25519PrivateKey ourIdentity,
        Curve25519PrivateKey ourBaseKey,
        Curve25519PublicKey theirIdentity,
        Curve25519PublicKey theirSignedPreKey,
        Curve25519PublicKey? theirOneTimePreKey,
        KemPublicKey theirKyberPreKey,
        IRandomSource random)
    {
        Span<byte> secrets = stackalloc byte[32 * 6]; // on the stack: never copied by the GC, zeroed below
        var length = 0;
        try
        {
            secrets[..32].Fill(0xFF);
            length = 32;
            Agree(ourIdentity, theirSignedPreKey, secrets, ref length);
            Agree(ourBaseKey, theirIdentity, secrets, ref length);
            Agree(ourBaseKey, theirSignedPreKey, secrets, ref length);
            if (theirOneTimePreKey is not null)
            {
                Agree(ourBaseKey, theirOneTimePreKey, secrets, ref length);
            }

            var ciphertext = Kyber1024.Instance.Encapsulate(theirKyberPreKey, secrets.Slice(length, 32), random);
            length += 32;
            return (Derive(secrets[..length]), ciphertext);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secrets);
        }
    }

    public static Keys Accept(
        Curve25519PrivateKey ourIdentity,
        Curve25519PrivateKey ourSignedPreKey,
        Curve25519PrivateKey? ourOneTimePreKey,
        KemSecretKey ourKyberPreKey,
        Curve25519PublicKey theirIdentity,
        Curve25519PublicKey theirBaseKey,
        byte[] kyberCiphertext)
    {
        if (!theirBaseKey.IsCanonical())
        {
            throw ProtocolFailureException.InvalidMessage("incoming base key is invalid");
        }

        Span<byte> secrets = stackalloc byte[32 * 6];
        var length = 0;
        try
        {
            secrets[..32].Fill(0xFF);
            length = 32;
            Agree(ourSignedPreKey, theirIdentity, secrets, ref length);
            Agree(ourIdentity, theirBaseKey, secrets, ref length);
            Agree(ourSignedPreKey, theirBaseKey, secrets, ref length);
            if (ourOneTimePreKey is not null)
            {
                Agree(ourOneTimePreKey, theirBaseKey, secrets, ref length);
            }

            if (!Kyber1024.Instance.TryDecapsulate(ourKyberPreKey, kyberCiphertext, secrets.Slice(length, 32)))
            {
                throw ProtocolFailureException.InvalidMessage("bad Kyber ciphertext");
            }

            length += 32;
            return Derive(secrets[..length]);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secrets);
        }
    }

    private static void Agree(Curve25519PrivateKey ours, Curve25519PublicKey theirs, Span<byte> secrets, ref int length)
    {
        if (!ours.TryAgree(theirs, secrets.Slice(length, 32)))
        {
            throw new ProtocolFailureException(ProtocolFailure.InvalidKey, "low-order key in key agreement");
        }

        length += 32;
    }

    private static Keys Derive(ReadOnlySpan<byte> secretInput)
    {
        Span<byte> okm = stackalloc byte[96];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, secretInput, okm, default, Info);
        var keys = new Keys(okm[..32].ToArray(), okm[32..64].ToArray(), okm[64..].ToArray());
        CryptographicOperations.ZeroMemory(okm);
        return keys;
    }
}
