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

/// <summary>
/// A forward-only protobuf reader over a span that accepts exactly what prost (libsignal's protobuf
/// library) accepts: tags up to 2^32 − 1 with field numbers from 1, varints of at most 10 bytes that fit
/// in 64 bits, unknown fields of every valid wire type skipped (groups included, nested at most
/// <see cref="MaxGroupNesting"/> deep). Malformed input throws <see cref="FormatException"/>.
/// </summary>
internal ref struct ProtoReader(ReadOnlySpan<byte> data)
{
    /// <summary>prost's recursion limit, which bounds how deeply unknown groups may nest.</summary>
    public const int MaxGroupNesting = 100;

    private const int WireVarint = 0;
    private const int WireFixed64 = 1;
    private const int WireLengthDelimited = 2;
    private const int WireStartGroup = 3;
    private const int WireEndGroup = 4;
    private const int WireFixed32 = 5;

    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;
    private int _lastField;

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

        (field, wireType) = ReadTag();
        _lastField = field;
        return true;
    }

    public ulong ReadVarint()
    {
        ulong result = 0;
        for (var shift = 0; ; shift += 7)
        {
            if (_position >= _data.Length)
            {
                throw new FormatException("truncated varint");
            }

            var b = _data[_position++];
            if (shift == 63 && b > 1)
            {
                throw new FormatException("varint does not fit in 64 bits");
            }

            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }
    }

    public uint ReadUInt32(int wireType)
    {
        Expect(wireType, WireVarint);
        return (uint)ReadVarint();
    }

    public ulong ReadUInt64(int wireType)
    {
        Expect(wireType, WireVarint);
        return ReadVarint();
    }

    public ReadOnlySpan<byte> ReadBytes(int wireType)
    {
        Expect(wireType, WireLengthDelimited);
        var length = ReadVarint();
        if (length > (ulong)(_data.Length - _position))
        {
            throw new FormatException("truncated length-delimited field");
        }

        var result = _data.Slice(_position, (int)length);
        _position += (int)length;
        return result;
    }

    /// <summary>Skips the value of the field whose tag was read last.</summary>
    public void Skip(int wireType) => Skip(_lastField, wireType, nesting: 0);

    private void Skip(int field, int wireType, int nesting)
    {
        if (nesting >= MaxGroupNesting)
        {
            throw new FormatException("protobuf groups nested too deeply");
        }

        switch (wireType)
        {
            case WireVarint:
                ReadVarint();
                break;
            case WireFixed64:
                Advance(8);
                break;
            case WireLengthDelimited:
                ReadBytes(WireLengthDelimited);
                break;
            case WireFixed32:
                Advance(4);
                break;
            case WireStartGroup:
                while (true)
                {
                    if (End)
                    {
                        throw new FormatException("unterminated protobuf group");
                    }

                    var (innerField, innerWire) = ReadTag();
                    if (innerWire == WireEndGroup)
                    {
                        if (innerField != field)
                        {
                            throw new FormatException("protobuf group closed by another field");
                        }

                        break;
                    }

                    Skip(innerField, innerWire, nesting + 1);
                }

                break;
            default:
                throw new FormatException("unexpected protobuf end group");
        }
    }

    private (int Field, int WireType) ReadTag()
    {
        var tag = ReadVarint();
        if (tag > uint.MaxValue)
        {
            throw new FormatException("invalid protobuf tag");
        }

        var wireType = (int)(tag & 7);
        if (wireType > WireFixed32)
        {
            throw new FormatException("invalid protobuf wire type");
        }

        var field = (int)(tag >> 3);
        if (field == 0)
        {
            throw new FormatException("invalid protobuf field number");
        }

        return (field, wireType);
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
