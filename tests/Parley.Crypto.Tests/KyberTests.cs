using System.Security.Cryptography;
using Parley.Crypto.Kem;
using Parley.Crypto.Tests.Support;

namespace Parley.Crypto.Tests;

public sealed class KyberTests
{
    private static readonly IMlKem1024 Core = Kyber1024.Backend;

    [Fact]
    public void Every_wycheproof_ml_kem_1024_decapsulation_case_passes()
    {
        // Source: Wycheproof testvectors_v1/mlkem_1024_test.json (FIPS 203 and CCTV/strcmp groups):
        // key generation from the 64-byte seed must reproduce ek, and decapsulation must give K —
        // including the implicit-rejection K for random and bit-flipped ciphertexts. Invalid cases are
        // seeds or ciphertexts of the wrong length, which must be refused.
        using var doc = Vectors.Wycheproof("mlkem_1024_test.json");
        int valid = 0, invalid = 0;
        foreach (var (_, t) in Vectors.WycheproofCases(doc))
        {
            var id = t.GetProperty("tcId").GetInt32();
            var seed = Vectors.Hex(t, "seed");
            var c = Vectors.Hex(t, "c");
            var ek = new byte[1568];
            var dk = new byte[3168];
            if (t.GetProperty("result").GetString() == "invalid")
            {
                invalid++;
                if (seed.Length != 64)
                {
                    Should.Throw<ArgumentException>(() => Core.GenerateKeyPair(seed, ek, dk), $"tcId {id}");
                    continue;
                }

                Core.GenerateKeyPair(seed, ek, dk);
                c.Length.ShouldNotBe(1568, $"tcId {id}");
                Should.Throw<ArgumentException>(() => Core.Decapsulate(dk, c, new byte[32]), $"tcId {id}");
                using var secret = KemSecretKey.Import([Kyber1024.TypeByte, .. dk]);
                Kyber1024.Instance.TryDecapsulate(secret, [Kyber1024.TypeByte, .. c], new byte[32]).ShouldBeFalse($"tcId {id}");
                continue;
            }

            Core.GenerateKeyPair(seed, ek, dk);
            Convert.ToHexStringLower(ek).ShouldBe(t.GetProperty("ek").GetString(), $"tcId {id}");
            var k = new byte[32];
            Core.Decapsulate(dk, c, k);
            Convert.ToHexStringLower(k).ShouldBe(t.GetProperty("K").GetString(), $"tcId {id}");
            valid++;
        }

        valid.ShouldBe(153);
        invalid.ShouldBe(40);
    }

    [Fact]
    public void Every_wycheproof_ml_kem_1024_encapsulation_case_passes()
    {
        // Source: Wycheproof testvectors_v1/mlkem_1024_encaps_test.json (FIPS 203 and CCTV/modulus):
        // valid keys with the given m must give c and K; keys that are not reduced mod q or have the
        // wrong length must be refused, both by the public-key decoder and by encapsulation.
        using var doc = Vectors.Wycheproof("mlkem_1024_encaps_test.json");
        int valid = 0, invalid = 0;
        foreach (var (_, t) in Vectors.WycheproofCases(doc))
        {
            var id = t.GetProperty("tcId").GetInt32();
            var ek = Vectors.Hex(t, "ek");
            var m = Vectors.Hex(t, "m");
            var c = new byte[1568];
            var k = new byte[32];
            if (t.GetProperty("result").GetString() == "invalid")
            {
                KemPublicKey.TryDecode([Kyber1024.TypeByte, .. ek], out _).ShouldBeFalse($"tcId {id}");
                Core.IsValidEncapsulationKey(ek).ShouldBeFalse($"tcId {id}");
                Should.Throw<ArgumentException>(() => Core.Encapsulate(ek, m, c, k), $"tcId {id}");
                invalid++;
                continue;
            }

            KemPublicKey.TryDecode([Kyber1024.TypeByte, .. ek], out _).ShouldBeTrue($"tcId {id}");
            Core.Encapsulate(ek, m, c, k);
            Convert.ToHexStringLower(c).ShouldBe(t.GetProperty("c").GetString(), $"tcId {id}");
            Convert.ToHexStringLower(k).ShouldBe(t.GetProperty("K").GetString(), $"tcId {id}");
            valid++;
        }

        valid.ShouldBe(133);
        invalid.ShouldBe(136);
    }

