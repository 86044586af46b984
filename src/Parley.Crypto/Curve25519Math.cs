using Org.BouncyCastle.Math.EC.Rfc7748;

namespace Parley.Crypto;

/// <summary>
/// Conversions between the Montgomery (X25519) and Edwards (Ed25519) forms of Curve25519 points,
/// with field arithmetic from BouncyCastle. Only public values pass through here, so variable-time
/// inversion is acceptable.
/// </summary>
internal static class Curve25519Math
{
    /// <summary>
    /// Edwards y = (u − 1) / (u + 1), encoded with <paramref name="signBit"/> as bit 7 of byte 31.
    /// Bit 255 of u is ignored and u is taken mod p, as libsignal (curve25519-dalek) does.
    /// Returns false for u ≡ −1, which has no Edwards image.
    /// </summary>
    public static bool TryMontgomeryToEdwards(ReadOnlySpan<byte> u, int signBit, Span<byte> edwards)
    {
        if (u.Length != 32 || edwards.Length != 32)
        {
            throw new ArgumentException("Curve25519 points are 32 bytes.");
        }

        var uField = X25519Field.Create();
        X25519Field.Decode255(u, uField); // masks bit 255

        var numerator = X25519Field.Create();
        var denominator = X25519Field.Create();
        X25519Field.Copy(uField, numerator);
        X25519Field.SubOne(numerator);
        X25519Field.Copy(uField, denominator);
        X25519Field.AddOne(denominator);
        X25519Field.Normalize(denominator);
        if (X25519Field.IsZeroVar(denominator))
        {
            return false;
        }

        var inverse = X25519Field.Create();
        X25519Field.InvVar(denominator, inverse);
        var y = X25519Field.Create();
        X25519Field.Mul(numerator, inverse, y);
        X25519Field.Normalize(y);
        X25519Field.Encode(y, edwards);
        edwards[31] = (byte)((edwards[31] & 0x7F) | ((signBit & 1) << 7));
        return true;
    }

    /// <summary>
    /// Montgomery u = (1 + y) / (1 − y) for an encoded Edwards point (sign bit ignored). Returns false
    /// for y ≡ 1 (the identity, which has no Montgomery u).
    /// </summary>
    public static bool TryEdwardsToMontgomery(ReadOnlySpan<byte> edwards, Span<byte> u)
    {
        if (u.Length != 32 || edwards.Length != 32)
        {
            throw new ArgumentException("Curve25519 points are 32 bytes.");
        }

        var y = X25519Field.Create();
        X25519Field.Decode255(edwards, y);

        var numerator = X25519Field.Create();
        X25519Field.One(numerator);
        X25519Field.Add(numerator, y, numerator);

        var denominator = X25519Field.Create();
        X25519Field.One(denominator);
        X25519Field.Sub(denominator, y, denominator);
        X25519Field.Normalize(denominator);
        if (X25519Field.IsZeroVar(denominator))
        {
            return false;
        }

        var inverse = X25519Field.Create();
        X25519Field.InvVar(denominator, inverse);
        var result = X25519Field.Create();
        X25519Field.Mul(numerator, inverse, result);
        X25519Field.Normalize(result);
        X25519Field.Encode(result, u);
        return true;
    }
}
