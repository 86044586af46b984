using Parley.Crypto.Kem;
using Parley.Crypto.Tests.Support;
using Parley.Testing;

namespace Parley.Crypto.Tests;

/// <summary>
/// Parley's primitives against libsignal 0.103 and @noble/post-quantum 0.7.1, run in the Node
/// interop harness (tests/interop), and SPQR's incremental ML-KEM-768 against noble's standard one. libsignal's Node API does not expose raw KEM encapsulation, so
/// Kyber1024 is checked here on libsignal's key formats with noble's ML-KEM plus the post-step; the
/// PQXDH interop suite then checks Parley's Kyber against libsignal's own decapsulation.
/// </summary>
public sealed class DifferentialTests(HarnessFixture fixture)
{
    private const int Rounds = 25;

    private NodeHarness Node => fixture.Harness;

    [Fact]
    public void Libsignal_verifies_parley_xeddsa_signatures_and_rejects_tampered_ones()
    {
        var random = new DeterministicRandom("diff-sign");
        for (var i = 0; i < Rounds; i++)
        {
            using var key = Curve25519PrivateKey.Generate(random);
            var message = new byte[i * 7];
            random.Fill(message);
            var signature = key.Sign(message, random);
            Verify(key.PublicKey.Serialize(), message, signature).ShouldBeTrue($"round {i}");

            signature[i % 64] ^= 0x04;
            Verify(key.PublicKey.Serialize(), message, signature).ShouldBeFalse($"round {i} tampered");
        }
    }

    [Fact]
    public void Parley_verifies_libsignal_xeddsa_signatures_and_rejects_tampered_ones()
    {
        var random = new DeterministicRandom("diff-verify");
        for (var i = 0; i < Rounds; i++)
        {
            var pair = Node.Call("curve.generate");
            var publicKey = Curve25519PublicKey.Decode(NodeHarness.Bytes(pair["publicKey"]));
            var message = new byte[1 + (i * 11)];
            random.Fill(message);
            var signature = NodeHarness.Bytes(Node.Call("xeddsa.sign", new
            {
                privateKey = pair["privateKey"]!.GetValue<string>(),
                message = NodeHarness.B64(message),
            })["signature"]);

            XEdDsa.Verify(publicKey, message, signature).ShouldBeTrue($"round {i}");
            signature[63 - (i % 64)] ^= 0x10;
            XEdDsa.Verify(publicKey, message, signature).ShouldBeFalse($"round {i} tampered");
        }
    }

    [Fact]
    public void Libsignal_private_keys_import_into_parley_with_the_same_public_key()
    {
        for (var i = 0; i < Rounds; i++)
        {
            var pair = Node.Call("curve.generate");
            using var key = Curve25519PrivateKey.Import(NodeHarness.Bytes(pair["privateKey"]));
            key.PublicKey.Serialize().ShouldBe(NodeHarness.Bytes(pair["publicKey"]));
        }

        // and the other way: libsignal derives the same public key from Parley's exported private key
        using var ours = Curve25519PrivateKey.Generate();
        var raw = new byte[32];
        ours.Export(raw);
        NodeHarness.Bytes(Node.Call("curve.publicKey", new { privateKey = NodeHarness.B64(raw) })["publicKey"])
            .ShouldBe(ours.PublicKey.Serialize());
    }

    [Fact]
    public void X25519_agreement_matches_libsignal_in_both_directions()
    {
        for (var i = 0; i < Rounds; i++)
        {
            var theirs = Node.Call("curve.generate");
            using var ours = Curve25519PrivateKey.Generate();
            var theirPublic = Curve25519PublicKey.Decode(NodeHarness.Bytes(theirs["publicKey"]));
            var ourSecret = ours.Agree(theirPublic);

            var theirSecret = NodeHarness.Bytes(Node.Call("x25519.agree", new
            {
                privateKey = theirs["privateKey"]!.GetValue<string>(),
                publicKey = NodeHarness.B64(ours.PublicKey.Serialize()),
            })["sharedSecret"]);
            theirSecret.ShouldBe(ourSecret);
        }
    }

    [Fact]
    public void Parley_kyber_keys_round_trip_through_libsignal_unchanged()
    {
        using var pair = Kyber1024.Instance.GenerateKeyPair();
        var secret = new byte[3169];
        pair.SecretKey.Export(secret);
        var result = Node.Call("kyber.roundTrip", new
        {
            publicKey = NodeHarness.B64(pair.PublicKey.Serialize()),
            secretKey = NodeHarness.B64(secret),
        });
        NodeHarness.Bytes(result["publicKey"]).ShouldBe(pair.PublicKey.Serialize());
        NodeHarness.Bytes(result["secretKey"]).ShouldBe(secret);
    }

    [Fact]
    public void Parley_encapsulates_to_a_libsignal_kyber_key_and_the_secret_matches()
    {
        for (var i = 0; i < 5; i++)
        {
            var pair = Node.Call("kyber.generate");
            KemPublicKey.TryDecode(NodeHarness.Bytes(pair["publicKey"]), out var publicKey).ShouldBeTrue();
            var ourSecret = new byte[32];
            var ciphertext = Kyber1024.Instance.Encapsulate(publicKey!, ourSecret);

            var theirSecret = NodeHarness.Bytes(Node.Call("kyber.nobleDecapsulate", new
            {
                secretKey = pair["secretKey"]!.GetValue<string>(),
                ciphertext = NodeHarness.B64(ciphertext),
            })["sharedSecret"]);
            theirSecret.ShouldBe(ourSecret);
        }
    }

