using Parley.Crypto;

namespace Parley.Interop.Tests.Support;

/// <summary>Adds an 8-torsion component to a Montgomery key: the same X25519 results, a different, non-canonical key.</summary>
internal static class Torsion
{
    // An Edwards point of order 8 (curve25519-dalek EIGHT_TORSION[1]; Parley.Crypto.Tests proves its order).
    private static readonly byte[] EightTorsion = Convert.FromHexString("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a");

    public static byte[] Add(byte[] u)
    {
        var edwards = new byte[32];
        Curve25519Math.TryMontgomeryToEdwards(u, 0, edwards).ShouldBeTrue();
        var sum = new byte[32];
        unsafe
        {
            fixed (byte* r = sum)
            fixed (byte* p = edwards)
            fixed (byte* q = EightTorsion)
            {
                Sodium.crypto_core_ed25519_add(r, p, q).ShouldBe(0);
            }
        }

        var result = new byte[32];
        Curve25519Math.TryEdwardsToMontgomery(sum, result).ShouldBeTrue();
        result.ShouldNotBe(u);
        return result;
    }
}
