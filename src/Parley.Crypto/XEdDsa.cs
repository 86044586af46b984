using System.Security.Cryptography;

namespace Parley.Crypto;

/// <summary>
/// XEdDSA over Curve25519 exactly as libsignal computes it (<c>rust/core/src/curve/curve25519.rs</c>):
/// the X25519 private scalar signs directly, and the sign bit of the Edwards public key travels in
/// bit 7 of the signature's last byte (libsignal's deviation from the XEdDSA paper).
/// </summary>
/// <remarks>
/// Verification converts the Montgomery key to Edwards with that sign bit and then runs libsodium's
/// Ed25519 verification, which is stricter than libsignal's in three ways that an honest signer never
/// triggers: s must be fully reduced (libsignal accepts s below 2^253, i.e. the malleable forms), and
/// the public key and R must not be small-order points. libsignal always emits reduced s.
/// </remarks>
public static class XEdDsa
{
    /// <summary>Length of a signature: R (32) ‖ s (32).</summary>
    public const int SignatureSize = 64;

    private static ReadOnlySpan<byte> NoncePrefix =>
    [
        0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    ];

    /// <summary>
    /// Verifies an XEdDSA signature by <paramref name="key"/> over <paramref name="message"/>.
    /// Any signature that does not verify — including one that is not exactly 64 bytes — gives false.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    public static bool Verify(Curve25519PublicKey key, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (signature.Length != SignatureSize)
        {
            return false;
        }

        Span<byte> edwardsKey = stackalloc byte[32];
        if (!Curve25519Math.TryMontgomeryToEdwards(key.RawBytes, signature[63] >> 7, edwardsKey))
        {
            return false;
        }

        Span<byte> ed25519Signature = stackalloc byte[SignatureSize];
        signature.CopyTo(ed25519Signature);
        ed25519Signature[63] &= 0x7F;
        if ((ed25519Signature[63] & 0xE0) != 0)
        {
            return false; // libsignal rejects s with any of its top three bits set
        }

        Sodium.EnsureInitialized();
        Span<byte> empty = stackalloc byte[1];
        ReadOnlySpan<byte> m = message.IsEmpty ? empty[..0] : message; // never hand libsodium a null pointer
        unsafe
        {
            fixed (byte* sig = ed25519Signature)
            fixed (byte* pm = &System.Runtime.InteropServices.MemoryMarshal.GetReference(m))
            fixed (byte* pk = edwardsKey)
            {
                return Sodium.crypto_sign_ed25519_verify_detached(sig, pm, (ulong)message.Length, pk) == 0;
            }
        }
    }

    /// <summary>
    /// The signing core: <paramref name="clampedKey"/> is the clamped X25519 scalar and
    /// <paramref name="random"/> the 64 bytes hashed into the nonce.
    /// </summary>
    internal static void Sign(ReadOnlySpan<byte> clampedKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> random, Span<byte> signature)
    {
        if (clampedKey.Length != 32 || random.Length != 64)
        {
            throw new ArgumentException("XEdDSA needs a 32-byte key and 64 bytes of randomness.");
        }

        if (signature.Length < SignatureSize)
        {
            throw new ArgumentException($"A signature is {SignatureSize} bytes.", nameof(signature));
        }

        Sodium.EnsureInitialized();
        Span<byte> wide = stackalloc byte[64];
        Span<byte> a = stackalloc byte[32];
        Span<byte> publicKey = stackalloc byte[32];
        Span<byte> r = stackalloc byte[32];
        Span<byte> capitalR = stackalloc byte[32];
        Span<byte> h = stackalloc byte[32];
        Span<byte> s = stackalloc byte[32];
        try
        {
            unsafe
            {
                fixed (byte* pWide = wide)
                fixed (byte* pA = a)
                fixed (byte* pPublic = publicKey)
                fixed (byte* pR = r)
                fixed (byte* pCapitalR = capitalR)
                fixed (byte* pH = h)
                fixed (byte* pS = s)
                {
                    // a = key mod L; A = aB (its sign bit is what travels in the signature)
                    wide.Clear();
                    clampedKey.CopyTo(wide);
                    Sodium.crypto_core_ed25519_scalar_reduce(pA, pWide);
                    if (Sodium.crypto_scalarmult_ed25519_base_noclamp(pPublic, pA) != 0)
                    {
                        throw new CryptographicException("The private key is not usable for XEdDSA.");
                    }

                    // r = SHA-512(0xFE ‖ 0xFF×31 ‖ key ‖ message ‖ random) mod L; R = rB
                    using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA512))
                    {
                        hash.AppendData(NoncePrefix);
                        hash.AppendData(clampedKey);
                        hash.AppendData(message);
                        hash.AppendData(random);
                        hash.GetHashAndReset(wide);
                    }

                    Sodium.crypto_core_ed25519_scalar_reduce(pR, pWide);
                    if (Sodium.crypto_scalarmult_ed25519_base_noclamp(pCapitalR, pR) != 0)
                    {
                        throw new CryptographicException("XEdDSA nonce was zero.");
                    }

                    // h = SHA-512(R ‖ A ‖ message) mod L; s = h·a + r
                    using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA512))
                    {
                        hash.AppendData(capitalR);
                        hash.AppendData(publicKey);
                        hash.AppendData(message);
                        hash.GetHashAndReset(wide);
                    }

                    Sodium.crypto_core_ed25519_scalar_reduce(pH, pWide);
                    Sodium.crypto_core_ed25519_scalar_mul(pS, pH, pA);
                    Sodium.crypto_core_ed25519_scalar_add(pS, pS, pR);
                }
            }

            capitalR.CopyTo(signature);
            s.CopyTo(signature[32..]);
            signature[63] = (byte)((signature[63] & 0x7F) | (publicKey[31] & 0x80));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(wide);
            CryptographicOperations.ZeroMemory(a);
            CryptographicOperations.ZeroMemory(r);
            CryptographicOperations.ZeroMemory(s);
        }
    }
}
