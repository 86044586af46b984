using Parley.Protocol.Spqr;

namespace Parley.Protocol.Tests.Spqr;

/// <summary>
/// GF(2^16) against an independent bitwise implementation, and SPQR's Reed–Solomon code as properties:
/// any N distinct chunks, in any order and with repeats, give the payload back.
/// </summary>
public sealed class Gf16AndErasureCodeTests
{
    [Fact]
    public void Table_multiplication_and_division_agree_with_carry_less_multiplication_mod_0x1100B()
    {
        var random = new Random(16);
        for (var i = 0; i < 20_000; i++)
        {
            var a = (ushort)random.Next(65536);
            var b = (ushort)random.Next(65536);
            var product = Gf16.Multiply(a, b);
            product.ShouldBe(BitwiseMultiply(a, b), $"{a:x4}·{b:x4}");
            if (b != 0)
            {
                Gf16.Divide(product, b).ShouldBe(a, $"{a:x4}·{b:x4}/{b:x4}");
            }
        }

        Gf16.Divide(7, 0).ShouldBe((ushort)0); // spqr: dividing by zero gives zero
        Gf16.Multiply(0x8000, 2).ShouldBe((ushort)0x100B); // x^15 · x = x^16 = x^12 + x^3 + x + 1
    }

    [Theory]
    [InlineData(96)]
    [InlineData(160)]
    [InlineData(960)]
    [InlineData(1152)]
    public void Any_n_distinct_chunks_in_any_order_decode_the_payload(int length)
    {
        var random = new Random(length);
        var n = length / 32;
        for (var round = 0; round < 30; round++)
        {
            var payload = new byte[length];
            random.NextBytes(payload);
            var encoder = new ChunkEncoder(payload);
            var chunks = new List<Chunk>();
            for (var i = 0; i < (2 * n) + 5; i++)
            {
                (encoder, var chunk) = encoder.NextChunk();
                chunks.Add(chunk);
            }

            // a random selection of N distinct chunks (systematic and parity mixed), shuffled, with repeats
            var chosen = chunks.OrderBy(_ => random.Next()).Take(n).ToList();
            var decoder = new ChunkDecoder(length);
            foreach (var chunk in chosen.Concat(chosen.Take(3)).OrderBy(_ => random.Next()))
            {
                decoder.Decode().ShouldBeNull();
                decoder = decoder.Add(chunk);
                if (decoder.Chunks.Count == n)
                {
                    break;
                }
            }

            decoder.Decode().ShouldBe(payload, $"round {round}");
        }
    }

    [Fact]
    public void Systematic_chunks_are_the_payload_and_parity_starts_after_them()
    {
        var payload = Enumerable.Range(0, 96).Select(i => (byte)i).ToArray();
        var encoder = new ChunkEncoder(payload);
        for (var k = 0; k < 6; k++)
        {
            (encoder, var chunk) = encoder.NextChunk();
            chunk.Index.ShouldBe((ushort)k);
            if (k < 3)
            {
                chunk.Data.ShouldBe(payload[(32 * k)..(32 * (k + 1))]);
            }
        }

        encoder.Counter.ShouldBe(6u);
        new ChunkEncoder(payload, 65536 + 1).NextChunk().Chunk.Index.ShouldBe((ushort)1); // the index is the counter mod 2^16
    }

    [Fact]
    public void A_decoder_holds_at_most_two_n_chunks_and_replaces_repeats()
    {
        var payload = new byte[160];
        new Random(5).NextBytes(payload);
        var encoder = new ChunkEncoder(payload);
        var chunks = new List<Chunk>();
        for (var i = 0; i < 40; i++)
        {
            (encoder, var chunk) = encoder.NextChunk();
            chunks.Add(chunk);
        }

        var decoder = new ChunkDecoder(160);
        foreach (var chunk in chunks.Skip(5)) // parity only: kept while fewer than N are held
        {
            decoder = decoder.Add(chunk);
        }

        decoder.Chunks.Count.ShouldBe(5);
        foreach (var chunk in chunks.Take(5))
        {
            decoder = decoder.Add(chunk);
        }

        decoder.Chunks.Count.ShouldBe(10); // 2N at most: the systematic ones are always kept
        decoder.Decode().ShouldBe(payload);
        var forged = decoder.Add(new Chunk(0, new byte[32]));
        forged.Chunks.Count.ShouldBe(10);
        forged.Decode()![..32].ShouldBe(new byte[32]); // same index: replaced (the MACs catch a forgery)
    }

    private static ushort BitwiseMultiply(ushort a, ushort b)
    {
        var result = 0;
        var x = (int)a;
        for (var bit = 0; bit < 16; bit++)
        {
            if ((b & (1 << bit)) != 0)
            {
                result ^= x;
            }

            x <<= 1;
            if ((x & 0x10000) != 0)
            {
                x ^= 0x1100B;
            }
        }

        return (ushort)result;
    }
}
