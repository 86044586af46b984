using Parley.Crypto.Tests.Support;

namespace Parley.Crypto.Tests;

/// <summary>The check libsignal applies to a received PQXDH base key (curve.rs <c>is_canonical</c>).</summary>
public sealed class CanonicalKeyTests
{
    // An Edwards point of order 8 (curve25519-dalek EIGHT_TORSION[1]); the test below proves its order.
    private static readonly byte[] EightTorsion =
        Vectors.Hex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a");

    private static readonly byte[] Identity = Vectors.Hex("0100000000000000000000000000000000000000000000000000000000000000");

    [Fact]
    public void Freshly_generated_keys_are_canonical()
    {
        var random = new DeterministicRandom("canonical");
        for (var i = 0; i < 64; i++)
        {
            using var key = Curve25519PrivateKey.Generate(random);
            key.PublicKey.IsCanonical().ShouldBeTrue();
        }
    }

    [Fact]
    public void High_bit_set_key_is_not_canonical_although_x25519_ignores_that_bit()
    {
        using var key = Curve25519PrivateKey.Generate();
        using var peer = Curve25519PrivateKey.Generate();
        var raw = key.PublicKey.RawBytes.ToArray();
        raw[31] |= 0x80;
        var highBit = Curve25519PublicKey.FromRawBytes(raw);
        highBit.IsCanonical().ShouldBeFalse();
        peer.Agree(highBit).ShouldBe(peer.Agree(key.PublicKey)); // why the check matters: same DH, different bytes
    }

    [Fact]
    public void Torsioned_key_is_not_canonical_although_x25519_gives_the_same_secret()
    {
        PointOrder(EightTorsion).ShouldBe(8);
        using var key = Curve25519PrivateKey.Generate();
        using var peer = Curve25519PrivateKey.Generate();
        var torsioned = Curve25519PublicKey.FromRawBytes(AddTorsion(key.PublicKey.RawBytes));
        torsioned.ShouldNotBe(key.PublicKey);
        torsioned.IsCanonical().ShouldBeFalse();
        peer.Agree(torsioned).ShouldBe(peer.Agree(key.PublicKey)); // clamping (×8) kills the torsion
    }

    [Theory]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000")] // u = 0, order 2
    [InlineData("0100000000000000000000000000000000000000000000000000000000000000")] // u = 1, order 4
    [InlineData("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800")] // order 8 (Wycheproof low-order list)
    [InlineData("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")] // u = p − 1: no Edwards image
    [InlineData("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")] // u = p: out of range
    [InlineData("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")] // u = p + 1: out of range
    public void Low_order_and_out_of_range_keys_are_not_canonical(string hex)
    {
        Curve25519PublicKey.FromRawBytes(Vectors.Hex(hex)).IsCanonical().ShouldBeFalse();
    }

    [Fact]
    public void Key_on_the_twist_is_not_canonical()
    {
        // u = 2 is not the u-coordinate of a curve point (it lies on the twist), so it has no Edwards image.
        var twist = new byte[32];
        twist[0] = 2;
        Curve25519PublicKey.FromRawBytes(twist).IsCanonical().ShouldBeFalse();
    }

    /// <summary>u of (Edwards(u, sign 0) + T8): the same key plus an 8-torsion component.</summary>
    internal static byte[] AddTorsion(ReadOnlySpan<byte> u)
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
        return result;
    }

    private static int PointOrder(byte[] point)
    {
        var acc = point.ToArray();
        for (var n = 1; n <= 8; n++)
        {
            if (acc.AsSpan().SequenceEqual(Identity))
            {
                return n;
            }

            var next = new byte[32];
            unsafe
            {
                fixed (byte* r = next)
                fixed (byte* p = acc)
                fixed (byte* q = point)
                {
                    Sodium.crypto_core_ed25519_add(r, p, q).ShouldBe(0);
                }
            }

            acc = next;
        }

        return -1;
    }
}
