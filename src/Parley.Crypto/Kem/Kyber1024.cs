using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Digests;

namespace Parley.Crypto.Kem;

/// <summary>
/// Kyber1024 as libsignal 0.103 uses it (key type <c>0x08</c>): ML-KEM-1024 followed by the round-3
/// Kyber post-step <c>K = SHAKE256(K̄ ‖ SHA3-256(ciphertext), 32)</c> on both sides. Keys and
/// ciphertexts have ML-KEM's layout. For a forged ciphertext the implicit-rejection output differs
/// from libsignal's, but both are unpredictable, so the outcome (a failed MAC) is the same.
/// </summary>
public sealed class Kyber1024 : IKem
{
    /// <summary>libsignal's key type byte for Kyber1024.</summary>
    public const byte TypeByte = 0x08;

    private Kyber1024()
    {
    }

    public static Kyber1024 Instance { get; } = new();

    internal static IMlKem1024 Backend { get; } = BouncyCastleMlKem1024.Instance;

    public byte KeyType => TypeByte;

    public int PublicKeySize => BouncyCastleMlKem1024.EncapsulationKeySize;

    public int SecretKeySize => BouncyCastleMlKem1024.DecapsulationKeySize;

    public int CiphertextSize => BouncyCastleMlKem1024.CiphertextSize;

    public int SharedSecretSize => BouncyCastleMlKem1024.SharedSecretSize;

    public KemKeyPair GenerateKeyPair(IRandomSource? random = null)
    {
        Span<byte> seed = stackalloc byte[BouncyCastleMlKem1024.SeedSize];
        var secret = GC.AllocateArray<byte>(SecretKeySize, pinned: true);
        try
        {
            (random ?? SystemRandomSource.Instance).Fill(seed);
            var publicKey = new byte[PublicKeySize];
            Backend.GenerateKeyPair(seed, publicKey, secret);
            return new KemKeyPair(new KemPublicKey(TypeByte, publicKey), new KemSecretKey(TypeByte, secret));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    public byte[] Encapsulate(KemPublicKey publicKey, Span<byte> sharedSecret, IRandomSource? random = null)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        if (publicKey.KeyType != TypeByte)
        {
            throw new ArgumentException("Not a Kyber1024 public key.", nameof(publicKey));
        }

        CheckSharedSecretLength(sharedSecret);
        Span<byte> m = stackalloc byte[32];
        Span<byte> mlKemSecret = stackalloc byte[32];
        var serialized = new byte[CiphertextSize + 1];
        serialized[0] = TypeByte;
        try
        {
            (random ?? SystemRandomSource.Instance).Fill(m);
            Backend.Encapsulate(publicKey.RawBytes, m, serialized.AsSpan(1), mlKemSecret);
            PostStep(mlKemSecret, serialized.AsSpan(1), sharedSecret);
            return serialized;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(m);
            CryptographicOperations.ZeroMemory(mlKemSecret);
        }
    }

    public bool TryDecapsulate(KemSecretKey secretKey, ReadOnlySpan<byte> serializedCiphertext, Span<byte> sharedSecret)
    {
        ArgumentNullException.ThrowIfNull(secretKey);
        CheckSharedSecretLength(sharedSecret);
        if (secretKey.KeyType != TypeByte
            || serializedCiphertext.Length != CiphertextSize + 1
            || serializedCiphertext[0] != TypeByte)
        {
            return false;
        }

        Span<byte> mlKemSecret = stackalloc byte[32];
        try
        {
            var ciphertext = serializedCiphertext[1..];
            Backend.Decapsulate(secretKey.RawBytes, ciphertext, mlKemSecret);
            PostStep(mlKemSecret, ciphertext, sharedSecret);
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(mlKemSecret);
        }
    }

    /// <summary>The Kyber round-3 KDF: SHAKE256(K̄ ‖ SHA3-256(c), 32).</summary>
    internal static void PostStep(ReadOnlySpan<byte> mlKemSecret, ReadOnlySpan<byte> ciphertext, Span<byte> sharedSecret)
    {
        Span<byte> ciphertextHash = stackalloc byte[32];
        var sha3 = new Sha3Digest(256);
        sha3.BlockUpdate(ciphertext);
        sha3.DoFinal(ciphertextHash);

        var shake = new ShakeDigest(256);
        shake.BlockUpdate(mlKemSecret);
        shake.BlockUpdate(ciphertextHash);
        shake.OutputFinal(sharedSecret[..32]);
    }

    private void CheckSharedSecretLength(Span<byte> sharedSecret)
    {
        if (sharedSecret.Length != SharedSecretSize)
        {
            throw new ArgumentException($"The shared secret is {SharedSecretSize} bytes.", nameof(sharedSecret));
        }
    }

    public override string ToString() => "Kyber1024";
}
