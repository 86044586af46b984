using System.Buffers.Binary;

namespace Parley.Protocol.Spqr;

/// <summary>One 32-byte piece of an erasure-coded payload and its index (spqr <c>encoding::Chunk</c>).</summary>
internal readonly record struct Chunk(ushort Index, byte[] Data)
{
    public const int Size = 32;
}

/// <summary>
/// SPQR's Reed–Solomon erasure code over <see cref="Gf16"/> (spqr <c>encoding/polynomial.rs</c>). A
/// payload of 32·N bytes is read as big-endian u16 values w[i]; value i is the point
/// (i div 16, w[i]) of polynomial i mod 16, so 16 polynomials of degree &lt; N pass through the data.
/// Chunk k holds the 16 polynomials' values at x = k: for k &lt; N exactly the payload's bytes
/// [32k, 32k + 32), beyond that parity. Any N distinct chunks give the payload back.
/// </summary>
internal static class ErasureCode
{
    /// <summary>Payload sizes SPQR V1 codes: hdr ‖ mac, ct2 ‖ mac, ct1 and the encapsulation key.</summary>
    public static bool IsCodedSize(int length) => length is 96 or 160 or 960 or 1152;

    /// <summary>
    /// The Lagrange weights ℓ_i(x) = Π_{m≠i} (x − x_m) / (x_i − x_m) for the distinct points
    /// <paramref name="xs"/>, so that P(x) = Σ ℓ_i(x)·P(x_i). Subtraction is XOR in GF(2^16).
    /// </summary>
    public static void Weights(ReadOnlySpan<ushort> xs, ushort x, Span<ushort> weights)
    {
        for (var i = 0; i < xs.Length; i++)
        {
            ushort numerator = 1, denominator = 1;
            for (var m = 0; m < xs.Length; m++)
            {
                if (m != i)
                {
                    numerator = Gf16.Multiply(numerator, (ushort)(x ^ xs[m]));
                    denominator = Gf16.Multiply(denominator, (ushort)(xs[i] ^ xs[m]));
                }
            }

            weights[i] = Gf16.Divide(numerator, denominator);
        }
    }

    /// <summary>Writes the chunk at <paramref name="x"/> interpolated through the chunks <paramref name="ys"/> at the distinct indices <paramref name="xs"/>.</summary>
    public static void Interpolate(ReadOnlySpan<ushort> xs, IReadOnlyList<byte[]> ys, ushort x, Span<byte> chunk)
    {
        Span<ushort> weights = stackalloc ushort[xs.Length];
        Weights(xs, x, weights);
        for (var j = 0; j < 16; j++)
        {
            ushort value = 0;
            for (var i = 0; i < xs.Length; i++)
            {
                value ^= Gf16.Multiply(weights[i], BinaryPrimitives.ReadUInt16BigEndian(ys[i].AsSpan(2 * j)));
            }

            BinaryPrimitives.WriteUInt16BigEndian(chunk[(2 * j)..], value);
        }
    }
}

/// <summary>
/// Sends one payload as chunks 0, 1, 2, … (the index is a u32 counter mod 2^16, kept in state):
/// the payload itself first, then parity for as long as the braid asks. Immutable.
/// </summary>
internal sealed class ChunkEncoder
{
    private readonly byte[] _payload;

    public ChunkEncoder(byte[] payload, uint counter = 0)
    {
        if (!ErasureCode.IsCodedSize(payload.Length))
        {
            throw new ArgumentException("Not an SPQR payload size.", nameof(payload));
        }

        _payload = payload;
        Counter = counter;
    }

    public uint Counter { get; }

    public ReadOnlySpan<byte> Payload => _payload;

    private int PointCount => _payload.Length / Chunk.Size;

    public (ChunkEncoder Next, Chunk Chunk) NextChunk()
    {
        var index = (ushort)Counter;
        var data = new byte[Chunk.Size];
        if (index < PointCount)
        {
            _payload.AsSpan(index * Chunk.Size, Chunk.Size).CopyTo(data);
        }
        else
        {
            Span<ushort> xs = stackalloc ushort[PointCount];
            var ys = new byte[PointCount][];
            for (var i = 0; i < PointCount; i++)
            {
                xs[i] = (ushort)i;
                ys[i] = _payload[(i * Chunk.Size)..((i + 1) * Chunk.Size)];
            }

            ErasureCode.Interpolate(xs, ys, index, data);
        }

        return (new ChunkEncoder(_payload, Counter + 1), new Chunk(index, data));
    }
}

