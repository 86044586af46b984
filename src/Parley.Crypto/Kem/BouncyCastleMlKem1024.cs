using System.Security.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Kems;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Prng;
using Org.BouncyCastle.Security;

namespace Parley.Crypto.Kem;

/// <summary>ML-KEM-1024 from BouncyCastle.Cryptography.</summary>
internal sealed class BouncyCastleMlKem1024 : IMlKem1024
{
    public const int EncapsulationKeySize = 1568;
    public const int DecapsulationKeySize = 3168;
    public const int CiphertextSize = 1568;
    public const int SharedSecretSize = 32;
    public const int SeedSize = 64;

    public static BouncyCastleMlKem1024 Instance { get; } = new();

    private static MLKemParameters Parameters => MLKemParameters.ml_kem_1024;

    public void GenerateKeyPair(ReadOnlySpan<byte> seed, Span<byte> encapsulationKey, Span<byte> decapsulationKey)
    {
        Require(seed, SeedSize, nameof(seed));
        Require(encapsulationKey, EncapsulationKeySize, nameof(encapsulationKey));
        Require(decapsulationKey, DecapsulationKeySize, nameof(decapsulationKey));
        var seedArray = seed.ToArray();
        try
        {
            var privateKey = MLKemPrivateKeyParameters.FromSeed(Parameters, seedArray)
                .WithPreferredFormat(MLKemPrivateKeyParameters.Format.EncodingOnly);
            var encoded = privateKey.GetEncoded();
            encoded.CopyTo(decapsulationKey);
            CryptographicOperations.ZeroMemory(encoded);
            privateKey.GetPublicKeyEncoded().CopyTo(encapsulationKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seedArray);
        }
    }

    public bool IsValidEncapsulationKey(ReadOnlySpan<byte> encapsulationKey)
    {
        if (encapsulationKey.Length != EncapsulationKeySize)
        {
            return false;
        }

        // FIPS 203 §7.2 modulus check: every 12-bit coefficient of t̂ (the first 1536 bytes) is below q.
        const int q = 3329;
        for (var i = 0; i < EncapsulationKeySize - 32; i += 3)
        {
            var b0 = encapsulationKey[i];
            var b1 = encapsulationKey[i + 1];
            var b2 = encapsulationKey[i + 2];
            var c0 = b0 | ((b1 & 0x0F) << 8);
            var c1 = (b1 >> 4) | (b2 << 4);
            if (c0 >= q || c1 >= q)
            {
                return false;
            }
        }

        return true;
    }

    public void Encapsulate(ReadOnlySpan<byte> encapsulationKey, ReadOnlySpan<byte> m, Span<byte> ciphertext, Span<byte> sharedSecret)
    {
        Require(encapsulationKey, EncapsulationKeySize, nameof(encapsulationKey));
        Require(m, 32, nameof(m));
        Require(ciphertext, CiphertextSize, nameof(ciphertext));
        Require(sharedSecret, SharedSecretSize, nameof(sharedSecret));
        if (!IsValidEncapsulationKey(encapsulationKey))
        {
            throw new ArgumentException("The ML-KEM-1024 encapsulation key fails the modulus check.", nameof(encapsulationKey));
        }

        var publicKey = MLKemPublicKeyParameters.FromEncoding(Parameters, encapsulationKey.ToArray());
        var encapsulator = new MLKemEncapsulator(Parameters);
        var mArray = m.ToArray();
        try
        {
            encapsulator.Init(new ParametersWithRandom(publicKey, new SecureRandom(new FixedBytesGenerator(mArray))));
            encapsulator.Encapsulate(ciphertext, sharedSecret);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(mArray);
        }
    }

    public void Decapsulate(ReadOnlySpan<byte> decapsulationKey, ReadOnlySpan<byte> ciphertext, Span<byte> sharedSecret)
    {
        Require(decapsulationKey, DecapsulationKeySize, nameof(decapsulationKey));
        Require(ciphertext, CiphertextSize, nameof(ciphertext));
        Require(sharedSecret, SharedSecretSize, nameof(sharedSecret));
        var keyArray = decapsulationKey.ToArray();
        try
        {
            var privateKey = MLKemPrivateKeyParameters.FromEncoding(Parameters, keyArray);
            var decapsulator = new MLKemDecapsulator(Parameters);
            decapsulator.Init(privateKey);
            decapsulator.Decapsulate(ciphertext, sharedSecret);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keyArray);
        }
    }

    private static void Require(ReadOnlySpan<byte> value, int length, string name)
    {
        if (value.Length != length)
        {
            throw new ArgumentException($"Expected {length} bytes.", name);
        }
    }

    /// <summary>Hands BouncyCastle exactly the bytes we chose (the encapsulation's m), then refuses more.</summary>
    internal sealed class FixedBytesGenerator(byte[] bytes) : IRandomGenerator
    {
        private int _offset;

        public void AddSeedMaterial(byte[] seed)
        {
        }

        public void AddSeedMaterial(ReadOnlySpan<byte> seed)
        {
        }

        public void AddSeedMaterial(long seed)
        {
        }

        public void NextBytes(byte[] bytes) => NextBytes(bytes.AsSpan());

        public void NextBytes(byte[] bytes, int start, int len) => NextBytes(bytes.AsSpan(start, len));

        public void NextBytes(Span<byte> destination)
        {
            if (_offset + destination.Length > bytes.Length)
            {
                throw new InvalidOperationException("ML-KEM asked for more randomness than expected.");
            }

            bytes.AsSpan(_offset, destination.Length).CopyTo(destination);
            _offset += destination.Length;
        }
    }
}
