using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Digests;

namespace Parley.Crypto.Kem;

/// <summary>An ML-KEM parameter set as far as encryption needs it (FIPS 203 §8, Table 2; η₁ = η₂ = 2 for both).</summary>
internal sealed record MlKemParameters(int K, int Du, int Dv)
{
    public static MlKemParameters MlKem768 { get; } = new(3, 10, 4);

    public static MlKemParameters MlKem1024 { get; } = new(4, 11, 5);

    /// <summary>ByteEncode₁₂(t̂): the encapsulation key without ρ.</summary>
    public int VectorSize => 384 * K;

    public int Ciphertext1Size => 32 * Du * K;

    public int Ciphertext2Size => 32 * Dv;
}

/// <summary>
/// ML-KEM.Encaps_internal (FIPS 203 Algorithms 17 and 14) split in two, as SPQR's incremental ML-KEM
/// needs it: the first half needs only ρ and H(ek) and gives ct1 = ByteEncode_du(Compress_du(u)) and
/// K; the second half needs t̂ and gives ct2 = ByteEncode_dv(Compress_dv(v)). Together they give
/// exactly the standard ciphertext ct1 ‖ ct2 and shared secret. Between the halves only m and H(ek)
/// are kept: the second half derives r, r̂ and e₂ again.
/// </summary>
internal static class SplitKPkeEncryption
{
    public const int MessageSize = 32;
    public const int HashSize = 32;

    /// <summary>(K, r) = G(m ‖ H(ek)); ct1 from ρ and r. Writes ct1 and K.</summary>
    public static void EncryptFirstHalf(MlKemParameters p, ReadOnlySpan<byte> rho, ReadOnlySpan<byte> ekHash, ReadOnlySpan<byte> m, Span<byte> ciphertext1, Span<byte> sharedSecret)
    {
        Span<byte> kr = stackalloc byte[64];
        var y = new int[p.K * MlKemRing.N];
        var accumulator = new int[MlKemRing.N];
        var a = new int[MlKemRing.N];
        var e1 = new int[MlKemRing.N];
        try
        {
            G(m, ekHash, kr);
            SampleY(p, kr[32..], y);
            for (var i = 0; i < p.K; i++)
            {
                // u[i] = NTT⁻¹(Σ_j Â[j, i] ∘ ŷ[j]) + e₁[i], with Â[j, i] = SampleNTT(ρ ‖ i ‖ j)
                Array.Clear(accumulator);
                for (var j = 0; j < p.K; j++)
                {
                    MlKemRing.SampleNtt(rho, (byte)i, (byte)j, a);
                    MlKemRing.MultiplyAdd(a, y.AsSpan(j * MlKemRing.N, MlKemRing.N), accumulator);
                }

                MlKemRing.InverseNtt(accumulator);
                MlKemRing.SampleCbd2(kr[32..], (byte)(p.K + i), e1);
                MlKemRing.Add(accumulator, e1);
                MlKemRing.CompressAndEncode(accumulator, p.Du, ciphertext1.Slice(32 * p.Du * i, 32 * p.Du));
            }

            kr[..32].CopyTo(sharedSecret);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kr);
            Array.Clear(y);
            Array.Clear(accumulator);
            Array.Clear(e1);
        }
    }

    /// <summary>ct2 from t̂ (the decoded <paramref name="vector"/>), m and H(ek). The vector must pass the modulus check.</summary>
    public static void EncryptSecondHalf(MlKemParameters p, ReadOnlySpan<byte> vector, ReadOnlySpan<byte> ekHash, ReadOnlySpan<byte> m, Span<byte> ciphertext2)
    {
        Span<byte> kr = stackalloc byte[64];
        var y = new int[p.K * MlKemRing.N];
        var t = new int[MlKemRing.N];
        var v = new int[MlKemRing.N];
        var noise = new int[MlKemRing.N];
        try
        {
            G(m, ekHash, kr);
            SampleY(p, kr[32..], y);
            for (var i = 0; i < p.K; i++)
            {
                if (!MlKemRing.TryDecode12(vector.Slice(384 * i, 384), t))
                {
                    throw new ArgumentException("The encapsulation key fails the modulus check.", nameof(vector));
                }

                MlKemRing.MultiplyAdd(t, y.AsSpan(i * MlKemRing.N, MlKemRing.N), v);
            }

            // v = NTT⁻¹(t̂ᵀ ∘ ŷ) + e₂ + μ
            MlKemRing.InverseNtt(v);
            MlKemRing.SampleCbd2(kr[32..], (byte)(2 * p.K), noise);
            MlKemRing.Add(v, noise);
            MlKemRing.DecodeMessage(m, noise);
            MlKemRing.Add(v, noise);
            MlKemRing.CompressAndEncode(v, p.Dv, ciphertext2);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kr);
            Array.Clear(y);
            Array.Clear(v);
            Array.Clear(noise);
        }
    }

    /// <summary>FIPS 203 §7.2's modulus check on ByteEncode₁₂(t̂).</summary>
    public static bool IsReduced(MlKemParameters p, ReadOnlySpan<byte> vector)
    {
        Span<int> f = stackalloc int[MlKemRing.N];
        var valid = vector.Length == p.VectorSize;
        for (var i = 0; valid && i < p.K; i++)
        {
            valid = MlKemRing.TryDecode12(vector.Slice(384 * i, 384), f);
        }

        return valid;
    }

    /// <summary>H = SHA3-256.</summary>
    public static void H(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, Span<byte> output)
    {
        var sha3 = new Sha3Digest(256);
        sha3.BlockUpdate(first);
        sha3.BlockUpdate(second);
        sha3.DoFinal(output);
    }

    /// <summary>G = SHA3-512.</summary>
    private static void G(ReadOnlySpan<byte> m, ReadOnlySpan<byte> ekHash, Span<byte> output)
    {
        var sha3 = new Sha3Digest(512);
        sha3.BlockUpdate(m);
        sha3.BlockUpdate(ekHash);
        sha3.DoFinal(output);
    }

    /// <summary>ŷ[i] = NTT(SamplePolyCBD₂(PRF(r, i))) for i &lt; k.</summary>
    private static void SampleY(MlKemParameters p, ReadOnlySpan<byte> r, int[] y)
    {
        for (var i = 0; i < p.K; i++)
        {
            var yi = y.AsSpan(i * MlKemRing.N, MlKemRing.N);
            MlKemRing.SampleCbd2(r, (byte)i, yi);
            MlKemRing.Ntt(yi);
        }
    }
}