/// <summary>
/// Collects chunks of a payload of known length, in any order, with repeats; immutable (adding gives
/// a new decoder). A chunk is kept when its index is systematic (&lt; N) or fewer than N are held, and
/// replaces one of the same index, as spqr's sorted sets do; so at most 2N are ever held (N parity, then N systematic). Decoding
/// interpolates missing systematic chunks through the first N held, in ascending index order.
/// </summary>
internal sealed class ChunkDecoder
{
    private readonly Chunk[] _chunks; // ascending index

    public ChunkDecoder(int payloadLength)
        : this(payloadLength, [])
    {
    }

    private ChunkDecoder(int payloadLength, Chunk[] chunks)
    {
        if (!ErasureCode.IsCodedSize(payloadLength))
        {
            throw new ArgumentException("Not an SPQR payload size.", nameof(payloadLength));
        }

        PayloadLength = payloadLength;
        _chunks = chunks;
    }

    public int PayloadLength { get; }

    public IReadOnlyList<Chunk> Chunks => _chunks;

    private int PointCount => PayloadLength / Chunk.Size;

    /// <summary>A decoder holding <paramref name="chunks"/> (from storage): false when they break the decoder's rules.</summary>
    public static bool TryRestore(int payloadLength, IReadOnlyList<Chunk> chunks, out ChunkDecoder? decoder)
    {
        decoder = null;
        var n = payloadLength / Chunk.Size;
        if (!ErasureCode.IsCodedSize(payloadLength) || chunks.Count > 2 * n)
        {
            return false;
        }

        var parity = 0;
        for (var i = 0; i < chunks.Count; i++)
        {
            if (chunks[i].Data.Length != Chunk.Size || (i > 0 && chunks[i].Index <= chunks[i - 1].Index))
            {
                return false;
            }

            parity += chunks[i].Index >= n ? 1 : 0;
        }

        if (parity > n)
        {
            return false;
        }

        decoder = new ChunkDecoder(payloadLength, [.. chunks]);
        return true;
    }

    public ChunkDecoder Add(Chunk chunk)
    {
        var position = Array.BinarySearch(_chunks, chunk, IndexOrder.Instance);
        if (position >= 0)
        {
            var replaced = (Chunk[])_chunks.Clone();
            replaced[position] = chunk with { Data = chunk.Data.ToArray() };
            return new ChunkDecoder(PayloadLength, replaced);
        }

        if (chunk.Index >= PointCount && _chunks.Length >= PointCount)
        {
            return this;
        }

        var insertAt = ~position;
        var added = new Chunk[_chunks.Length + 1];
        _chunks.AsSpan(0, insertAt).CopyTo(added);
        added[insertAt] = chunk with { Data = chunk.Data.ToArray() };
        _chunks.AsSpan(insertAt).CopyTo(added.AsSpan(insertAt + 1));
        return new ChunkDecoder(PayloadLength, added);
    }

    /// <summary>The payload once N distinct chunks are held, otherwise null.</summary>
    public byte[]? Decode()
    {
        var n = PointCount;
        if (_chunks.Length < n)
        {
            return null;
        }

        var payload = new byte[PayloadLength];
        Span<ushort> xs = stackalloc ushort[n];
        var ys = new byte[n][];
        for (var i = 0; i < n; i++)
        {
            xs[i] = _chunks[i].Index;
            ys[i] = _chunks[i].Data;
        }

        var next = 0;
        for (var x = 0; x < n; x++)
        {
            while (next < _chunks.Length && _chunks[next].Index < x)
            {
                next++;
            }

            var target = payload.AsSpan(x * Chunk.Size, Chunk.Size);
            if (next < _chunks.Length && _chunks[next].Index == x)
            {
                _chunks[next].Data.CopyTo(target);
            }
            else
            {
                ErasureCode.Interpolate(xs, ys, (ushort)x, target);
            }
        }

        return payload;
    }

    private sealed class IndexOrder : IComparer<Chunk>
    {
        public static IndexOrder Instance { get; } = new();

        public int Compare(Chunk a, Chunk b) => a.Index.CompareTo(b.Index);
    }
}
