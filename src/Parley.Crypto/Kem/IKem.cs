namespace Parley.Crypto.Kem;

/// <summary>
/// A key-encapsulation mechanism with libsignal's framing: keys and ciphertexts are serialized with a
/// one-byte key type in front. Parley's only implementation is <see cref="Kyber1024"/>.
/// </summary>
public interface IKem
{
    /// <summary>The type byte in front of serialized keys and ciphertexts.</summary>
    byte KeyType { get; }

    /// <summary>Raw public key length (without the type byte).</summary>
    int PublicKeySize { get; }

    /// <summary>Raw secret key length (without the type byte).</summary>
    int SecretKeySize { get; }

    /// <summary>Raw ciphertext length (without the type byte).</summary>
    int CiphertextSize { get; }

    /// <summary>Shared secret length.</summary>
    int SharedSecretSize { get; }

    /// <summary>A new key pair from <paramref name="random"/> (the system RNG if null).</summary>
    KemKeyPair GenerateKeyPair(IRandomSource? random = null);

    /// <summary>
    /// Encapsulates a fresh secret to <paramref name="publicKey"/>: writes it to
    /// <paramref name="sharedSecret"/> and returns the serialized ciphertext (type byte ‖ ciphertext).
    /// </summary>
    byte[] Encapsulate(KemPublicKey publicKey, Span<byte> sharedSecret, IRandomSource? random = null);

    /// <summary>
    /// Decapsulates a serialized ciphertext. Returns false when its type byte or length is wrong;
    /// a well-formed but forged ciphertext yields an unrelated secret (implicit rejection), which the
    /// protocol's MAC then catches.
    /// </summary>
    bool TryDecapsulate(KemSecretKey secretKey, ReadOnlySpan<byte> serializedCiphertext, Span<byte> sharedSecret);
}
