using Parley.Crypto.Tests.Support;

namespace Parley.Crypto.Tests;

public sealed class AesGcmTests
{
    [Fact]
    public void Every_applicable_wycheproof_aes_gcm_case_passes()
    {
        // Source: Wycheproof testvectors_v1/aes_gcm_test.json. Applicable: 256-bit key, 96-bit IV,
        // 128-bit tag (Parley's AES-256-GCM takes nothing else; other sizes are rejected as misuse).
        using var doc = Vectors.Wycheproof("aes_gcm_test.json");
        int valid = 0, invalid = 0, notApplicable = 0;
        foreach (var (group, t) in Vectors.WycheproofCases(doc))
        {
            var id = t.GetProperty("tcId").GetInt32();
            var key = Vectors.Hex(t, "key");
            var iv = Vectors.Hex(t, "iv");
            var aad = Vectors.Hex(t, "aad");
            var msg = Vectors.Hex(t, "msg");
            byte[] sealedMessage = [.. Vectors.Hex(t, "ct"), .. Vectors.Hex(t, "tag")];
            if (group.GetProperty("keySize").GetInt32() != 256 || group.GetProperty("ivSize").GetInt32() != 96
                || group.GetProperty("tagSize").GetInt32() != 128)
            {
                if (key.Length != 32 || iv.Length != 12)
                {
                    Should.Throw<ArgumentException>(() =>
                    {
                        using var k = Aes256Key.Import(key);
                        Aes256Gcm.TryDecrypt(k, iv, sealedMessage, aad, out _);
                    }, $"tcId {id}");
                }

                notApplicable++;
                continue;
            }

            using var aesKey = Aes256Key.Import(key);
            if (t.GetProperty("result").GetString() == "valid")
            {
                Aes256Gcm.Encrypt(aesKey, iv, msg, aad).ShouldBe(sealedMessage, $"tcId {id}");
                Aes256Gcm.TryDecrypt(aesKey, iv, sealedMessage, aad, out var plain).ShouldBeTrue($"tcId {id}");
                plain.ShouldBe(msg);
                var intoSpan = new byte[msg.Length];
                Aes256Gcm.TryDecrypt(aesKey, iv, sealedMessage, aad, intoSpan).ShouldBeTrue($"tcId {id}");
                intoSpan.ShouldBe(msg);
                valid++;
            }
            else
            {
                Aes256Gcm.TryDecrypt(aesKey, iv, sealedMessage, aad, out var plain).ShouldBeFalse($"tcId {id}");
                plain.ShouldBeNull();
                invalid++;
            }
        }

        valid.ShouldBeGreaterThan(20);
        invalid.ShouldBeGreaterThan(10);
        (valid + invalid + notApplicable).ShouldBe(316);
    }

    [Theory]
    [InlineData("gcmEncryptExtIV256.rsp")]
    [InlineData("gcmDecrypt256.rsp")]
    public void Nist_cavp_aes_256_gcm_vectors_match(string file)
    {
        // Source: NIST CAVP GCMVS, python3-cryptography-vectors ciphers/AES/GCM/. Applicable records:
        // 96-bit IV and 128-bit tag. FAIL records must not authenticate.
        var records = Vectors.ParseRecords(Vectors.CryptographyVectorsFile("ciphers/AES/GCM/" + file));
        var applicable = 0;
        foreach (var r in records)
        {
            if (r["[IVlen]"] != "96" || r["[Taglen]"] != "128")
            {
                continue;
            }

            applicable++;
            using var key = Aes256Key.Import(Vectors.Hex(r["Key"]));
            var iv = Vectors.Hex(r["IV"]);
            var aad = Vectors.Hex(r["AAD"]);
            byte[] sealedMessage = [.. Vectors.Hex(r["CT"]), .. Vectors.Hex(r["Tag"])];
            var ok = Aes256Gcm.TryDecrypt(key, iv, sealedMessage, aad, out var plain);
            if (r.ContainsKey("FAIL"))
            {
                ok.ShouldBeFalse($"Count {r["Count"]}");
                continue;
            }

            ok.ShouldBeTrue($"Count {r["Count"]}");
            var pt = Vectors.Hex(r["PT"]);
            plain.ShouldBe(pt);
            Aes256Gcm.Encrypt(key, iv, pt, aad).ShouldBe(sealedMessage);
        }

        applicable.ShouldBeGreaterThan(100);
    }

    [Fact]
    public void Ciphertext_shorter_than_a_tag_is_refused()
    {
        using var key = Aes256Key.Import(new byte[32]);
        Aes256Gcm.TryDecrypt(key, new byte[12], new byte[15], [], out _).ShouldBeFalse();
        Aes256Gcm.TryDecrypt(key, new byte[12], new byte[15], [], Span<byte>.Empty).ShouldBeFalse();
    }

    [Fact]
    public void The_span_overloads_write_what_the_array_overloads_return()
    {
        using var key = Aes256Key.Generate();
        var nonce = new byte[12];
        nonce[0] = 7;
        var plaintext = "span output, no allocation"u8.ToArray();
        var expected = Aes256Gcm.Encrypt(key, nonce, plaintext, "ad"u8);
        var sealedMessage = new byte[plaintext.Length + Aes256Gcm.TagSize];
        Aes256Gcm.Encrypt(key, nonce, plaintext, "ad"u8, sealedMessage);
        sealedMessage.ShouldBe(expected);

        var opened = new byte[plaintext.Length];
        Aes256Gcm.TryDecrypt(key, nonce, sealedMessage, "ad"u8, opened).ShouldBeTrue();
        opened.ShouldBe(plaintext);

        // A wrong associated data leaves nothing readable in the destination.
        Aes256Gcm.TryDecrypt(key, nonce, sealedMessage, "other"u8, opened).ShouldBeFalse();
        opened.ShouldAllBe(b => b == 0);
    }

    [Fact]
    public void Destinations_of_the_wrong_size_are_refused()
    {
        using var key = Aes256Key.Generate();
        var nonce = new byte[12];
        Should.Throw<ArgumentException>(() => Aes256Gcm.Encrypt(key, nonce, new byte[4], [], new byte[4 + Aes256Gcm.TagSize - 1]));
        var sealedMessage = Aes256Gcm.Encrypt(key, nonce, new byte[4]);
        Should.Throw<ArgumentException>(() => Aes256Gcm.TryDecrypt(key, nonce, sealedMessage, [], new byte[5]));
        Should.Throw<ArgumentException>(() => Aes256Gcm.Encrypt(key, new byte[16], new byte[4]));
    }
}
