using Org.BouncyCastle.Crypto.Digests;

namespace Parley.Crypto.Kem;

/// <summary>
/// ML-KEM's ring R_q = Z_3329[X]/(X^256 + 1) (FIPS 203 §4): the NTT and its inverse (Algorithms 9–10),
/// multiplication in the NTT domain (Algorithms 11–12), sampling (Algorithms 7–8), compression
/// (§4.2.1) and byte encoding (Algorithms 5–6). Polynomials are 256 coefficients in [0, q).
/// </summary>
/// <remarks>
/// Secret values (the encapsulation randomness and noise) only meet arithmetic here: no branch or
/// table index depends on them. Division by the constant q is compiled to a multiply and shift.
/// SHAKE comes from BouncyCastle, so nothing depends on the platform's OpenSSL.
/// </remarks>
internal static class MlKemRing
{
    public const int N = 256;
    public const int Q = 3329;

    /// <summary>ζ^BitRev7(i) mod q for ζ = 17 (FIPS 203 Appendix A).</summary>
    private static readonly int[] Zetas = BuildZetas(odd: false);

    /// <summary>ζ^(2·BitRev7(i)+1) mod q, the moduli of the 128 degree-2 factors (Appendix A).</summary>
    private static readonly int[] Gammas = BuildZetas(odd: true);

    /// <summary>128⁻¹ mod q, the inverse NTT's final scaling.</summary>
    private const int InverseOf128 = 3303;

    public static void Ntt(Span<int> f)
    {
        var k = 1;
        for (var len = 128; len >= 2; len /= 2)
        {
            for (var start = 0; start < N; start += 2 * len)
            {
                var zeta = Zetas[k++];
                for (var j = start; j < start + len; j++)
                {
                    var t = (int)((uint)(zeta * f[j + len]) % Q);
                    f[j + len] = (f[j] - t + Q) % Q;
                    f[j] = (f[j] + t) % Q;
                }
            }
        }
    }

    public static void InverseNtt(Span<int> f)
    {
        var k = 127;
        for (var len = 2; len <= 128; len *= 2)
        {
            for (var start = 0; start < N; start += 2 * len)
            {
                var zeta = Zetas[k--];
                for (var j = start; j < start + len; j++)
                {
                    var t = f[j];
                    f[j] = (t + f[j + len]) % Q;
                    f[j + len] = (int)((uint)(zeta * (f[j + len] - t + Q)) % Q);
                }
            }
        }

        for (var j = 0; j < N; j++)
        {
            f[j] = (int)((uint)(f[j] * InverseOf128) % Q);
        }
    }

    /// <summary><paramref name="accumulator"/> += f ∘ g in the NTT domain (Algorithm 11).</summary>
    public static void MultiplyAdd(ReadOnlySpan<int> f, ReadOnlySpan<int> g, Span<int> accumulator)
    {
        for (var i = 0; i < 128; i++)
        {
            int a0 = f[2 * i], a1 = f[(2 * i) + 1], b0 = g[2 * i], b1 = g[(2 * i) + 1];
            var a1b1 = (int)((uint)(a1 * b1) % Q);
            var c0 = ((uint)(a0 * b0) + ((uint)(a1b1 * Gammas[i]))) % Q;
            var c1 = ((uint)(a0 * b1) + (uint)(a1 * b0)) % Q;
            accumulator[2 * i] = (int)((accumulator[2 * i] + c0) % Q);
            accumulator[(2 * i) + 1] = (int)((accumulator[(2 * i) + 1] + c1) % Q);
        }
    }

    public static void Add(Span<int> f, ReadOnlySpan<int> g)
    {
        for (var i = 0; i < N; i++)
        {
            f[i] = (f[i] + g[i]) % Q;
        }
    }

