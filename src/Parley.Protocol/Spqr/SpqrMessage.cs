namespace Parley.Protocol.Spqr;

/// <summary>What an SPQR V1 message carries (spqr <c>MessagePayload</c>; the byte is its wire type).</summary>
internal enum SpqrPayload : byte
{
    None = 0,
    Hdr = 1,
    Ek = 2,
    EkCt1Ack = 3,
    Ct1Ack = 4,
    Ct1 = 5,
    Ct2 = 6,
}

/// <summary>
/// One SPQR V1 message (spqr <c>v1/chunked/states/serialize.rs</c>, not protobuf):
/// <c>0x01 ‖ varint epoch ‖ varint index ‖ type [‖ varint chunk index ‖ chunk(32)]</c>, the chunk only
/// for Hdr, Ek, EkCt1Ack, Ct1 and Ct2. Trailing bytes are allowed (reserved for upgrades).
/// </summary>
internal readonly record struct SpqrMessage(ulong Epoch, uint Index, SpqrPayload Type, Chunk Chunk)
{
    public const byte Version1 = 0x01;

    /// <summary>The longest encoding: version, two 10-byte varints, type, a 3-byte chunk index and the chunk.</summary>
    public const int MaxEncodedSize = 1 + 10 + 10 + 1 + 3 + Chunk.Size;

    public static bool CarriesChunk(SpqrPayload type) => type is SpqrPayload.Hdr or SpqrPayload.Ek or SpqrPayload.EkCt1Ack or SpqrPayload.Ct1 or SpqrPayload.Ct2;

    public byte[] Encode()
    {
        Span<byte> buffer = stackalloc byte[MaxEncodedSize];
        var n = 0;
        buffer[n++] = Version1;
        n += WriteVarint(buffer[n..], Epoch);
        n += WriteVarint(buffer[n..], Index);
        buffer[n++] = (byte)Type;
        if (CarriesChunk(Type))
        {
            n += WriteVarint(buffer[n..], Chunk.Index);
            Chunk.Data.CopyTo(buffer[n..]);
            n += Chunk.Size;
        }

        return buffer[..n].ToArray();
    }

    /// <summary>spqr's MsgDecode rules: version 1, epoch ≥ 1, index within u32, a known type, a chunk index ≤ 65535 and 32 bytes of chunk.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> message, out SpqrMessage decoded)
    {
        decoded = default;
        if (message.IsEmpty || message[0] != Version1)
        {
            return false;
        }

        var position = 1;
        if (!TryReadVarint(message, ref position, out var epoch) || epoch == 0
            || !TryReadVarint(message, ref position, out var index) || index > uint.MaxValue
            || position >= message.Length)
        {
            return false;
        }

        var type = message[position++];
        if (type > (byte)SpqrPayload.Ct2)
        {
            return false;
        }

        var chunk = default(Chunk);
        if (CarriesChunk((SpqrPayload)type))
        {
            if (!TryReadVarint(message, ref position, out var chunkIndex) || chunkIndex > ushort.MaxValue
                || message.Length - position < Chunk.Size)
            {
                return false;
            }

            chunk = new Chunk((ushort)chunkIndex, message.Slice(position, Chunk.Size).ToArray());
        }

        decoded = new SpqrMessage(epoch, (uint)index, (SpqrPayload)type, chunk);
        return true;
    }

    private static int WriteVarint(Span<byte> destination, ulong value)
    {
        var n = 0;
        while (value >= 0x80)
        {
            destination[n++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[n++] = (byte)value;
        return n;
    }

    /// <summary>LEB128, at most 10 bytes; non-minimal forms accepted, bits past 64 dropped (as spqr reads it).</summary>
    private static bool TryReadVarint(ReadOnlySpan<byte> data, ref int position, out ulong value)
    {
        value = 0;
        for (var i = 0; i < 10; i++)
        {
            if (position >= data.Length)
            {
                return false;
            }

            var b = data[position++];
            var shift = 7 * i;
            if (shift < 64)
            {
                value |= (ulong)(b & 0x7F) << shift;
            }

            if ((b & 0x80) == 0)
            {
                return true;
            }
        }

        return false;
    }
}
