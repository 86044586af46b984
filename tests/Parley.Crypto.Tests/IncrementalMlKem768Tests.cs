using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Kems;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using Parley.Crypto.Kem;
using Parley.Crypto.Tests.Support;

namespace Parley.Crypto.Tests;

/// <summary>
/// SPQR's incremental ML-KEM-768: the split encapsulation must be standard FIPS 203 ML-KEM, checked
/// against BouncyCastle's ML-KEM-768 (an implementation independent of Parley's encapsulation code) and
/// against Wycheproof's published ML-KEM-1024 encapsulation vectors, run through the same split code
/// with k = 4 (no ML-KEM-768 vector file was available to add; see tests/vectors/wycheproof/README.md).
/// </summary>
public sealed class IncrementalMlKem768Tests
{
    private const int Rounds = 40;

    [Fact]
    public void Split_encapsulation_gives_bouncycastle_standard_ciphertext_and_secret()
    {
        var random = new DeterministicRandom("split-vs-standard");
        for (var round = 0; round < Rounds; round++)
        {
            var (header, vector, dk) = IncrementalMlKem768.GenerateKeyPair(random);
            using var _ = dk;
            var m = new byte[32];
            random.Fill(m);

            var ct1 = new byte[IncrementalMlKem768.Ciphertext1Size];
            var ct2 = new byte[IncrementalMlKem768.Ciphertext2Size];
            var secret = new byte[32];
            using (var state = IncrementalMlKem768.Encapsulate1(header, m, ct1, secret))
            {
                IncrementalMlKem768.EncapsulationKeyMatchesHeader(header, vector).ShouldBeTrue();
                IncrementalMlKem768.Encapsulate2(state, vector, ct2);
            }

            var (standardCiphertext, standardSecret) = StandardEncapsulate(IncrementalMlKem768.StandardEncapsulationKey(header, vector), m);
            ((byte[])[.. ct1, .. ct2]).ShouldBe(standardCiphertext, $"round {round}");
            secret.ShouldBe(standardSecret, $"round {round}");

            var decapsulated = new byte[32];
            IncrementalMlKem768.Decapsulate(dk, ct1, ct2, decapsulated);
            decapsulated.ShouldBe(secret, $"round {round}");
        }
    }

    [Fact]
    public void Bouncycastle_decapsulates_the_split_ciphertext_to_the_same_secret()
    {
        var random = new DeterministicRandom("bc-decaps");
        for (var round = 0; round < Rounds; round++)
        {
            var seed = new byte[64];
            random.Fill(seed);
            var privateKey = MLKemPrivateKeyParameters.FromSeed(MLKemParameters.ml_kem_768, seed);
            var ek = privateKey.GetPublicKeyEncoded();
            var header = (byte[])[.. ek.AsSpan(1152), .. SplitHash(ek)];

            var ct1 = new byte[960];
            var ct2 = new byte[128];
            var secret = new byte[32];
            using (var state = IncrementalMlKem768.Encapsulate1(header, random, ct1, secret))
            {
                IncrementalMlKem768.Encapsulate2(state, ek.AsSpan(0, 1152), ct2);
            }

            var decapsulator = new MLKemDecapsulator(MLKemParameters.ml_kem_768);
            decapsulator.Init(privateKey);
            var theirs = new byte[32];
            decapsulator.Decapsulate([.. ct1, .. ct2], 0, 1088, theirs, 0, 32);
            theirs.ShouldBe(secret, $"round {round}");
        }
    }

    [Fact]
    public void Header_is_rho_and_the_sha3_256_of_the_standard_encapsulation_key()
    {
        // Source: SPQR / libcrux incremental ML-KEM: header ("pk1") = ρ ‖ H(ek), ek = ByteEncode₁₂(t̂) ‖ ρ.
        var seed = Convert.FromHexString(string.Concat(Enumerable.Repeat("5a", 64)));
        var (header, vector, dk) = IncrementalMlKem768.GenerateKeyPair(seed);
        using var _ = dk;
        var standard = MLKemPrivateKeyParameters.FromSeed(MLKemParameters.ml_kem_768, seed);
        var ek = standard.GetPublicKeyEncoded();
        header.AsSpan(0, 32).ToArray().ShouldBe(ek.AsSpan(1152).ToArray());
        header.AsSpan(32).ToArray().ShouldBe(SplitHash(ek));
        vector.ShouldBe(ek.AsSpan(0, 1152).ToArray());
        var exported = new byte[2400];
        dk.Export(exported);
        exported.ShouldBe(standard.GetEncoded());
        if (SHA3_256.IsSupported)
        {
            header.AsSpan(32).ToArray().ShouldBe(SHA3_256.HashData(ek)); // the platform's SHA3, independent of BouncyCastle
        }
    }

