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

    /// <summary>
    /// The message seed for index <paramref name="to"/> of a chain (1:1 or sender key) now at index
    /// <paramref name="from"/> with <paramref name="chainKey"/>, and the chain key after it. The seeds of
    /// the skipped indices go to <paramref name="skipped"/> (oldest first), of which only the newest
    /// <paramref name="maxKept"/> survive (libsignal keeps the same ones, evicting as it goes). The
    /// intermediate chain keys are zeroed; <paramref name="chainKey"/> is not, since it belongs to the
    /// stored state.
    /// </summary>
    public static (byte[] Seed, byte[] NextChainKey) Consume(byte[] chainKey, uint from, uint to, int maxKept, List<(uint Index, byte[] Seed)> skipped)
    {
        var firstKept = to >= (uint)maxKept ? to - (uint)maxKept : 0;
        var current = chainKey;
        for (var index = from; index < to; index++)
        {
            if (index >= firstKept)
            {
                skipped.Add((index, MessageSeed(current)));
            }

            var next = NextChainKey(current);
            Forget(current, chainKey);
            current = next;
        }

        if (skipped.Count > maxKept)
        {
            skipped.RemoveRange(0, skipped.Count - maxKept);
        }

        var result = (MessageSeed(current), NextChainKey(current));
        Forget(current, chainKey);
        return result;
    }

    private static void Forget(byte[] intermediate, byte[] start)
    {
        if (!ReferenceEquals(intermediate, start))
        {
            CryptographicOperations.ZeroMemory(intermediate);
        }
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
