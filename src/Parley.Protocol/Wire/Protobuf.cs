namespace Parley.Protocol.Wire;

/// <summary>
/// The protobuf subset Parley's wire and storage formats need: varints and length-delimited fields,
/// written in field-number order as prost does. Unknown fields are skipped on read.
/// </summary>
internal sealed class ProtoWriter
{
    private byte[] _buffer;
    private int _length;

    public ProtoWriter(int capacity = 64) => _buffer = new byte[capacity];

    public int Length => _length;

    public void WriteRawByte(byte value)
    {
        Ensure(1);
        _buffer[_length++] = value;
    }

    public void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    public void WriteVarint(ulong value)
    {
        Ensure(10);
        while (value >= 0x80)
        {
            _buffer[_length++] = (byte)(value | 0x80);
            value >>= 7;
        }

        _buffer[_length++] = (byte)value;
    }

    public void WriteUInt(int field, ulong value)
    {
        WriteVarint((ulong)field << 3);
        WriteVarint(value);
    }

    public void WriteBytes(int field, ReadOnlySpan<byte> value)
    {
        WriteVarint(((ulong)field << 3) | 2);
        WriteVarint((ulong)value.Length);
        WriteRaw(value);
    }

    public void WriteMessage(int field, ProtoWriter nested) => WriteBytes(field, nested.AsSpan());

    public ReadOnlySpan<byte> AsSpan() => _buffer.AsSpan(0, _length);

    public byte[] ToArray() => _buffer.AsSpan(0, _length).ToArray();

    private void Ensure(int extra)
    {
        if (_length + extra > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + extra));
        }
    }
}

/// <summary>A forward-only protobuf reader over a span. Malformed input throws <see cref="FormatException"/>.</summary>
internal ref struct ProtoReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;

    public readonly bool End => _position >= _data.Length;

    /// <summary>Reads the next field header; false at the end of the input.</summary>
    public bool TryReadTag(out int field, out int wireType)
    {
        if (End)
        {
            field = 0;
            wireType = 0;
            return false;
        }

        var tag = ReadVarint();
        field = (int)(tag >> 3);
        wireType = (int)(tag & 7);
        if (field <= 0 || tag >> 3 > int.MaxValue)
        {
            throw new FormatException("invalid protobuf field number");
        }

        return true;
    }

    public ulong ReadVarint()
    {
        ulong result = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            if (_position >= _data.Length)
            {
                throw new FormatException("truncated varint");
            }

            var b = _data[_position++];
            if (shift < 64)
            {
                result |= (ulong)(b & 0x7F) << shift;
            }

            if ((b & 0x80) == 0)
            {
                return result;
            }
        }

        throw new FormatException("varint too long");
    }

    public uint ReadUInt32(int wireType)
    {
        Expect(wireType, 0);
        return (uint)ReadVarint();
    }

    public ulong ReadUInt64(int wireType)
    {
        Expect(wireType, 0);
        return ReadVarint();
    }

    public ReadOnlySpan<byte> ReadBytes(int wireType)
    {
        Expect(wireType, 2);
        var length = ReadVarint();
        if (length > (ulong)(_data.Length - _position))
        {
            throw new FormatException("truncated length-delimited field");
        }

        var result = _data.Slice(_position, (int)length);
        _position += (int)length;
        return result;
    }

    public void Skip(int wireType)
    {
        switch (wireType)
        {
            case 0:
                ReadVarint();
                break;
            case 1:
                Advance(8);
                break;
            case 2:
                ReadBytes(2);
                break;
            case 5:
                Advance(4);
                break;
            default:
                throw new FormatException("unsupported protobuf wire type");
        }
    }

    private void Advance(int n)
    {
        if (_data.Length - _position < n)
        {
            throw new FormatException("truncated fixed-width field");
        }

        _position += n;
    }

    private static void Expect(int actual, int expected)
    {
        if (actual != expected)
        {
            throw new FormatException("unexpected protobuf wire type");
        }
    }
}
