using System.Reflection;
using System.Runtime.CompilerServices;
using Parley.Crypto.Kem;

namespace Parley.Crypto.Tests;

public sealed class KeyHygieneTests
{
    [Fact]
    public void Private_key_ToString_shows_no_key_material()
    {
        using var key = Curve25519PrivateKey.Generate();
        var raw = new byte[32];
        key.Export(raw);
        var text = key.ToString();
        text.ShouldNotContain(Convert.ToHexStringLower(raw)[..16]);
        text.ShouldNotContain(Convert.ToHexString(raw)[..16]);
        text.ShouldNotContain(Convert.ToBase64String(raw)[..12]);
        text.ShouldContain("public");
    }

    [Fact]
    public void Disposed_private_key_refuses_every_use()
    {
        var key = Curve25519PrivateKey.Generate();
        var other = Curve25519PrivateKey.Generate();
        key.Dispose();
        Should.Throw<ObjectDisposedException>(() => key.Sign([1, 2, 3]));
        Should.Throw<ObjectDisposedException>(() => key.Agree(other.PublicKey));
        Should.Throw<ObjectDisposedException>(() => key.Export(new byte[32]));
        other.Dispose();
    }

    [Fact]
    public void Disposed_kem_secret_key_refuses_export_and_decapsulation()
    {
        var pair = Kyber1024.Instance.GenerateKeyPair();
        var ct = Kyber1024.Instance.Encapsulate(pair.PublicKey, new byte[32]);
        pair.Dispose();
        Should.Throw<ObjectDisposedException>(() => pair.SecretKey.Export(new byte[3169]));
        Should.Throw<ObjectDisposedException>(() => Kyber1024.Instance.TryDecapsulate(pair.SecretKey, ct, new byte[32]));
        pair.SecretKey.ToString().ShouldBe("KemSecretKey(type 0x08)");
    }

    [Fact]
    public void Public_keys_are_equal_by_value()
    {
        using var key = Curve25519PrivateKey.Generate();
        var copy = Curve25519PublicKey.FromRawBytes(key.PublicKey.RawBytes);
        copy.ShouldBe(key.PublicKey);
        (copy == key.PublicKey).ShouldBeTrue();
        copy.GetHashCode().ShouldBe(key.PublicKey.GetHashCode());
        using var other = Curve25519PrivateKey.Generate();
        (other.PublicKey == key.PublicKey).ShouldBeFalse();
    }

    [Fact]
    public void Public_key_decoding_follows_libsignal_framing()
    {
        using var key = Curve25519PrivateKey.Generate();
        var serialized = key.PublicKey.Serialize();
        serialized.Length.ShouldBe(33);
        serialized[0].ShouldBe((byte)0x05);

        Curve25519PublicKey.TryDecode(serialized, out var decoded).ShouldBeTrue();
        decoded.ShouldBe(key.PublicKey);

        // libsignal tolerates (and ignores) trailing bytes after the 33.
        Curve25519PublicKey.TryDecode([.. serialized, 0xAA, 0xBB], out var withTail).ShouldBeTrue();
        withTail.ShouldBe(key.PublicKey);

        Curve25519PublicKey.TryDecode([], out _).ShouldBeFalse();
        Curve25519PublicKey.TryDecode(serialized.AsSpan(0, 32), out _).ShouldBeFalse();
        var wrongType = serialized.ToArray();
        wrongType[0] = 0x08;
        Curve25519PublicKey.TryDecode(wrongType, out var none).ShouldBeFalse();
        none.ShouldBeNull();
        Should.Throw<FormatException>(() => Curve25519PublicKey.Decode(wrongType));
        Should.Throw<ArgumentException>(() => Curve25519PublicKey.FromRawBytes(new byte[31]));
        Should.Throw<ArgumentException>(() => Curve25519PrivateKey.Import(new byte[33]));
    }

    [Fact]
    public void Secret_keys_dropped_without_dispose_are_zeroed_when_collected()
    {
        // Ratchet keys are shared between session records (values), so nobody disposes them: the
        // finalizer must wipe them once they are unreachable.
        var (curveBuffer, kemBuffer) = MakeAndDropKeys();
        curveBuffer.ShouldContain(b => b != 0);
        kemBuffer.ShouldContain(b => b != 0);
        for (var i = 0; i < 3 && (curveBuffer.Any(b => b != 0) || kemBuffer.Any(b => b != 0)); i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        curveBuffer.ShouldAllBe(b => b == 0);
        kemBuffer.ShouldAllBe(b => b == 0);
    }

    [Fact]
    public void Disposed_keys_are_zeroed_at_once()
    {
        var key = Curve25519PrivateKey.Generate();
        var buffer = KeyBuffer(key);
        buffer.ShouldContain(b => b != 0);
        key.Dispose();
        buffer.ShouldAllBe(b => b == 0);
    }

    /// <summary>Makes keys and returns only their internal buffers, so the keys themselves become garbage.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (byte[] Curve, byte[] Kem) MakeAndDropKeys()
    {
        var curve = Curve25519PrivateKey.Generate();
        var kem = Kyber1024.Instance.GenerateKeyPair().SecretKey;
        return (KeyBuffer(curve), KeyBuffer(kem));
    }

    private static byte[] KeyBuffer(object key) =>
        (byte[])key.GetType().GetField("_key", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(key)!;
}