    [Fact]
    public void Encapsulation_key_that_does_not_match_the_header_is_refused()
    {
        var (header, vector, dk) = IncrementalMlKem768.GenerateKeyPair(new DeterministicRandom("validate"));
        using var _ = dk;
        IncrementalMlKem768.EncapsulationKeyMatchesHeader(header, vector).ShouldBeTrue();

        var flipped = vector.ToArray();
        flipped[17] ^= 0x01;
        IncrementalMlKem768.EncapsulationKeyMatchesHeader(header, flipped).ShouldBeFalse();

        var otherRho = header.ToArray();
        otherRho[0] ^= 0x80;
        IncrementalMlKem768.EncapsulationKeyMatchesHeader(otherRho, vector).ShouldBeFalse();

        // a coefficient of q (not reduced) with a header hashed over exactly those bytes: the modulus check refuses it
        var unreduced = vector.ToArray();
        unreduced[0] = 0x01; // 0x?D01 → coefficient 0xD01 = 3329
        unreduced[1] = (byte)((unreduced[1] & 0xF0) | 0x0D);
        var forgedHeader = (byte[])[.. header.AsSpan(0, 32), .. SplitHash([.. unreduced, .. header.AsSpan(0, 32)])];
        IncrementalMlKem768.EncapsulationKeyMatchesHeader(forgedHeader, unreduced).ShouldBeFalse();
        using var state = IncrementalMlKem768.Encapsulate1(forgedHeader, new DeterministicRandom("m"), new byte[960], new byte[32]);
        Should.Throw<ArgumentException>(() => IncrementalMlKem768.Encapsulate2(state, unreduced, new byte[128]));

        IncrementalMlKem768.EncapsulationKeyMatchesHeader(header, vector.AsSpan(0, 1151)).ShouldBeFalse();
        IncrementalMlKem768.EncapsulationKeyMatchesHeader(header.AsSpan(0, 63), vector).ShouldBeFalse();
    }

    [Fact]
    public void Forged_ciphertext_decapsulates_to_an_unrelated_secret()
    {
        var random = new DeterministicRandom("forged");
        var (header, vector, dk) = IncrementalMlKem768.GenerateKeyPair(random);
        using var _ = dk;
        var ct1 = new byte[960];
        var ct2 = new byte[128];
        var secret = new byte[32];
        using (var state = IncrementalMlKem768.Encapsulate1(header, random, ct1, secret))
        {
            IncrementalMlKem768.Encapsulate2(state, vector, ct2);
        }

        ct2[5] ^= 0x10;
        var received = new byte[32];
        IncrementalMlKem768.Decapsulate(dk, ct1, ct2, received);
        received.ShouldNotBe(secret);
    }

    [Fact]
    public void Wrong_lengths_are_argument_errors()
    {
        Should.Throw<ArgumentException>(() => IncrementalMlKem768.GenerateKeyPair(new byte[63]));
        Should.Throw<ArgumentException>(() => IncrementalMlKem768.Encapsulate1(new byte[63], new byte[32], new byte[960], new byte[32]));
        Should.Throw<ArgumentException>(() => IncrementalMlKem768.Encapsulate1(new byte[64], new byte[32], new byte[959], new byte[32]));
        Should.Throw<ArgumentException>(() => new MlKem768DecapsulationKey(new byte[2399]));
        Should.Throw<ArgumentException>(() => new MlKem768EncapsulationState(new byte[65]));
    }

    [Fact]
    public void Secret_types_show_no_key_material_and_are_unusable_after_dispose()
    {
        var (_, _, dk) = IncrementalMlKem768.GenerateKeyPair(new DeterministicRandom("hygiene"));
        var exported = new byte[2400];
        dk.Export(exported);
        dk.ToString().ShouldBe("MlKem768DecapsulationKey(2400 bytes)");
        dk.ToString().ShouldNotContain(Convert.ToHexString(exported, 0, 4));
        dk.Dispose();
        Should.Throw<ObjectDisposedException>(() => dk.Export(new byte[2400]));
        using var state = new MlKem768EncapsulationState(new byte[64]);
        state.ToString().ShouldBe("MlKem768EncapsulationState(64 bytes)");
    }

