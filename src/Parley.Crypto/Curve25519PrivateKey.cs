using System.Security.Cryptography;

namespace Parley.Crypto;

/// <summary>
/// A Curve25519 private key used for X25519 agreement and XEdDSA signatures, as libsignal uses it:
/// 32 bytes, clamped on creation and import. The key lives in a pinned buffer that is zeroed on
/// <see cref="Dispose"/>; <see cref="ToString"/> shows only the public key.
/// </summary>
public sealed class Curve25519PrivateKey : IDisposable
{
    /// <summary>Length of the raw private key.</summary>
    public const int KeySize = 32;

    private readonly byte[] _key;
    private bool _disposed;

    private Curve25519PrivateKey(ReadOnlySpan<byte> raw)
    {
        Sodium.EnsureInitialized();
        _key = GC.AllocateArray<byte>(KeySize, pinned: true);
        raw.CopyTo(_key);
        Clamp(_key);
        Span<byte> publicKey = stackalloc byte[Curve25519PublicKey.KeySize];
        unsafe
        {
            fixed (byte* q = publicKey)
            fixed (byte* n = _key)
            {
                if (Sodium.crypto_scalarmult_curve25519_base(q, n) != 0)
                {
                    CryptographicOperations.ZeroMemory(_key);
                    throw new CryptographicException("The private key is not usable.");
                }
            }
        }

        PublicKey = Curve25519PublicKey.FromRawBytes(publicKey);
    }

    /// <summary>The matching public key.</summary>
    public Curve25519PublicKey PublicKey { get; }

    /// <summary>Creates a new key from 32 bytes of <paramref name="random"/> (the system RNG if null).</summary>
    public static Curve25519PrivateKey Generate(IRandomSource? random = null)
    {
        Span<byte> seed = stackalloc byte[KeySize];
        try
        {
            (random ?? SystemRandomSource.Instance).Fill(seed);
            return new Curve25519PrivateKey(seed);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <summary>Imports a raw 32-byte private key; it is clamped, as libsignal does on load.</summary>
    /// <exception cref="ArgumentException">The key is not 32 bytes.</exception>
    public static Curve25519PrivateKey Import(ReadOnlySpan<byte> raw)
    {
        if (raw.Length != KeySize)
        {
            throw new ArgumentException($"A Curve25519 private key is {KeySize} bytes.", nameof(raw));
        }

        return new Curve25519PrivateKey(raw);
    }

    /// <summary>Writes the 32 clamped key bytes (libsignal's serialized private key) to <paramref name="destination"/>.</summary>
    public void Export(Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (destination.Length < KeySize)
        {
            throw new ArgumentException($"Need {KeySize} bytes.", nameof(destination));
        }

        _key.CopyTo(destination);
    }

    /// <summary>
    /// X25519 with <paramref name="theirs"/>. Returns false, with <paramref name="sharedSecret"/>
    /// zeroed, when the result is all zeros (a low-order public key), as RFC 7748 §6.1 allows.
    /// </summary>
    public bool TryAgree(Curve25519PublicKey theirs, Span<byte> sharedSecret)
    {
        ArgumentNullException.ThrowIfNull(theirs);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (sharedSecret.Length != 32)
        {
            throw new ArgumentException("The shared secret is 32 bytes.", nameof(sharedSecret));
        }

        unsafe
        {
            fixed (byte* q = sharedSecret)
            fixed (byte* n = _key)
            fixed (byte* p = theirs.RawBytes)
            {
                if (Sodium.crypto_scalarmult_curve25519(q, n, p) != 0)
                {
                    CryptographicOperations.ZeroMemory(sharedSecret);
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>X25519 with <paramref name="theirs"/>.</summary>
    /// <exception cref="CryptographicException">The public key has low order (the result would be all zeros).</exception>
    public byte[] Agree(Curve25519PublicKey theirs)
    {
        var shared = new byte[32];
        return TryAgree(theirs, shared) ? shared : throw new CryptographicException("Key agreement produced the all-zero value.");
    }

    /// <summary>Signs <paramref name="message"/> with XEdDSA, drawing 64 bytes of nonce randomness.</summary>
    public byte[] Sign(ReadOnlySpan<byte> message, IRandomSource? random = null)
    {
        var signature = new byte[XEdDsa.SignatureSize];
        Sign(message, signature, random);
        return signature;
    }

    /// <summary>Signs <paramref name="message"/> with XEdDSA into <paramref name="signature"/> (64 bytes).</summary>
    public void Sign(ReadOnlySpan<byte> message, Span<byte> signature, IRandomSource? random = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Span<byte> nonce = stackalloc byte[64];
        try
        {
            (random ?? SystemRandomSource.Instance).Fill(nonce);
            XEdDsa.Sign(_key, message, nonce, signature);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(nonce);
        }
    }

    /// <summary>
    /// Zeroes a key that was dropped without <see cref="Dispose"/> (ratchet keys are shared between
    /// session records, which are values, so no single owner can dispose them).
    /// </summary>
    ~Curve25519PrivateKey() => CryptographicOperations.ZeroMemory(_key);

    public void Dispose()
    {
        if (!_disposed)
        {
            CryptographicOperations.ZeroMemory(_key);
            _disposed = true;
            GC.SuppressFinalize(this);
        }
    }

    public override string ToString() => $"Curve25519PrivateKey(public {PublicKey})";

    private static void Clamp(Span<byte> k)
    {
        k[0] &= 248;
        k[31] &= 127;
        k[31] |= 64;
    }
}
