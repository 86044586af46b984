using Parley.Crypto.Tests.Support;

namespace Parley.Crypto.Tests;

public sealed class MacAndKdfTests
{
    [Fact]
    public void Rfc4231_hmac_sha256_vectors_match()
    {
        // Source: RFC 4231 §4.2–4.8 (test case 5, truncation, is not in the file), python3-cryptography-vectors HMAC/rfc-4231-sha256.txt.
        var records = Vectors.ParseRecords(Vectors.CryptographyVectorsFile("HMAC/rfc-4231-sha256.txt"));
        records.Count.ShouldBe(6);
        foreach (var r in records)
        {
            var key = Vectors.Hex(r["Key"]);
            var msg = Vectors.Hex(r["Msg"]);
            var md = Vectors.Hex(r["MD"]);
            HmacSha256.Compute(key, msg).ShouldBe(md);
            HmacSha256.Verify(key, msg, md).ShouldBeTrue();
            HmacSha256.Verify(key, msg, md.AsSpan(0, 8)).ShouldBeTrue();
        }
    }

    [Fact]
    public void Every_wycheproof_hmac_sha256_case_passes()
    {
        // Source: Wycheproof testvectors_v1/hmac_sha256_test.json: full and 128-bit truncated tags,
        // with modified tags that must be refused.
        using var doc = Vectors.Wycheproof("hmac_sha256_test.json");
        int count = 0;
        foreach (var (group, t) in Vectors.WycheproofCases(doc))
        {
            var id = t.GetProperty("tcId").GetInt32();
            var key = Vectors.Hex(t, "key");
            var msg = Vectors.Hex(t, "msg");
            var tag = Vectors.Hex(t, "tag");
            var tagBytes = group.GetProperty("tagSize").GetInt32() / 8;
            var valid = t.GetProperty("result").GetString() == "valid";
            HmacSha256.Verify(key, msg, tag).ShouldBe(valid, $"tcId {id}");
            if (valid)
            {
                HmacSha256.Compute(key, msg).AsSpan(0, tagBytes).ToArray().ShouldBe(tag, $"tcId {id}");
            }

            count++;
        }

        count.ShouldBe(174);
    }

    [Fact]
    public void Tags_outside_8_to_32_bytes_are_misuse()
    {
        Should.Throw<ArgumentException>(() => HmacSha256.Verify(new byte[32], [], new byte[7]));
        Should.Throw<ArgumentException>(() => HmacSha256.Verify(new byte[32], [], new byte[33]));
    }

    [Fact]
    public void Rfc5869_hkdf_sha256_vectors_match()
    {
        // Source: RFC 5869 Appendix A.1–A.3, python3-cryptography-vectors KDF/rfc-5869-HKDF-SHA256.txt.
        var records = Vectors.ParseRecords(Vectors.CryptographyVectorsFile("KDF/rfc-5869-HKDF-SHA256.txt"));
        records.Count.ShouldBe(3);
        foreach (var r in records)
        {
            var okm = HkdfSha256.DeriveKey(Vectors.Hex(r["IKM"]), Vectors.Hex(r["salt"]), Vectors.Hex(r["info"]), int.Parse(r["L"], System.Globalization.CultureInfo.InvariantCulture));
            Convert.ToHexStringLower(okm).ShouldBe(r["OKM"], $"COUNT {r["COUNT"]}");
        }
    }

    [Fact]
    public void Every_wycheproof_hkdf_sha256_case_passes()
    {
        // Source: Wycheproof testvectors_v1/hkdf_sha256_test.json. Invalid cases ask for more than
        // 255 × 32 bytes and must be refused as misuse.
        using var doc = Vectors.Wycheproof("hkdf_sha256_test.json");
        int valid = 0, invalid = 0;
        foreach (var (_, t) in Vectors.WycheproofCases(doc))
        {
            var id = t.GetProperty("tcId").GetInt32();
            var size = t.GetProperty("size").GetInt32();
            var ikm = Vectors.Hex(t, "ikm");
            var salt = Vectors.Hex(t, "salt");
            var info = Vectors.Hex(t, "info");
            if (t.GetProperty("result").GetString() == "valid")
            {
                Convert.ToHexStringLower(HkdfSha256.DeriveKey(ikm, salt, info, size)).ShouldBe(t.GetProperty("okm").GetString(), $"tcId {id}");
                valid++;
            }
            else
            {
                Should.Throw<ArgumentException>(() => HkdfSha256.DeriveKey(ikm, salt, info, size), $"tcId {id}");
                invalid++;
            }
        }

        valid.ShouldBe(83);
        invalid.ShouldBe(3);
    }
}
