using System.Security.Cryptography;

namespace Parley.Crypto;

/// <summary>
/// AES-256 in CBC mode with PKCS#7 padding (BCL), as the Signal protocol uses it. Each operation comes
/// in two shapes: one that writes into a caller's span and one that returns a new array.
/// </summary>
public static class Aes256Cbc
{
    public const int KeySize = Aes256Key.KeySize;
    public const int IvSize = 16;
    public const int BlockSize = 16;

    /// <summary>Length of the ciphertext for a plaintext of <paramref name="plaintextLength"/> bytes.</summary>
    public static int CiphertextLength(int plaintextLength) => ((plaintextLength / BlockSize) + 1) * BlockSize;

    /// <summary>Encrypts and pads <paramref name="plaintext"/> into <paramref name="destination"/>; returns the bytes written.</summary>
    /// <exception cref="ArgumentException">Wrong IV length or a destination shorter than <see cref="CiphertextLength"/>.</exception>
    public static int Encrypt(Aes256Key key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> plaintext, Span<byte> destination)
    {
        using var aes = Create(key, iv);
        return aes.EncryptCbc(plaintext, iv, destination, PaddingMode.PKCS7);
    }

    /// <summary>Encrypts and pads <paramref name="plaintext"/>.</summary>
    /// <exception cref="ArgumentException">Wrong IV length.</exception>
    public static byte[] Encrypt(Aes256Key key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> plaintext)
    {
        using var aes = Create(key, iv);
        return aes.EncryptCbc(plaintext, iv, PaddingMode.PKCS7);
    }

    /// <summary>
    /// Decrypts and strips the padding into <paramref name="destination"/> (at least the ciphertext's
    /// length, for the padding is only known after decryption). Returns false, with
    /// <paramref name="destination"/> zeroed, for a ciphertext that is empty, not a whole number of
    /// blocks, or badly padded.
    /// </summary>
    /// <exception cref="ArgumentException">Wrong IV length or a destination shorter than the ciphertext.</exception>
    public static bool TryDecrypt(Aes256Key key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> ciphertext, Span<byte> destination, out int written)
    {
        written = 0;
        using var aes = Create(key, iv);
        if (ciphertext.Length == 0 || ciphertext.Length % BlockSize != 0)
        {
            return false;
        }

        if (destination.Length < ciphertext.Length)
        {
            throw new ArgumentException("The destination must hold the whole ciphertext.", nameof(destination));
        }

        try
        {
            written = aes.DecryptCbc(ciphertext, iv, destination, PaddingMode.PKCS7);
            CryptographicOperations.ZeroMemory(destination[written..ciphertext.Length]); // the padding
            return true;
        }
        catch (CryptographicException)
        {
            CryptographicOperations.ZeroMemory(destination[..ciphertext.Length]);
            return false;
        }
    }

    /// <summary>
    /// Decrypts and strips the padding. Returns false for a ciphertext that is empty, not a whole
    /// number of blocks, or badly padded.
    /// </summary>
    /// <exception cref="ArgumentException">Wrong IV length.</exception>
    public static bool TryDecrypt(Aes256Key key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> ciphertext, out byte[]? plaintext)
    {
        plaintext = null;
        var buffer = new byte[ciphertext.Length];
        try
        {
            if (!TryDecrypt(key, iv, ciphertext, buffer, out var written))
            {
                return false;
            }

            plaintext = buffer.AsSpan(0, written).ToArray();
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
        }
    }

    private static Aes Create(Aes256Key key, ReadOnlySpan<byte> iv)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (iv.Length != IvSize)
        {
            throw new ArgumentException($"CBC needs a {IvSize}-byte IV.", nameof(iv));
        }

        var aes = Aes.Create();
        aes.SetKey(key.Bytes); // no temporary copy of the key on the heap
        return aes;
    }
}
