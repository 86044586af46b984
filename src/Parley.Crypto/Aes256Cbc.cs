using System.Security.Cryptography;

namespace Parley.Crypto;

/// <summary>AES-256 in CBC mode with PKCS#7 padding (BCL), as the Signal protocol uses it.</summary>
public static class Aes256Cbc
{
    public const int KeySize = 32;
    public const int IvSize = 16;
    public const int BlockSize = 16;

    /// <summary>Length of the ciphertext for a plaintext of <paramref name="plaintextLength"/> bytes.</summary>
    public static int CiphertextLength(int plaintextLength) => ((plaintextLength / BlockSize) + 1) * BlockSize;

    /// <summary>Encrypts and pads <paramref name="plaintext"/>.</summary>
    /// <exception cref="ArgumentException">Wrong key or IV length.</exception>
    public static byte[] Encrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> plaintext)
    {
        CheckKeyAndIv(key, iv);
        using var aes = Aes.Create();
        aes.SetKey(key); // no temporary copy of the key on the heap
        return aes.EncryptCbc(plaintext, iv, PaddingMode.PKCS7);
    }

    /// <summary>Encrypts into <paramref name="destination"/>; returns the bytes written.</summary>
    public static int Encrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> plaintext, Span<byte> destination)
    {
        CheckKeyAndIv(key, iv);
        using var aes = Aes.Create();
        aes.SetKey(key); // no temporary copy of the key on the heap
        return aes.EncryptCbc(plaintext, iv, destination, PaddingMode.PKCS7);
    }

    /// <summary>
    /// Decrypts and strips the padding. Returns false for a ciphertext that is empty, not a whole
    /// number of blocks, or badly padded.
    /// </summary>
    /// <exception cref="ArgumentException">Wrong key or IV length.</exception>
    public static bool TryDecrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> ciphertext, out byte[]? plaintext)
    {
        CheckKeyAndIv(key, iv);
        plaintext = null;
        if (ciphertext.Length == 0 || ciphertext.Length % BlockSize != 0)
        {
            return false;
        }

        using var aes = Aes.Create();
        aes.SetKey(key); // no temporary copy of the key on the heap
        var buffer = new byte[ciphertext.Length];
        try
        {
            var written = aes.DecryptCbc(ciphertext, iv, buffer, PaddingMode.PKCS7);
            plaintext = buffer.AsSpan(0, written).ToArray();
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
        }
    }

    private static void CheckKeyAndIv(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv)
    {
        if (key.Length != KeySize)
        {
            throw new ArgumentException($"AES-256 needs a {KeySize}-byte key.", nameof(key));
        }

        if (iv.Length != IvSize)
        {
            throw new ArgumentException($"CBC needs a {IvSize}-byte IV.", nameof(iv));
        }
    }
}
