using Parley.Crypto.Tests.Support;

namespace Parley.Crypto.Tests;

public sealed class X25519Tests
{
    [Fact]
    public void Rfc7748_section_5_2_vectors_match()
    {
        // Source: RFC 7748 §5.2, as shipped in python3-cryptography-vectors asymmetric/X25519/rfc7748.txt.
        var records = Vectors.ParseRecords(Vectors.CryptographyVectorsFile("asymmetric/X25519/rfc7748.txt"));
        records.Count.ShouldBe(3);
        foreach (var r in records)
        {
            using var key = Curve25519PrivateKey.Import(Vectors.Hex(r["INPUT_SCALAR"]));
            var shared = key.Agree(Curve25519PublicKey.FromRawBytes(Vectors.Hex(r["INPUT_U"])));
            Convert.ToHexStringLower(shared).ShouldBe(r["OUTPUT_U"], $"COUNT {r["COUNT"]}");
        }
    }

    [Fact]
    public void Rfc7748_section_6_1_diffie_hellman_matches()
    {
        // Source: RFC 7748 §6.1 (Alice's and Bob's key pairs and their shared secret).
        using var alice = Curve25519PrivateKey.Import(Vectors.Hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
        using var bob = Curve25519PrivateKey.Import(Vectors.Hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"));
        Convert.ToHexStringLower(alice.PublicKey.RawBytes).ShouldBe("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
        Convert.ToHexStringLower(bob.PublicKey.RawBytes).ShouldBe("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
        const string shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
        Convert.ToHexStringLower(alice.Agree(bob.PublicKey)).ShouldBe(shared);
        Convert.ToHexStringLower(bob.Agree(alice.PublicKey)).ShouldBe(shared);
    }

    [Fact]
    public void Libsignal_agreement_vector_matches()
    {
        // Source: libsignal rust/core/src/curve/curve25519.rs, test_agreement.
        using var alice = Curve25519PrivateKey.Import(Vectors.Hex("c806439dc9d2c476ffed8f2580c0888d58ab406bf7ae3698879021b96bb4bf59"));
        using var bob = Curve25519PrivateKey.Import(Vectors.Hex("b03b34c33a1c44f225b662d2bf4859b8135411fa7b0386d45fb75dc5b91b4466"));
        Convert.ToHexStringLower(alice.PublicKey.RawBytes).ShouldBe("1bb75966f2e93a3691dfff942bb2a466a1c08b8d78ca3f4d6df8b8bfa2e4ee28");
        Convert.ToHexStringLower(bob.PublicKey.RawBytes).ShouldBe("653614993d2b15ee9e5fd3d86ce719ef4ec1daae1886a87b3f5fa9565a27a22f");
        Convert.ToHexStringLower(alice.Agree(bob.PublicKey)).ShouldBe("325f239328941ced6e673b86ba41017448e99b649a9c3806c1dd7ca4c477e629");
        Convert.ToHexStringLower(bob.Agree(alice.PublicKey)).ShouldBe("325f239328941ced6e673b86ba41017448e99b649a9c3806c1dd7ca4c477e629");
    }

    [Fact]
    public void Every_wycheproof_x25519_case_passes()
    {
        // Source: Wycheproof testvectors_v1/x25519_test.json. "valid" cases must produce the shared
        // secret. "acceptable" cases must too, except the all-zero results (low-order public keys),
        // which Parley refuses as RFC 7748 §6.1 permits.
        using var doc = Vectors.Wycheproof("x25519_test.json");
        int valid = 0, refused = 0, acceptable = 0;
        foreach (var (_, t) in Vectors.WycheproofCases(doc))
        {
            var id = t.GetProperty("tcId").GetInt32();
            var result = t.GetProperty("result").GetString();
            using var key = Curve25519PrivateKey.Import(Vectors.Hex(t, "private"));
            var shared = new byte[32];
            var ok = key.TryAgree(Curve25519PublicKey.FromRawBytes(Vectors.Hex(t, "public")), shared);
            if (Vectors.HasFlag(t, "ZeroSharedSecret"))
            {
                result.ShouldBe("acceptable", $"tcId {id}");
                ok.ShouldBeFalse($"tcId {id}: an all-zero shared secret must be refused");
                shared.ShouldAllBe(b => b == 0);
                refused++;
                continue;
            }

            ok.ShouldBeTrue($"tcId {id}");
            Convert.ToHexStringLower(shared).ShouldBe(t.GetProperty("shared").GetString(), $"tcId {id}");
            if (result == "valid")
            {
                valid++;
            }
            else
            {
                acceptable++;
            }
        }

        (valid + refused + acceptable).ShouldBe(518);
        valid.ShouldBe(264);
    }

    [Fact]
    public void Generated_keys_agree_in_both_directions()
    {
        for (var i = 0; i < 20; i++)
        {
            using var a = Curve25519PrivateKey.Generate();
            using var b = Curve25519PrivateKey.Generate();
            a.Agree(b.PublicKey).ShouldBe(b.Agree(a.PublicKey));
        }
    }

    [Fact]
    public void Generation_draws_its_key_from_the_injected_random_source()
    {
        using var a = Curve25519PrivateKey.Generate(new DeterministicRandom("seed"));
        using var b = Curve25519PrivateKey.Generate(new DeterministicRandom("seed"));
        using var c = Curve25519PrivateKey.Generate(new DeterministicRandom("other"));
        a.PublicKey.ShouldBe(b.PublicKey);
        c.PublicKey.ShouldNotBe(a.PublicKey);
    }

    [Fact]
    public void Import_clamps_the_scalar_as_libsignal_does()
    {
        var raw = Enumerable.Repeat((byte)0xFF, 32).ToArray();
        using var key = Curve25519PrivateKey.Import(raw);
        var exported = new byte[32];
        key.Export(exported);
        exported[0].ShouldBe((byte)0xF8);
        exported[31].ShouldBe((byte)0x7F);
        using var again = Curve25519PrivateKey.Import(exported);
        again.PublicKey.ShouldBe(key.PublicKey);
    }
}
