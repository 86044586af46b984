using System.Security.Cryptography;

namespace Parley.Crypto;

/// <summary>
/// A 256-bit AES key for <see cref="Aes256Gcm"/> and <see cref="Aes256Cbc"/>. Like the other key types
/// here, the bytes live in a pinned buffer that <see cref="Dispose"/> zeroes, a key of the wrong length
/// cannot exist, and <see cref="ToString"/> never shows the key.
/// </summary>
public sealed class Aes256Key : IDisposable
{
    /// <summary>Length of the raw key.</summary>
    public const int KeySize = 32;

    private readonly byte[] _key;
    private bool _disposed;

    private Aes256Key(ReadOnlySpan<byte> raw)
    {
        _key = GC.AllocateArray<byte>(KeySize, pinned: true);
        raw.CopyTo(_key);
    }

    /// <summary>A new key from <paramref name="random"/> (the system RNG if null).</summary>
    public static Aes256Key Generate(IRandomSource? random = null)
    {
        Span<byte> raw = stackalloc byte[KeySize];
        try
        {
            (random ?? SystemRandomSource.Instance).Fill(raw);
            return new Aes256Key(raw);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(raw);
        }
    }

    /// <summary>Imports 32 raw key bytes (copied: the caller still owns and zeroes <paramref name="raw"/>).</summary>
    /// <exception cref="ArgumentException">The key is not 32 bytes.</exception>
    public static Aes256Key Import(ReadOnlySpan<byte> raw)
    {
        if (raw.Length != KeySize)
        {
            throw new ArgumentException($"AES-256 needs a {KeySize}-byte key.", nameof(raw));
        }

        return new Aes256Key(raw);
    }

    /// <summary>Writes the 32 key bytes to <paramref name="destination"/> (to wrap or store the key).</summary>
    public void Export(Span<byte> destination)
    {
        if (destination.Length < KeySize)
        {
            throw new ArgumentException($"Need {KeySize} bytes.", nameof(destination));
        }

        Bytes.CopyTo(destination);
    }

    /// <summary>The key bytes, for the algorithms in this assembly only.</summary>
    internal ReadOnlySpan<byte> Bytes
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _key;
        }
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            CryptographicOperations.ZeroMemory(_key);
            _disposed = true;
        }
    }

    public override string ToString() => nameof(Aes256Key);
}
