using Parley.Crypto;
using Parley.Protocol.Fingerprints;
using Parley.Protocol.Ratchet;

namespace Parley.Protocol.Tests;

public sealed class KnownAnswerTests
{
    [Fact]
    public void Chain_key_derivation_matches_libsignal()
    {
        // Source: libsignal rust/protocol/src/ratchet/keys.rs, test_chain_key_derivation (no SPQR salt).
        var seed = Convert.FromHexString("8ab72d6f4cc5ac0d387eaf463378ddb28edd07385b1cb01250c715982e7ad48f");
        var keys = new byte[80];
        RatchetKdf.MessageKeys(RatchetKdf.MessageSeed(seed), default, keys);
        Convert.ToHexStringLower(keys[..32]).ShouldBe("bf51e9d75e0e31031051f82a2491ffc084fa298b7793bd9db620056febf45217");
        Convert.ToHexStringLower(keys[32..64]).ShouldBe("c6c77d6a73a354337a56435e34607dfe48e3ace14e77314dc6abc172e7a7030b");
        Convert.ToHexStringLower(RatchetKdf.NextChainKey(seed)).ShouldBe("28e8f8fee54b801eef7c5cfb2f17f32c7b334485bbb70fac6ec10342a246d15d");
    }

    // Source: libsignal rust/protocol/src/fingerprint.rs tests (fingerprint_test_v1 / _v2), 5200 iterations.
    private static readonly Curve25519PublicKey AliceIdentity = Curve25519PublicKey.Decode(Convert.FromHexString("0506863bc66d02b40d27b8d49ca7c09e9239236f9d7d25d6fcca5ce13c7064d868"));
    private static readonly Curve25519PublicKey BobIdentity = Curve25519PublicKey.Decode(Convert.FromHexString("05f781b6fb32fed9ba1cf2de978d4d5da28dc34046ae814402b5c0dbd96fda907b"));
    private static readonly byte[] AliceStableId = "+14152222222"u8.ToArray();
    private static readonly byte[] BobStableId = "+14153333333"u8.ToArray();

    [Theory]
    [InlineData(1u, "080112220a201e301a0353dce3dbe7684cb8336e85136cdc0ee96219494ada305d62a7bd61df1a220a20d62cbf73a11592015b6b9f1682ac306fea3aaf3885b84d12bca631e9d4fb3a4d", "080112220a20d62cbf73a11592015b6b9f1682ac306fea3aaf3885b84d12bca631e9d4fb3a4d1a220a201e301a0353dce3dbe7684cb8336e85136cdc0ee96219494ada305d62a7bd61df")]
    [InlineData(2u, "080212220a201e301a0353dce3dbe7684cb8336e85136cdc0ee96219494ada305d62a7bd61df1a220a20d62cbf73a11592015b6b9f1682ac306fea3aaf3885b84d12bca631e9d4fb3a4d", "080212220a20d62cbf73a11592015b6b9f1682ac306fea3aaf3885b84d12bca631e9d4fb3a4d1a220a201e301a0353dce3dbe7684cb8336e85136cdc0ee96219494ada305d62a7bd61df")]
    public void Safety_numbers_match_libsignal_vectors(uint version, string aliceScannable, string bobScannable)
    {
        var alice = SafetyNumber.Create(version, SafetyNumber.DefaultIterations, AliceStableId, AliceIdentity, BobStableId, BobIdentity);
        var bob = SafetyNumber.Create(version, SafetyNumber.DefaultIterations, BobStableId, BobIdentity, AliceStableId, AliceIdentity);
        alice.DisplayString.ShouldBe("300354477692869396892869876765458257569162576843440918079131");
        bob.DisplayString.ShouldBe(alice.DisplayString);
        Convert.ToHexStringLower(alice.Scannable()).ShouldBe(aliceScannable);
        Convert.ToHexStringLower(bob.Scannable()).ShouldBe(bobScannable);
        alice.CompareScannable(bob.Scannable()).ShouldBe(ScanResult.Match);
        bob.CompareScannable(alice.Scannable()).ShouldBe(ScanResult.Match);
    }

    [Fact]
    public void Scannable_comparison_reports_mismatch_version_and_garbage()
    {
        var alice = SafetyNumber.Create(2, SafetyNumber.DefaultIterations, AliceStableId, AliceIdentity, BobStableId, BobIdentity);
        var bobV1 = SafetyNumber.Create(1, SafetyNumber.DefaultIterations, BobStableId, BobIdentity, AliceStableId, AliceIdentity);
        var stranger = SafetyNumber.Create(2, SafetyNumber.DefaultIterations, "+14154444444"u8, BobIdentity, AliceStableId, AliceIdentity);
        alice.CompareScannable(bobV1.Scannable()).ShouldBe(ScanResult.VersionMismatch);
        alice.CompareScannable(stranger.Scannable()).ShouldBe(ScanResult.Mismatch);
        alice.CompareScannable(alice.Scannable()).ShouldBe(ScanResult.Mismatch); // not crossed
        alice.CompareScannable([0xFF, 0xFF]).ShouldBe(ScanResult.Unreadable);
        alice.CompareScannable([0x08, 0x02]).ShouldBe(ScanResult.Unreadable);
    }

    [Fact]
    public void Safety_number_iterations_are_bounded_as_in_libsignal()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => SafetyNumber.Create(1, 1, AliceStableId, AliceIdentity, BobStableId, BobIdentity));
        Should.Throw<ArgumentOutOfRangeException>(() => SafetyNumber.Create(1, 1_000_001, AliceStableId, AliceIdentity, BobStableId, BobIdentity));
    }

    [Fact]
    public void Emoji_rendering_follows_the_documented_mapping()
    {
        var alice = SafetyNumber.Create(1, SafetyNumber.DefaultIterations, AliceStableId, AliceIdentity, BobStableId, BobIdentity);
        var emoji = alice.Emoji;
        emoji.Count.ShouldBe(36);
        // first group 30035 = 7·4096 + 21·64 + 19
        emoji.Take(3).ShouldBe([SafetyNumberEmoji.Table[7].Emoji, SafetyNumberEmoji.Table[21].Emoji, SafetyNumberEmoji.Table[19].Emoji]);
        SafetyNumberEmoji.Table.Count.ShouldBe(64);
        SafetyNumberEmoji.Table.Select(t => t.Emoji).Distinct().Count().ShouldBe(64);
        SafetyNumberEmoji.Table.Select(t => t.Name).Distinct().Count().ShouldBe(64);
        Should.Throw<ArgumentException>(() => SafetyNumberEmoji.Render("123"));
    }

    [Fact]
    public void Emoji_rendering_is_one_to_one_on_five_digit_groups()
    {
        var seen = new HashSet<string>();
        for (var v = 0; v < 100_000; v += 7)
        {
            var digits = v.ToString("D5", System.Globalization.CultureInfo.InvariantCulture) + new string('0', 55);
            seen.Add(string.Concat(SafetyNumberEmoji.Render(digits).Take(3))).ShouldBeTrue();
        }
    }
}