    [Fact]
    public void Kyber1024_secret_is_shake256_of_the_ml_kem_secret_and_the_ciphertext_hash()
    {
        // The post-step, recomputed with the BCL's own SHA3/SHAKE (an implementation independent of
        // the BouncyCastle digests Parley uses).
        Assert.SkipUnless(Shake256.IsSupported && SHA3_256.IsSupported, "SHA-3 is not available from the platform here");
        var random = new DeterministicRandom("post-step");
        using var pair = Kyber1024.Instance.GenerateKeyPair(random);
        var m = new byte[32];
        random.Fill(m);

        var secret = new byte[32];
        var serialized = Kyber1024.Instance.Encapsulate(pair.PublicKey, secret, new FixedRandom(m));

        var mlKemSecret = new byte[32];
        var ct = new byte[1568];
        Core.Encapsulate(pair.PublicKey.RawBytes, m, ct, mlKemSecret);
        serialized.AsSpan(1).ToArray().ShouldBe(ct);
        var expected = Shake256.HashData([.. mlKemSecret, .. SHA3_256.HashData(ct)], 32);
        secret.ShouldBe(expected);
        secret.ShouldNotBe(mlKemSecret);
    }

    [Fact]
    public void Encapsulated_secret_decapsulates_and_keys_use_libsignal_framing()
    {
        using var pair = Kyber1024.Instance.GenerateKeyPair();
        var publicKey = pair.PublicKey.Serialize();
        publicKey.Length.ShouldBe(1569);
        publicKey[0].ShouldBe((byte)0x08);
        var exported = new byte[3169];
        pair.SecretKey.Export(exported).ShouldBe(3169);
        exported[0].ShouldBe((byte)0x08);

        KemPublicKey.TryDecode(publicKey, out var decoded).ShouldBeTrue();
        decoded.ShouldBe(pair.PublicKey);
        using var imported = KemSecretKey.Import(exported);

        var sent = new byte[32];
        var ciphertext = Kyber1024.Instance.Encapsulate(decoded!, sent);
        ciphertext.Length.ShouldBe(1569);
        ciphertext[0].ShouldBe((byte)0x08);
        var received = new byte[32];
        Kyber1024.Instance.TryDecapsulate(imported, ciphertext, received).ShouldBeTrue();
        received.ShouldBe(sent);
    }

    [Fact]
    public void Forged_ciphertext_yields_an_unrelated_secret_and_malformed_one_is_refused()
    {
        using var pair = Kyber1024.Instance.GenerateKeyPair();
        var sent = new byte[32];
        var ciphertext = Kyber1024.Instance.Encapsulate(pair.PublicKey, sent);

        var tampered = ciphertext.ToArray();
        tampered[100] ^= 1;
        var received = new byte[32];
        Kyber1024.Instance.TryDecapsulate(pair.SecretKey, tampered, received).ShouldBeTrue();
        received.ShouldNotBe(sent);

        var wrongType = ciphertext.ToArray();
        wrongType[0] = 0x0A;
        Kyber1024.Instance.TryDecapsulate(pair.SecretKey, wrongType, received).ShouldBeFalse();
        Kyber1024.Instance.TryDecapsulate(pair.SecretKey, ciphertext.AsSpan(0, 1568), received).ShouldBeFalse();
        Kyber1024.Instance.TryDecapsulate(pair.SecretKey, [.. ciphertext, 0], received).ShouldBeFalse();
    }

    [Fact]
    public void Public_key_decoder_refuses_wrong_type_length_or_trailing_bytes()
    {
        using var pair = Kyber1024.Instance.GenerateKeyPair();
        var serialized = pair.PublicKey.Serialize();
        KemPublicKey.TryDecode([.. serialized, 0], out _).ShouldBeFalse();
        KemPublicKey.TryDecode(serialized.AsSpan(0, 1568), out _).ShouldBeFalse();
        KemPublicKey.TryDecode(serialized.AsSpan(1), out _).ShouldBeFalse();
        var wrongType = serialized.ToArray();
        wrongType[0] = 0x05;
        KemPublicKey.TryDecode(wrongType, out _).ShouldBeFalse();
        Should.Throw<FormatException>(() => KemPublicKey.Decode(wrongType));
        Should.Throw<ArgumentException>(() => KemSecretKey.Import(new byte[3168]));
    }

    [Fact]
    public void Key_generation_draws_from_the_injected_random_source()
    {
        using var a = Kyber1024.Instance.GenerateKeyPair(new DeterministicRandom("kem"));
        using var b = Kyber1024.Instance.GenerateKeyPair(new DeterministicRandom("kem"));
        using var c = Kyber1024.Instance.GenerateKeyPair(new DeterministicRandom("other"));
        a.PublicKey.ShouldBe(b.PublicKey);
        c.PublicKey.ShouldNotBe(a.PublicKey);
    }
}