    /// <summary>SampleNTT(ρ ‖ j ‖ i) (Algorithm 7): rejection sampling from SHAKE128. Public input only.</summary>
    public static void SampleNtt(ReadOnlySpan<byte> rho, byte j, byte i, Span<int> a)
    {
        var xof = new ShakeDigest(128);
        xof.BlockUpdate(rho);
        xof.Update(j);
        xof.Update(i);
        Span<byte> block = stackalloc byte[168]; // one SHAKE128 rate block
        var count = 0;
        while (count < N)
        {
            xof.Output(block);
            for (var p = 0; p + 3 <= block.Length && count < N; p += 3)
            {
                var d1 = block[p] | ((block[p + 1] & 0x0F) << 8);
                var d2 = (block[p + 1] >> 4) | (block[p + 2] << 4);
                if (d1 < Q)
                {
                    a[count++] = d1;
                }

                if (d2 < Q && count < N)
                {
                    a[count++] = d2;
                }
            }
        }
    }

    /// <summary>SamplePolyCBD₂(PRF₂(s, b)) (Algorithms 8 and §4.1's PRF = SHAKE256(s ‖ b, 128)).</summary>
    public static void SampleCbd2(ReadOnlySpan<byte> s, byte b, Span<int> f)
    {
        Span<byte> bytes = stackalloc byte[128];
        var prf = new ShakeDigest(256);
        prf.BlockUpdate(s);
        prf.Update(b);
        prf.OutputFinal(bytes);
        for (var i = 0; i < 128; i++)
        {
            int v = bytes[i];
            // each nibble is x0 x1 y0 y1: coefficient = (x0 + x1) − (y0 + y1)
            var lo = (v & 1) + ((v >> 1) & 1) - ((v >> 2) & 1) - ((v >> 3) & 1);
            var hi = ((v >> 4) & 1) + ((v >> 5) & 1) - ((v >> 6) & 1) - ((v >> 7) & 1);
            f[2 * i] = lo + Q;
            f[(2 * i) + 1] = hi + Q;
            f[2 * i] %= Q;
            f[(2 * i) + 1] %= Q;
        }

        bytes.Clear();
    }

    /// <summary>Compress_d then ByteEncode_d (d &lt; 12): 32·d bytes.</summary>
    public static void CompressAndEncode(ReadOnlySpan<int> f, int d, Span<byte> output)
    {
        var mask = (1u << d) - 1;
        ulong buffer = 0;
        var bits = 0;
        var o = 0;
        for (var i = 0; i < N; i++)
        {
            var compressed = ((((uint)f[i] << d) + (Q / 2)) / Q) & mask;
            buffer |= (ulong)compressed << bits;
            bits += d;
            while (bits >= 8)
            {
                output[o++] = (byte)buffer;
                buffer >>= 8;
                bits -= 8;
            }
        }
    }

    /// <summary>ByteDecode₁₂ without the reduction: false when a coefficient is not below q (FIPS 203 §7.2 modulus check).</summary>
    public static bool TryDecode12(ReadOnlySpan<byte> input, Span<int> f)
    {
        var valid = true;
        for (var i = 0; i < N / 2; i++)
        {
            var b0 = input[3 * i];
            var b1 = input[(3 * i) + 1];
            var b2 = input[(3 * i) + 2];
            f[2 * i] = b0 | ((b1 & 0x0F) << 8);
            f[(2 * i) + 1] = (b1 >> 4) | (b2 << 4);
            valid &= f[2 * i] < Q && f[(2 * i) + 1] < Q;
        }

        return valid;
    }

    /// <summary>Decompress₁(ByteDecode₁(m)): each bit of the 32-byte message becomes 0 or ⌈q/2⌋ = 1665.</summary>
    public static void DecodeMessage(ReadOnlySpan<byte> m, Span<int> f)
    {
        for (var i = 0; i < N; i++)
        {
            f[i] = ((m[i >> 3] >> (i & 7)) & 1) * ((Q + 1) / 2);
        }
    }

    private static int[] BuildZetas(bool odd)
    {
        var result = new int[128];
        for (var i = 0; i < 128; i++)
        {
            var reversed = 0;
            for (var bit = 0; bit < 7; bit++)
            {
                reversed |= ((i >> bit) & 1) << (6 - bit);
            }

            var exponent = odd ? (2 * reversed) + 1 : reversed;
            var value = 1;
            for (var e = 0; e < exponent; e++)
            {
                value = value * 17 % Q;
            }

            result[i] = value;
        }

        return result;
    }
}
