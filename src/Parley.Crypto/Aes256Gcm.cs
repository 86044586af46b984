using System.Security.Cryptography;

namespace Parley.Crypto;

/// <summary>
/// AES-256-GCM (BCL) with a 12-byte nonce and a 16-byte tag appended to the ciphertext. Each operation
/// comes in two shapes, as in NSec: one that writes into a caller's span (no allocation) and one that
/// returns a new array.
/// </summary>
public static class Aes256Gcm
{
    public const int KeySize = Aes256Key.KeySize;
    public const int NonceSize = 12;
    public const int TagSize = 16;

    /// <summary>
    /// Writes ciphertext ‖ tag (<c>plaintext.Length + 16</c> bytes) to <paramref name="ciphertextAndTag"/>.
    /// The associated data is not optional here, so a destination can never be taken for it.
    /// </summary>
    /// <exception cref="ArgumentException">Wrong nonce length or destination size.</exception>
    public static void Encrypt(Aes256Key key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext,
        ReadOnlySpan<byte> associatedData, Span<byte> ciphertextAndTag)
    {
        ArgumentNullException.ThrowIfNull(key);
        CheckNonce(nonce);
        if (ciphertextAndTag.Length != plaintext.Length + TagSize)
        {
            throw new ArgumentException("The destination must be the plaintext's length plus the tag.", nameof(ciphertextAndTag));
        }

        using var gcm = new AesGcm(key.Bytes, TagSize);
        gcm.Encrypt(nonce, plaintext, ciphertextAndTag[..plaintext.Length], ciphertextAndTag[plaintext.Length..], associatedData);
    }

    /// <summary>Returns ciphertext ‖ tag.</summary>
    /// <exception cref="ArgumentException">Wrong nonce length.</exception>
    public static byte[] Encrypt(Aes256Key key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext,
        ReadOnlySpan<byte> associatedData = default)
    {
        var result = new byte[plaintext.Length + TagSize];
        Encrypt(key, nonce, plaintext, associatedData, result);
        return result;
    }

    /// <summary>
    /// Authenticates and decrypts ciphertext ‖ tag into <paramref name="plaintext"/> (exactly
    /// <c>ciphertextAndTag.Length - 16</c> bytes). Returns false, with <paramref name="plaintext"/>
    /// zeroed, when the input is shorter than a tag or does not authenticate.
    /// </summary>
    /// <exception cref="ArgumentException">Wrong nonce length or destination size.</exception>
    public static bool TryDecrypt(Aes256Key key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertextAndTag,
        ReadOnlySpan<byte> associatedData, Span<byte> plaintext)
    {
        ArgumentNullException.ThrowIfNull(key);
        CheckNonce(nonce);
        if (ciphertextAndTag.Length < TagSize)
        {
            return false;
        }

        var length = ciphertextAndTag.Length - TagSize;
        if (plaintext.Length != length)
        {
            throw new ArgumentException("The destination must be the ciphertext's length without the tag.", nameof(plaintext));
        }

        using var gcm = new AesGcm(key.Bytes, TagSize);
        try
        {
            gcm.Decrypt(nonce, ciphertextAndTag[..length], ciphertextAndTag[length..], plaintext, associatedData);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            CryptographicOperations.ZeroMemory(plaintext);
            return false;
        }
    }

    /// <summary>
    /// Authenticates and decrypts ciphertext ‖ tag. Returns false (and no plaintext) when the input
    /// is shorter than a tag or does not authenticate.
    /// </summary>
    /// <exception cref="ArgumentException">Wrong nonce length.</exception>
    public static bool TryDecrypt(Aes256Key key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertextAndTag,
        ReadOnlySpan<byte> associatedData, out byte[]? plaintext)
    {
        plaintext = null;
        if (ciphertextAndTag.Length < TagSize)
        {
            CheckNonce(nonce);
            return false;
        }

        var buffer = new byte[ciphertextAndTag.Length - TagSize];
        if (!TryDecrypt(key, nonce, ciphertextAndTag, associatedData, buffer))
        {
            return false;
        }

        plaintext = buffer;
        return true;
    }

    private static void CheckNonce(ReadOnlySpan<byte> nonce)
    {
        if (nonce.Length != NonceSize)
        {
            throw new ArgumentException($"The GCM nonce is {NonceSize} bytes.", nameof(nonce));
        }
    }
}