    [Fact]
    public void Every_wycheproof_ml_kem_768_encapsulation_case_passes_through_the_split_encapsulation()
    {
        // Source: Wycheproof testvectors_v1/mlkem_768_encaps_test.json (FIPS 203 and CCTV/modulus). As
        // SPQR runs it: the header ρ ‖ SHA3-256(ek) alone gives ct1 and K, then the key vector, once it
        // passes the header and modulus checks, gives ct2; ct1 ‖ ct2 and K must be the vector's c and K.
        // A key that is not reduced mod q must fail the check; one of another length cannot be split.
        using var doc = Vectors.Wycheproof("mlkem_768_encaps_test.json");
        int valid = 0, invalid = 0;
        foreach (var (_, t) in Vectors.WycheproofCases(doc))
        {
            var id = t.GetProperty("tcId").GetInt32();
            var ek = Vectors.Hex(t, "ek");
            var m = Vectors.Hex(t, "m");
            if (t.GetProperty("result").GetString() == "invalid")
            {
                invalid++;
                if (ek.Length != 1184)
                {
                    continue;
                }

                var badHeader = (byte[])[.. ek[1152..], .. SplitHash(ek)];
                IncrementalMlKem768.EncapsulationKeyMatchesHeader(badHeader, ek[..1152]).ShouldBeFalse($"tcId {id}");
                IncrementalMlKem768.IsValidEncapsulationKey(ek[..1152]).ShouldBeFalse($"tcId {id}");
                using var badState = IncrementalMlKem768.Encapsulate1(badHeader, m, new byte[960], new byte[32]);
                Should.Throw<ArgumentException>(() => IncrementalMlKem768.Encapsulate2(badState, ek[..1152], new byte[128]), $"tcId {id}");
                continue;
            }

            var header = (byte[])[.. ek[1152..], .. SplitHash(ek)];
            var ct1 = new byte[IncrementalMlKem768.Ciphertext1Size];
            var ct2 = new byte[IncrementalMlKem768.Ciphertext2Size];
            var k = new byte[32];
            using (var state = IncrementalMlKem768.Encapsulate1(header, m, ct1, k))
            {
                IncrementalMlKem768.EncapsulationKeyMatchesHeader(header, ek[..1152]).ShouldBeTrue($"tcId {id}");
                IncrementalMlKem768.Encapsulate2(state, ek[..1152], ct2);
            }

            Convert.ToHexStringLower([.. ct1, .. ct2]).ShouldBe(t.GetProperty("c").GetString(), $"tcId {id}");
            Convert.ToHexStringLower(k).ShouldBe(t.GetProperty("K").GetString(), $"tcId {id}");
            valid++;
        }

        valid.ShouldBe(133);
        invalid.ShouldBe(132);
    }

    [Fact]
    public void Every_wycheproof_ml_kem_768_key_generation_and_decapsulation_case_passes()
    {
        // Source: Wycheproof testvectors_v1/mlkem_768_test.json (FIPS 203 and CCTV/strcmp groups): the
        // 64-byte seed must give the vector's ek (as header ‖ key vector, put back together), and
        // decapsulating c given as ct1 and ct2 must give K, implicit rejection included. Invalid cases
        // are seeds or ciphertexts of the wrong length: argument errors.
        using var doc = Vectors.Wycheproof("mlkem_768_test.json");
        int valid = 0, invalid = 0;
        foreach (var (_, t) in Vectors.WycheproofCases(doc))
        {
            var id = t.GetProperty("tcId").GetInt32();
            var seed = Vectors.Hex(t, "seed");
            var c = Vectors.Hex(t, "c");
            if (seed.Length != IncrementalMlKem768.KeyGenerationSeedSize)
            {
                t.GetProperty("result").GetString().ShouldBe("invalid", $"tcId {id}");
                Should.Throw<ArgumentException>(() => IncrementalMlKem768.GenerateKeyPair(seed), $"tcId {id}");
                invalid++;
                continue;
            }

            var (header, vector, dk) = IncrementalMlKem768.GenerateKeyPair(seed);
            using var _ = dk;
            var k = new byte[32];
            var split = Math.Min(c.Length, IncrementalMlKem768.Ciphertext1Size);
            if (t.GetProperty("result").GetString() == "invalid")
            {
                c.Length.ShouldNotBe(1088, $"tcId {id}");
                Should.Throw<ArgumentException>(() => IncrementalMlKem768.Decapsulate(dk, c.AsSpan(0, split), c.AsSpan(split), k), $"tcId {id}");
                invalid++;
                continue;
            }

            Convert.ToHexStringLower(IncrementalMlKem768.StandardEncapsulationKey(header, vector)).ShouldBe(t.GetProperty("ek").GetString(), $"tcId {id}");
            IncrementalMlKem768.Decapsulate(dk, c.AsSpan(0, split), c.AsSpan(split), k);
            Convert.ToHexStringLower(k).ShouldBe(t.GetProperty("K").GetString(), $"tcId {id}");
            valid++;
        }

        valid.ShouldBe(153);
        invalid.ShouldBe(40);
    }

