using System.Security.Cryptography;

namespace Parley.Crypto;

/// <summary>AES-256-GCM (BCL) with a 12-byte nonce and a 16-byte tag appended to the ciphertext.</summary>
public static class Aes256Gcm
{
    public const int KeySize = 32;
    public const int NonceSize = 12;
    public const int TagSize = 16;

    /// <summary>Returns ciphertext ‖ tag.</summary>
    /// <exception cref="ArgumentException">Wrong key or nonce length.</exception>
    public static byte[] Encrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData = default)
    {
        Check(key, nonce);
        var result = new byte[plaintext.Length + TagSize];
        using var gcm = new AesGcm(key, TagSize);
        gcm.Encrypt(nonce, plaintext, result.AsSpan(0, plaintext.Length), result.AsSpan(plaintext.Length), associatedData);
        return result;
    }

    /// <summary>
    /// Authenticates and decrypts ciphertext ‖ tag. Returns false (and no plaintext) when the input
    /// is shorter than a tag or does not authenticate.
    /// </summary>
    /// <exception cref="ArgumentException">Wrong key or nonce length.</exception>
    public static bool TryDecrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertextAndTag, ReadOnlySpan<byte> associatedData, out byte[]? plaintext)
    {
        Check(key, nonce);
        plaintext = null;
        if (ciphertextAndTag.Length < TagSize)
        {
            return false;
        }

        var length = ciphertextAndTag.Length - TagSize;
        var buffer = new byte[length];
        using var gcm = new AesGcm(key, TagSize);
        try
        {
            gcm.Decrypt(nonce, ciphertextAndTag[..length], ciphertextAndTag[length..], buffer, associatedData);
        }
        catch (AuthenticationTagMismatchException)
        {
            CryptographicOperations.ZeroMemory(buffer);
            return false;
        }

        plaintext = buffer;
        return true;
    }

    private static void Check(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce)
    {
        if (key.Length != KeySize)
        {
            throw new ArgumentException($"AES-256 needs a {KeySize}-byte key.", nameof(key));
        }

        if (nonce.Length != NonceSize)
        {
            throw new ArgumentException($"The GCM nonce is {NonceSize} bytes.", nameof(nonce));
        }
    }
}
