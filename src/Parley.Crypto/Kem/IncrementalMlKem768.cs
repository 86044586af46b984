using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Kems;
using Org.BouncyCastle.Crypto.Parameters;

namespace Parley.Crypto.Kem;

/// <summary>
/// ML-KEM-768 (FIPS 203) with the encapsulation split in two, as SPQR's braid uses it (spqr
/// <c>incremental_mlkem768.rs</c> over libcrux's incremental API). The key owner sends a 64-byte
/// <b>header</b> ρ ‖ H(ek) first and the 1,152-byte <b>encapsulation key vector</b> ByteEncode₁₂(t̂)
/// later; the other side produces ct1 (960 bytes) and the shared secret from the header alone, and
/// ct2 (128 bytes) once the vector has arrived. ct1 ‖ ct2 is the standard ciphertext and the shared
/// secret the standard K, so decapsulation is plain ML-KEM-768.
/// </summary>
/// <remarks>
/// Key generation and decapsulation are BouncyCastle's ML-KEM-768; the two encapsulation halves are
/// Parley's own (<see cref="SplitKPkeEncryption"/>) because no library exposes encryption from
/// H(ek) without t̂. Tests check them against BouncyCastle's and noble's standard encapsulation and
/// against Wycheproof's ML-KEM-1024 vectors (the same code with k = 4).
/// </remarks>
public static class IncrementalMlKem768
{
    public const int HeaderSize = 64;
    public const int EncapsulationKeySize = 1152;
    public const int DecapsulationKeySize = 2400;
    public const int Ciphertext1Size = 960;
    public const int Ciphertext2Size = 128;
    public const int SharedSecretSize = 32;
    public const int EncapsulationStateSize = 64;

    /// <summary>d ‖ z for ML-KEM.KeyGen_internal.</summary>
    public const int KeyGenerationSeedSize = 64;

    private const int StandardEncapsulationKeySize = EncapsulationKeySize + 32;

    private static MlKemParameters Parameters => MlKemParameters.MlKem768;

    /// <summary>A fresh key pair: the header, the encapsulation key vector and the decapsulation key.</summary>
    public static (byte[] Header, byte[] EncapsulationKey, MlKem768DecapsulationKey DecapsulationKey) GenerateKeyPair(IRandomSource random)
    {
        ArgumentNullException.ThrowIfNull(random);
        Span<byte> seed = stackalloc byte[KeyGenerationSeedSize];
        random.Fill(seed);
        try
        {
            return GenerateKeyPair(seed);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <summary>ML-KEM.KeyGen_internal(d, z) from the 64-byte seed d ‖ z.</summary>
    /// <exception cref="ArgumentException">The seed is not 64 bytes.</exception>
    public static (byte[] Header, byte[] EncapsulationKey, MlKem768DecapsulationKey DecapsulationKey) GenerateKeyPair(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != KeyGenerationSeedSize)
        {
            throw new ArgumentException($"The seed is {KeyGenerationSeedSize} bytes.", nameof(seed));
        }

        var seedArray = seed.ToArray();
        byte[]? encoded = null;
        try
        {
            var privateKey = MLKemPrivateKeyParameters.FromSeed(MLKemParameters.ml_kem_768, seedArray)
                .WithPreferredFormat(MLKemPrivateKeyParameters.Format.EncodingOnly);
            encoded = privateKey.GetEncoded();
            var ek = privateKey.GetPublicKeyEncoded();
            var header = new byte[HeaderSize];
            ek.AsSpan(EncapsulationKeySize).CopyTo(header);
            SplitKPkeEncryption.H(ek, default, header.AsSpan(32));
            return (header, ek[..EncapsulationKeySize], new MlKem768DecapsulationKey(encoded));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seedArray);
            if (encoded is not null)
            {
                CryptographicOperations.ZeroMemory(encoded);
            }
        }
    }

    /// <summary>The first half of encapsulation with fresh randomness: writes ct1 and the shared secret.</summary>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    public static MlKem768EncapsulationState Encapsulate1(ReadOnlySpan<byte> header, IRandomSource random, Span<byte> ciphertext1, Span<byte> sharedSecret)
    {
        ArgumentNullException.ThrowIfNull(random);
        Span<byte> m = stackalloc byte[SplitKPkeEncryption.MessageSize];
        random.Fill(m);
        try
        {
            return Encapsulate1(header, m, ciphertext1, sharedSecret);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(m);
        }
    }

    /// <summary>The first half of ML-KEM.Encaps_internal(ek, m), from the header alone.</summary>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    public static MlKem768EncapsulationState Encapsulate1(ReadOnlySpan<byte> header, ReadOnlySpan<byte> m, Span<byte> ciphertext1, Span<byte> sharedSecret)
    {
        Require(header, HeaderSize, nameof(header));
        Require(m, SplitKPkeEncryption.MessageSize, nameof(m));
        Require(ciphertext1, Ciphertext1Size, nameof(ciphertext1));
        Require(sharedSecret, SharedSecretSize, nameof(sharedSecret));
        SplitKPkeEncryption.EncryptFirstHalf(Parameters, header[..32], header[32..], m, ciphertext1, sharedSecret);
        Span<byte> state = stackalloc byte[EncapsulationStateSize];
        m.CopyTo(state);
        header[32..].CopyTo(state[32..]);
        var result = new MlKem768EncapsulationState(state);
        CryptographicOperations.ZeroMemory(state);
        return result;
    }

