using System.Security.Cryptography;
using Parley.Crypto;

namespace Parley.Protocol.Ratchet;

/// <summary>
/// The Double Ratchet's key derivations (libsignal <c>ratchet/keys.rs</c>): chain steps with
/// HMAC-SHA256, root steps and message keys with HKDF-SHA256.
/// </summary>
internal static class RatchetKdf
{
    public const int KeySize = 32;
    public const int IvSize = 16;

    private static ReadOnlySpan<byte> MessageKeySeed => [0x01];

    private static ReadOnlySpan<byte> ChainKeySeed => [0x02];

    private static ReadOnlySpan<byte> RatchetInfo => "WhisperRatchet"u8;

    private static ReadOnlySpan<byte> MessageKeysInfo => "WhisperMessageKeys"u8;

    /// <summary>seed = HMAC(CK, 0x01): what a message key is derived from.</summary>
    public static byte[] MessageSeed(ReadOnlySpan<byte> chainKey)
    {
        var seed = new byte[KeySize];
        HMACSHA256.HashData(chainKey, MessageKeySeed, seed);
        return seed;
    }

    /// <summary>CK' = HMAC(CK, 0x02).</summary>
    public static byte[] NextChainKey(ReadOnlySpan<byte> chainKey)
    {
        var next = new byte[KeySize];
        HMACSHA256.HashData(chainKey, ChainKeySeed, next);
        return next;
    }

    /// <summary>(RK', CK) = HKDF(salt = RK, ikm = DH(ours, theirs), "WhisperRatchet", 64).</summary>
    public static (byte[] RootKey, byte[] ChainKey) CreateChain(ReadOnlySpan<byte> rootKey, Curve25519PrivateKey ours, Curve25519PublicKey theirs)
    {
        Span<byte> shared = stackalloc byte[32];
        Span<byte> okm = stackalloc byte[64];
        try
        {
            if (!ours.TryAgree(theirs, shared))
            {
                throw ProtocolFailureException.InvalidMessage("ratchet key has low order");
            }

            HKDF.DeriveKey(HashAlgorithmName.SHA256, shared, okm, rootKey, RatchetInfo);
            return (okm[..32].ToArray(), okm[32..].ToArray());
        }
        finally
        {
            CryptographicOperations.ZeroMemory(shared);
            CryptographicOperations.ZeroMemory(okm);
        }
    }

    /// <summary>
    /// cipherKey(32) ‖ macKey(32) ‖ iv(16) = HKDF(salt = SPQR key or none, ikm = seed, "WhisperMessageKeys", 80).
    /// </summary>
    public static void MessageKeys(ReadOnlySpan<byte> seed, ReadOnlySpan<byte> spqrKey, Span<byte> keys80)
    {
        HKDF.DeriveKey(HashAlgorithmName.SHA256, seed, keys80[..80], spqrKey, MessageKeysInfo);
    }
}