    [Fact]
    public void Every_wycheproof_ml_kem_768_seed_gives_the_vectors_keys()
    {
        // Source: Wycheproof testvectors_v1/mlkem_768_keygen_seed_test.json: ek and the 2,400-byte dk
        // from the seed d ‖ z, and the dk passes the key check applied to stored keys.
        using var doc = Vectors.Wycheproof("mlkem_768_keygen_seed_test.json");
        var count = 0;
        foreach (var (_, t) in Vectors.WycheproofCases(doc))
        {
            var id = t.GetProperty("tcId").GetInt32();
            var (header, vector, dk) = IncrementalMlKem768.GenerateKeyPair(Vectors.Hex(t, "seed"));
            using var _ = dk;
            var exported = new byte[IncrementalMlKem768.DecapsulationKeySize];
            dk.Export(exported);
            Convert.ToHexStringLower(IncrementalMlKem768.StandardEncapsulationKey(header, vector)).ShouldBe(t.GetProperty("ek").GetString(), $"tcId {id}");
            Convert.ToHexStringLower(exported).ShouldBe(t.GetProperty("dk").GetString(), $"tcId {id}");
            IncrementalMlKem768.IsValidDecapsulationKey(exported).ShouldBeTrue($"tcId {id}");
            count++;
        }

        count.ShouldBe(100);
    }

    [Fact]
    public void Every_wycheproof_ml_kem_1024_encapsulation_case_passes_through_the_split_code()
    {
        // Source: Wycheproof testvectors_v1/mlkem_1024_encaps_test.json. The split K-PKE encryption is
        // generic in k, du and dv; with ML-KEM-1024's (4, 11, 5) it must give every valid case's c and K
        // from (ρ, H(ek), m) and then t̂, and its modulus check must refuse every invalid key.
        using var doc = Vectors.Wycheproof("mlkem_1024_encaps_test.json");
        var p = MlKemParameters.MlKem1024;
        int valid = 0, invalid = 0;
        foreach (var (_, t) in Vectors.WycheproofCases(doc))
        {
            var id = t.GetProperty("tcId").GetInt32();
            var ek = Vectors.Hex(t, "ek");
            var m = Vectors.Hex(t, "m");
            if (t.GetProperty("result").GetString() == "invalid")
            {
                (ek.Length == 1568 && SplitKPkeEncryption.IsReduced(p, ek.AsSpan(0, 1536))).ShouldBeFalse($"tcId {id}");
                invalid++;
                continue;
            }

            var hash = new byte[32];
            SplitKPkeEncryption.H(ek, default, hash);
            var c = new byte[p.Ciphertext1Size + p.Ciphertext2Size];
            var k = new byte[32];
            SplitKPkeEncryption.EncryptFirstHalf(p, ek.AsSpan(1536), hash, m, c.AsSpan(0, p.Ciphertext1Size), k);
            SplitKPkeEncryption.EncryptSecondHalf(p, ek.AsSpan(0, 1536), hash, m, c.AsSpan(p.Ciphertext1Size));
            Convert.ToHexStringLower(c).ShouldBe(t.GetProperty("c").GetString(), $"tcId {id}");
            Convert.ToHexStringLower(k).ShouldBe(t.GetProperty("K").GetString(), $"tcId {id}");
            valid++;
        }

        valid.ShouldBe(133);
        invalid.ShouldBe(136);
    }

    private static byte[] SplitHash(ReadOnlySpan<byte> ek)
    {
        var hash = new byte[32];
        SplitKPkeEncryption.H(ek, default, hash);
        return hash;
    }

    private static (byte[] Ciphertext, byte[] Secret) StandardEncapsulate(byte[] ek, byte[] m)
    {
        var encapsulator = new MLKemEncapsulator(MLKemParameters.ml_kem_768);
        encapsulator.Init(new ParametersWithRandom(MLKemPublicKeyParameters.FromEncoding(MLKemParameters.ml_kem_768, ek), new SecureRandom(new BouncyCastleMlKem1024.FixedBytesGenerator(m))));
        var ciphertext = new byte[1088];
        var secret = new byte[32];
        encapsulator.Encapsulate(ciphertext, 0, 1088, secret, 0, 32);
        return (ciphertext, secret);
    }
}