    [Fact]
    public void Parley_decapsulates_with_a_libsignal_kyber_secret_key()
    {
        for (var i = 0; i < 5; i++)
        {
            var pair = Node.Call("kyber.generate");
            var encapsulated = Node.Call("kyber.nobleEncapsulate", new { publicKey = pair["publicKey"]!.GetValue<string>() });
            using var secretKey = KemSecretKey.Import(NodeHarness.Bytes(pair["secretKey"]));
            var ourSecret = new byte[32];
            Kyber1024.Instance.TryDecapsulate(secretKey, NodeHarness.Bytes(encapsulated["ciphertext"]), ourSecret).ShouldBeTrue();
            ourSecret.ShouldBe(NodeHarness.Bytes(encapsulated["sharedSecret"]));
        }
    }

    [Fact]
    public void Ml_kem_1024_matches_noble_for_keygen_encapsulation_and_decapsulation()
    {
        var random = new DeterministicRandom("noble");
        var core = Kyber1024.Backend;
        for (var i = 0; i < 10; i++)
        {
            var seed = new byte[64];
            var m = new byte[32];
            random.Fill(seed);
            random.Fill(m);
            var ek = new byte[1568];
            var dk = new byte[3168];
            core.GenerateKeyPair(seed, ek, dk);
            var keys = Node.Call("mlkem.keygen", new { seed = NodeHarness.B64(seed) });
            NodeHarness.Bytes(keys["encapsulationKey"]).ShouldBe(ek);
            NodeHarness.Bytes(keys["decapsulationKey"]).ShouldBe(dk);

            var ct = new byte[1568];
            var k = new byte[32];
            core.Encapsulate(ek, m, ct, k);
            var theirs = Node.Call("mlkem.encapsulate", new { encapsulationKey = NodeHarness.B64(ek), m = NodeHarness.B64(m) });
            NodeHarness.Bytes(theirs["ciphertext"]).ShouldBe(ct);
            NodeHarness.Bytes(theirs["sharedSecret"]).ShouldBe(k);

            // a ciphertext noble did not make, including a forged one: both implicit rejections agree
            ct[i * 37] ^= 0x55;
            var ours = new byte[32];
            core.Decapsulate(dk, ct, ours);
            var nobleK = NodeHarness.Bytes(Node.Call("mlkem.decapsulate", new { decapsulationKey = NodeHarness.B64(dk), ciphertext = NodeHarness.B64(ct) })["sharedSecret"]);
            nobleK.ShouldBe(ours);
            ours.ShouldNotBe(k);
        }
    }

    [Fact]
    public void Incremental_ml_kem_768_matches_noble_standard_ml_kem_768()
    {
        // SPQR's split encapsulation (header first, key vector later) must give exactly the standard
        // ML-KEM-768 ciphertext and secret of @noble/post-quantum for the same key seed and m.
        var random = new DeterministicRandom("noble-768");
        for (var i = 0; i < 10; i++)
        {
            var seed = new byte[64];
            var m = new byte[32];
            random.Fill(seed);
            random.Fill(m);
            var (header, vector, dk) = IncrementalMlKem768.GenerateKeyPair(seed);
            using var _ = dk;
            var keys = Node.Call("mlkem.keygen", new { seed = NodeHarness.B64(seed), level = 768 });
            var ek = IncrementalMlKem768.StandardEncapsulationKey(header, vector);
            NodeHarness.Bytes(keys["encapsulationKey"]).ShouldBe(ek);
            var exported = new byte[IncrementalMlKem768.DecapsulationKeySize];
            dk.Export(exported);
            NodeHarness.Bytes(keys["decapsulationKey"]).ShouldBe(exported);

            var ct1 = new byte[IncrementalMlKem768.Ciphertext1Size];
            var ct2 = new byte[IncrementalMlKem768.Ciphertext2Size];
            var k = new byte[32];
            using (var state = IncrementalMlKem768.Encapsulate1(header, m, ct1, k))
            {
                IncrementalMlKem768.Encapsulate2(state, vector, ct2);
            }

            var theirs = Node.Call("mlkem.encapsulate", new { encapsulationKey = NodeHarness.B64(ek), m = NodeHarness.B64(m), level = 768 });
            NodeHarness.Bytes(theirs["ciphertext"]).ShouldBe([.. ct1, .. ct2]);
            NodeHarness.Bytes(theirs["sharedSecret"]).ShouldBe(k);
        }
    }

    private bool Verify(byte[] publicKey, byte[] message, byte[] signature) =>
        Node.Call("xeddsa.verify", new
        {
            publicKey = NodeHarness.B64(publicKey),
            message = NodeHarness.B64(message),
            signature = NodeHarness.B64(signature),
        })["valid"]!.GetValue<bool>();
}