    /// <summary>
    /// Whether <paramref name="encapsulationKey"/> belongs to <paramref name="header"/>: the right
    /// lengths, H(vector ‖ ρ) equal to the header's hash (constant time), and every coefficient below q
    /// (libcrux <c>validate_pk_bytes</c>). Encapsulate2 must only be given a key that passes.
    /// </summary>
    public static bool EncapsulationKeyMatchesHeader(ReadOnlySpan<byte> header, ReadOnlySpan<byte> encapsulationKey)
    {
        if (header.Length != HeaderSize || encapsulationKey.Length != EncapsulationKeySize)
        {
            return false;
        }

        Span<byte> hash = stackalloc byte[32];
        SplitKPkeEncryption.H(encapsulationKey, header[..32], hash);
        var matches = CryptographicOperations.FixedTimeEquals(hash, header[32..]);
        return matches & SplitKPkeEncryption.IsReduced(Parameters, encapsulationKey);
    }

    /// <summary>FIPS 203 §7.2's modulus check on an encapsulation key vector (1,152 bytes, every coefficient below q).</summary>
    public static bool IsValidEncapsulationKey(ReadOnlySpan<byte> encapsulationKey) => SplitKPkeEncryption.IsReduced(Parameters, encapsulationKey);

    /// <summary>
    /// FIPS 203 §7.3's decapsulation-key check: 2,400 bytes whose embedded encapsulation key passes the
    /// modulus check and hashes to the embedded H(ek). For keys read back from storage.
    /// </summary>
    public static bool IsValidDecapsulationKey(ReadOnlySpan<byte> decapsulationKey)
    {
        if (decapsulationKey.Length != DecapsulationKeySize)
        {
            return false;
        }

        var ek = decapsulationKey.Slice(EncapsulationKeySize, StandardEncapsulationKeySize);
        Span<byte> hash = stackalloc byte[32];
        SplitKPkeEncryption.H(ek, default, hash);
        return CryptographicOperations.FixedTimeEquals(hash, decapsulationKey.Slice(EncapsulationKeySize + StandardEncapsulationKeySize, 32))
            & SplitKPkeEncryption.IsReduced(Parameters, ek[..EncapsulationKeySize]);
    }

    /// <summary>The second half of encapsulation: ct2 from the encapsulation key vector.</summary>
    /// <exception cref="ArgumentException">
    /// A span has the wrong length, or the key fails the modulus check (check it with
    /// <see cref="EncapsulationKeyMatchesHeader"/> first).
    /// </exception>
    public static void Encapsulate2(MlKem768EncapsulationState state, ReadOnlySpan<byte> encapsulationKey, Span<byte> ciphertext2)
    {
        ArgumentNullException.ThrowIfNull(state);
        Require(encapsulationKey, EncapsulationKeySize, nameof(encapsulationKey));
        Require(ciphertext2, Ciphertext2Size, nameof(ciphertext2));
        var bytes = state.Bytes;
        SplitKPkeEncryption.EncryptSecondHalf(Parameters, encapsulationKey, bytes[32..], bytes[..32], ciphertext2);
    }

    /// <summary>Standard ML-KEM.Decaps(dk, ct1 ‖ ct2), implicit rejection included.</summary>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    public static void Decapsulate(MlKem768DecapsulationKey decapsulationKey, ReadOnlySpan<byte> ciphertext1, ReadOnlySpan<byte> ciphertext2, Span<byte> sharedSecret)
    {
        ArgumentNullException.ThrowIfNull(decapsulationKey);
        Require(ciphertext1, Ciphertext1Size, nameof(ciphertext1));
        Require(ciphertext2, Ciphertext2Size, nameof(ciphertext2));
        Require(sharedSecret, SharedSecretSize, nameof(sharedSecret));
        var keyArray = decapsulationKey.Bytes.ToArray();
        var ciphertext = new byte[Ciphertext1Size + Ciphertext2Size];
        ciphertext1.CopyTo(ciphertext);
        ciphertext2.CopyTo(ciphertext.AsSpan(Ciphertext1Size));
        try
        {
            var decapsulator = new MLKemDecapsulator(MLKemParameters.ml_kem_768);
            decapsulator.Init(MLKemPrivateKeyParameters.FromEncoding(MLKemParameters.ml_kem_768, keyArray));
            decapsulator.Decapsulate(ciphertext, sharedSecret);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keyArray);
        }
    }

    /// <summary>The standard 1,184-byte encapsulation key: vector ‖ ρ.</summary>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    public static byte[] StandardEncapsulationKey(ReadOnlySpan<byte> header, ReadOnlySpan<byte> encapsulationKey)
    {
        Require(header, HeaderSize, nameof(header));
        Require(encapsulationKey, EncapsulationKeySize, nameof(encapsulationKey));
        var ek = new byte[StandardEncapsulationKeySize];
        encapsulationKey.CopyTo(ek);
        header[..32].CopyTo(ek.AsSpan(EncapsulationKeySize));
        return ek;
    }

    private static void Require(ReadOnlySpan<byte> value, int length, string name)
    {
        if (value.Length != length)
        {
            throw new ArgumentException($"Expected {length} bytes.", name);
        }
    }
}
