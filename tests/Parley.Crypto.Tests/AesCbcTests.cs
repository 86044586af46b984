using Parley.Crypto.Tests.Support;

namespace Parley.Crypto.Tests;

public sealed class AesCbcTests
{
    [Fact]
    public void Every_applicable_wycheproof_aes_cbc_pkcs5_case_passes()
    {
        // Source: Wycheproof testvectors_v1/aes_cbc_pkcs5_test.json. Applicable: the 256-bit-key group
        // (Parley's AES is AES-256 only). Invalid cases are bad paddings and must be refused.
        using var doc = Vectors.Wycheproof("aes_cbc_pkcs5_test.json");
        int valid = 0, invalid = 0, notApplicable = 0;
        foreach (var (group, t) in Vectors.WycheproofCases(doc))
        {
            if (group.GetProperty("keySize").GetInt32() != 256)
            {
                notApplicable++;
                continue;
            }

            var id = t.GetProperty("tcId").GetInt32();
            using var key = Aes256Key.Import(Vectors.Hex(t, "key"));
            var iv = Vectors.Hex(t, "iv");
            var msg = Vectors.Hex(t, "msg");
            var ct = Vectors.Hex(t, "ct");
            if (t.GetProperty("result").GetString() == "valid")
            {
                Aes256Cbc.Encrypt(key, iv, msg).ShouldBe(ct, $"tcId {id}");
                Aes256Cbc.TryDecrypt(key, iv, ct, out var plain).ShouldBeTrue($"tcId {id}");
                plain.ShouldBe(msg, $"tcId {id}");
                var intoSpan = new byte[ct.Length];
                Aes256Cbc.TryDecrypt(key, iv, ct, intoSpan, out var written).ShouldBeTrue($"tcId {id}");
                intoSpan.AsSpan(0, written).ToArray().ShouldBe(msg, $"tcId {id}");
                valid++;
            }
            else
            {
                Aes256Cbc.TryDecrypt(key, iv, ct, out var plain).ShouldBeFalse($"tcId {id}");
                plain.ShouldBeNull();
                var intoSpan = new byte[ct.Length];
                Aes256Cbc.TryDecrypt(key, iv, ct, intoSpan, out _).ShouldBeFalse($"tcId {id}");
                intoSpan.ShouldAllBe(b => b == 0, $"tcId {id}");
                invalid++;
            }
        }

        valid.ShouldBe(24);
        invalid.ShouldBe(48);
        notApplicable.ShouldBe(144);
    }

    [Theory]
    [InlineData("CBCGFSbox256.rsp")]
    [InlineData("CBCKeySbox256.rsp")]
    [InlineData("CBCVarKey256.rsp")]
    [InlineData("CBCVarTxt256.rsp")]
    [InlineData("CBCMMT256.rsp")]
    public void Nist_cavp_aes_256_cbc_vectors_match(string file)
    {
        // Source: NIST CAVP AESAVS (KAT and MMT), python3-cryptography-vectors ciphers/AES/CBC/. The
        // vectors have no padding, so PKCS#7 output must start with the CAVP ciphertext, and the whole
        // padded output must decrypt back to the plaintext.
        var records = Vectors.ParseRecords(Vectors.CryptographyVectorsFile("ciphers/AES/CBC/" + file));
        records.Count.ShouldBeGreaterThan(5);
        foreach (var r in records)
        {
            using var key = Aes256Key.Import(Vectors.Hex(r["KEY"]));
            var iv = Vectors.Hex(r["IV"]);
            var plaintext = Vectors.Hex(r["PLAINTEXT"]);
            var ciphertext = Vectors.Hex(r["CIPHERTEXT"]);
            var ours = Aes256Cbc.Encrypt(key, iv, plaintext);
            ours.Length.ShouldBe(plaintext.Length + 16);
            ours.AsSpan(0, ciphertext.Length).ToArray().ShouldBe(ciphertext, $"{r["[mode]"]} COUNT {r["COUNT"]}");
            var intoSpan = new byte[Aes256Cbc.CiphertextLength(plaintext.Length)];
            Aes256Cbc.Encrypt(key, iv, plaintext, intoSpan).ShouldBe(intoSpan.Length);
            intoSpan.ShouldBe(ours);
            Aes256Cbc.TryDecrypt(key, iv, ours, out var back).ShouldBeTrue();
            back.ShouldBe(plaintext);
        }
    }

    [Fact]
    public void Truncated_or_unaligned_ciphertext_is_refused()
    {
        using var key = Aes256Key.Import(new byte[32]);
        var iv = new byte[16];
        var ct = Aes256Cbc.Encrypt(key, iv, "hello world, longer than a block"u8);
        Aes256Cbc.TryDecrypt(key, iv, ct.AsSpan(0, ct.Length - 1), out _).ShouldBeFalse();
        Aes256Cbc.TryDecrypt(key, iv, [], out _).ShouldBeFalse();
        Should.Throw<ArgumentException>(() => Aes256Key.Import(new byte[16]));
        Should.Throw<ArgumentException>(() => Aes256Cbc.Encrypt(key, new byte[12], []));
        Should.Throw<ArgumentException>(() => Aes256Cbc.TryDecrypt(key, iv, ct, new byte[ct.Length - 1], out _));
    }

    [Fact]
    public void A_disposed_key_is_zeroed_and_refuses_to_work()
    {
        var key = Aes256Key.Generate();
        var exported = new byte[Aes256Key.KeySize];
        key.Export(exported);
        exported.ShouldNotBe(new byte[Aes256Key.KeySize]);
        key.ToString().ShouldNotContain(Convert.ToHexString(exported), Case.Insensitive);
        key.Dispose();
        Should.Throw<ObjectDisposedException>(() => Aes256Cbc.Encrypt(key, new byte[16], "x"u8));
        Should.Throw<ObjectDisposedException>(() => key.Export(exported));
    }
}
