using System.Security.Cryptography;

namespace Parley.Crypto;

/// <summary>
/// A Curve25519 (X25519 / XEdDSA) public key: 32 bytes, serialized as libsignal does with the type
/// byte <c>0x05</c> in front (33 bytes). Immutable and equatable.
/// </summary>
public sealed class Curve25519PublicKey : IEquatable<Curve25519PublicKey>
{
    /// <summary>libsignal's key type byte for Curve25519 ("DJB") keys.</summary>
    public const byte TypeByte = 0x05;

    /// <summary>Length of the raw key.</summary>
    public const int KeySize = 32;

    /// <summary>Length of <see cref="Serialize"/>'s output: type byte plus key.</summary>
    public const int SerializedSize = KeySize + 1;

    private readonly byte[] _key;

    private Curve25519PublicKey(byte[] key) => _key = key;

    /// <summary>The 32-byte Montgomery u-coordinate.</summary>
    public ReadOnlySpan<byte> RawBytes => _key;

    /// <summary>Wraps a raw 32-byte key (no type byte).</summary>
    /// <exception cref="ArgumentException">The key is not 32 bytes.</exception>
    public static Curve25519PublicKey FromRawBytes(ReadOnlySpan<byte> raw)
    {
        if (raw.Length != KeySize)
        {
            throw new ArgumentException($"A Curve25519 public key is {KeySize} bytes.", nameof(raw));
        }

        return new Curve25519PublicKey(raw.ToArray());
    }

    /// <summary>
    /// Decodes libsignal's serialized form <c>0x05 ‖ key(32)</c>. Like libsignal, bytes after the first
    /// 33 are tolerated and ignored; an empty input, a wrong type byte or a short key fail.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> serialized, out Curve25519PublicKey? key)
    {
        if (serialized.Length < SerializedSize || serialized[0] != TypeByte)
        {
            key = null;
            return false;
        }

        key = new Curve25519PublicKey(serialized.Slice(1, KeySize).ToArray());
        return true;
    }

    /// <summary>Decodes like <see cref="TryDecode"/> but throws on bad input.</summary>
    /// <exception cref="FormatException">The bytes are not a serialized Curve25519 public key.</exception>
    public static Curve25519PublicKey Decode(ReadOnlySpan<byte> serialized) =>
        TryDecode(serialized, out var key) ? key! : throw new FormatException("Not a serialized Curve25519 public key (0x05 followed by 32 bytes).");

    /// <summary><c>0x05 ‖ key</c>, 33 bytes.</summary>
    public byte[] Serialize()
    {
        var result = new byte[SerializedSize];
        WriteSerialized(result);
        return result;
    }

    /// <summary>Writes <c>0x05 ‖ key</c> into the first 33 bytes of <paramref name="destination"/>.</summary>
    public void WriteSerialized(Span<byte> destination)
    {
        if (destination.Length < SerializedSize)
        {
            throw new ArgumentException($"Need {SerializedSize} bytes.", nameof(destination));
        }

        destination[0] = TypeByte;
        _key.CopyTo(destination[1..]);
    }

    /// <summary>
    /// The check libsignal applies to a received PQXDH base key (<c>PublicKey::is_canonical</c>):
    /// the u-coordinate is below 2^255 − 19 (so bit 255 is clear), it maps to an Edwards point with
    /// sign bit 0, and that point has no small-order (torsion) component.
    /// </summary>
    public bool IsCanonical()
    {
        if (!ScalarIsInRange(_key))
        {
            return false;
        }

        Span<byte> edwards = stackalloc byte[32];
        if (!Curve25519Math.TryMontgomeryToEdwards(_key, 0, edwards))
        {
            return false;
        }

        Sodium.EnsureInitialized();
        unsafe
        {
            fixed (byte* p = edwards)
            {
                // Valid means: canonical encoding, on the curve, not of small order, in the prime-order subgroup.
                return Sodium.crypto_core_ed25519_is_valid_point(p) == 1;
            }
        }
    }

    /// <summary>Verifies an XEdDSA signature made by the matching private key.</summary>
    public bool VerifySignature(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature) =>
        XEdDsa.Verify(this, message, signature);

    private static bool ScalarIsInRange(ReadOnlySpan<byte> k)
    {
        if ((k[31] & 0x80) != 0)
        {
            return false;
        }

        // u >= p = 2^255 - 19 means: top byte 0x7F, bytes 1..30 all 0xFF, low byte >= 0xED.
        if (k[31] == 0x7F && k[0] >= 0xED)
        {
            for (var i = 1; i < 31; i++)
            {
                if (k[i] != 0xFF)
                {
                    return true;
                }
            }

            return false;
        }

        return true;
    }

    public bool Equals(Curve25519PublicKey? other) =>
        other is not null && CryptographicOperations.FixedTimeEquals(_key, other._key);

    public override bool Equals(object? obj) => obj is Curve25519PublicKey other && Equals(other);

    public override int GetHashCode() => BitConverter.ToInt32(_key, 0);

    public static bool operator ==(Curve25519PublicKey? left, Curve25519PublicKey? right) =>
        left is null ? right is null : left.Equals(right);

    public static bool operator !=(Curve25519PublicKey? left, Curve25519PublicKey? right) => !(left == right);

    /// <summary>A short, non-secret identification: the first 8 bytes of the public key in hex.</summary>
    public override string ToString() => $"Curve25519PublicKey({Convert.ToHexStringLower(_key.AsSpan(0, 8))}…)";
}
