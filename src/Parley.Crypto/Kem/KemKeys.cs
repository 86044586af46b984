using System.Security.Cryptography;

namespace Parley.Crypto.Kem;

/// <summary>A KEM public key with its type byte. Immutable and equatable.</summary>
public sealed class KemPublicKey : IEquatable<KemPublicKey>
{
    private readonly byte[] _key;

    internal KemPublicKey(byte keyType, byte[] key)
    {
        KeyType = keyType;
        _key = key;
    }

    /// <summary>The type byte (<c>0x08</c> for Kyber1024).</summary>
    public byte KeyType { get; }

    /// <summary>The key without its type byte.</summary>
    public ReadOnlySpan<byte> RawBytes => _key;

    /// <summary>
    /// Decodes a serialized Kyber1024 public key, <c>0x08 ‖ 1568 bytes</c>, exactly as long as that
    /// (libsignal rejects trailing bytes on KEM keys), and whose coefficients pass FIPS 203's modulus
    /// check (libsignal does not check this; Parley refuses such keys up front).
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> serialized, out KemPublicKey? key)
    {
        key = null;
        if (serialized.Length != Kyber1024.Instance.PublicKeySize + 1 || serialized[0] != Kyber1024.TypeByte)
        {
            return false;
        }

        var raw = serialized[1..];
        if (!Kyber1024.Backend.IsValidEncapsulationKey(raw))
        {
            return false;
        }

        key = new KemPublicKey(Kyber1024.TypeByte, raw.ToArray());
        return true;
    }

    /// <summary>Decodes like <see cref="TryDecode"/> but throws on bad input.</summary>
    /// <exception cref="FormatException">Not a valid serialized Kyber1024 public key.</exception>
    public static KemPublicKey Decode(ReadOnlySpan<byte> serialized) =>
        TryDecode(serialized, out var key) ? key! : throw new FormatException("Not a serialized Kyber1024 public key (0x08 followed by 1568 valid bytes).");

    /// <summary>Type byte ‖ key.</summary>
    public byte[] Serialize()
    {
        var result = new byte[_key.Length + 1];
        result[0] = KeyType;
        _key.CopyTo(result, 1);
        return result;
    }

    public bool Equals(KemPublicKey? other) =>
        other is not null && other.KeyType == KeyType && CryptographicOperations.FixedTimeEquals(_key, other._key);

    public override bool Equals(object? obj) => obj is KemPublicKey other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(KeyType, BitConverter.ToInt32(_key, 0));

    public override string ToString() => $"KemPublicKey(type 0x{KeyType:x2}, {Convert.ToHexStringLower(_key.AsSpan(0, 8))}…)";
}

/// <summary>A KEM secret key in a pinned buffer, zeroed on <see cref="Dispose"/>.</summary>
public sealed class KemSecretKey : IDisposable
{
    private readonly byte[] _key;
    private bool _disposed;

    internal KemSecretKey(byte keyType, ReadOnlySpan<byte> key)
    {
        KeyType = keyType;
        _key = GC.AllocateArray<byte>(key.Length, pinned: true);
        key.CopyTo(_key);
    }

    /// <summary>The type byte (<c>0x08</c> for Kyber1024).</summary>
    public byte KeyType { get; }

    /// <summary>Imports libsignal's serialized form, <c>0x08 ‖ 3168 bytes</c> (the FIPS 203 decapsulation key).</summary>
    /// <exception cref="ArgumentException">Wrong type byte or length.</exception>
    public static KemSecretKey Import(ReadOnlySpan<byte> serialized)
    {
        if (serialized.Length != Kyber1024.Instance.SecretKeySize + 1 || serialized[0] != Kyber1024.TypeByte)
        {
            throw new ArgumentException("Not a serialized Kyber1024 secret key (0x08 followed by 3168 bytes).", nameof(serialized));
        }

        return new KemSecretKey(Kyber1024.TypeByte, serialized[1..]);
    }

    /// <summary>Writes type byte ‖ key into <paramref name="destination"/> and returns the length written.</summary>
    public int Export(Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (destination.Length < _key.Length + 1)
        {
            throw new ArgumentException($"Need {_key.Length + 1} bytes.", nameof(destination));
        }

        destination[0] = KeyType;
        _key.CopyTo(destination[1..]);
        return _key.Length + 1;
    }

    internal ReadOnlySpan<byte> RawBytes
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _key;
        }
    }

    /// <summary>Zeroes a key that was dropped without <see cref="Dispose"/>.</summary>
    ~KemSecretKey() => CryptographicOperations.ZeroMemory(_key);

    public void Dispose()
    {
        if (!_disposed)
        {
            CryptographicOperations.ZeroMemory(_key);
            _disposed = true;
            GC.SuppressFinalize(this);
        }
    }

    public override string ToString() => $"KemSecretKey(type 0x{KeyType:x2})";
}

/// <summary>A KEM public key with its secret key. Disposing it disposes the secret key.</summary>
public sealed class KemKeyPair(KemPublicKey publicKey, KemSecretKey secretKey) : IDisposable
{
    public KemPublicKey PublicKey { get; } = publicKey ?? throw new ArgumentNullException(nameof(publicKey));

    public KemSecretKey SecretKey { get; } = secretKey ?? throw new ArgumentNullException(nameof(secretKey));

    public void Dispose() => SecretKey.Dispose();

    public override string ToString() => $"KemKeyPair({PublicKey})";
}
