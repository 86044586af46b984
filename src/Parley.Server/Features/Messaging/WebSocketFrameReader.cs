using System.Buffers;
using System.Buffers.Binary;
using System.Net.WebSockets;

namespace Parley.Server.Features.Messaging;

/// <summary>
/// Reads what a client sends on the relay socket (RFC 6455 §5) from the connection's bytes as they arrive,
/// without awaiting anything itself: the socket's loop awaits the transport, so a socket waiting for its
/// next frame holds no state machine of a read in progress and allocates nothing (docs/benchmarks.md,
/// "Relay transport"). Client frames are masked; a data message may come in fragments with control frames
/// between them. No extension is negotiated, so the reserved bits must be clear. A message's bytes go into
/// a buffer rented for it and handed back with <see cref="Release"/>, so an idle socket holds none.
/// </summary>
internal sealed class WebSocketFrameReader(int maxMessage) : IDisposable
{
    private const int MaxHeader = 14;
    private const int MaxControlPayload = 125;

    // The frame being read (after its header).
    private bool _inFrame;
    private byte _opcode;
    private bool _fin;
    private long _remaining;
    private uint _mask;
    private int _maskOffset;

    // The data message being assembled (opcode 0: none), and the payload of the control frame being read.
    private byte _messageOpcode;
    private byte[]? _message;
    private int _messageLength;
    private byte[]? _control;
    private int _controlLength;
    private FrameEvent _last;

    /// <summary>The message's bytes after <see cref="FrameEvent.Message"/>, a ping's or close's payload after those; valid until <see cref="Release"/>.</summary>
    public ReadOnlyMemory<byte> Payload => _last switch
    {
        FrameEvent.Message => _message.AsMemory(0, _messageLength),
        FrameEvent.Ping or FrameEvent.Pong or FrameEvent.Close => _control.AsMemory(0, _controlLength),
        _ => ReadOnlyMemory<byte>.Empty,
    };

    /// <summary>Text or binary, after <see cref="FrameEvent.Message"/>.</summary>
    public WebSocketMessageType MessageType { get; private set; }

    /// <summary>Why, after <see cref="FrameEvent.ProtocolError"/> (for the close frame's reason; it names no data).</summary>
    public string? Problem { get; private set; }

    /// <summary>
    /// Consumes whole frame headers and whatever payload bytes there are from <paramref name="buffer"/> (which is
    /// left at the first byte not consumed) and stops at the first event. Call <see cref="Release"/> once the
    /// event's payload has been used.
    /// </summary>
    public FrameEvent Read(ref ReadOnlySequence<byte> buffer)
    {
        while (true)
        {
            if (!_inFrame)
            {
                var header = ReadHeader(ref buffer);
                if (header != FrameEvent.Message)
                {
                    return _last = header;
                }
            }

            if (_remaining > 0)
            {
                var take = (int)Math.Min(_remaining, buffer.Length);
                if (take > 0)
                {
                    if (_opcode < 8)
                    {
                        Reserve(take);
                    }

                    Unmask(buffer.Slice(0, take), _opcode >= 8 ? _control.AsSpan(_controlLength, take) : _message.AsSpan(_messageLength, take));
                    if (_opcode >= 8)
                    {
                        _controlLength += take;
                    }
                    else
                    {
                        _messageLength += take;
                    }

                    buffer = buffer.Slice(take);
                    _remaining -= take;
                }

                if (_remaining > 0)
                {
                    return _last = FrameEvent.NeedMore;
                }
            }

            _inFrame = false;
            switch (_opcode)
            {
                case 0x8:
                    return _last = FrameEvent.Close;
                case 0x9:
                    return _last = FrameEvent.Ping;
                case 0xA:
                    return _last = FrameEvent.Pong;
                default:
                    if (_fin)
                    {
                        MessageType = _messageOpcode == 0x1 ? WebSocketMessageType.Text : WebSocketMessageType.Binary;
                        _messageOpcode = 0;
                        return _last = FrameEvent.Message;
                    }

                    break; // more fragments follow
            }
        }
    }

    /// <summary>Returns the buffer of the last event's payload (a message's, or a control frame's).</summary>
    public void Release()
    {
        if (_last == FrameEvent.Message && _message is not null)
        {
            ArrayPool<byte>.Shared.Return(_message);
            (_message, _messageLength) = (null, 0);
        }
        else if (_last is FrameEvent.Ping or FrameEvent.Pong or FrameEvent.Close && _control is not null)
        {
            ArrayPool<byte>.Shared.Return(_control);
            (_control, _controlLength) = (null, 0);
        }

        _last = FrameEvent.NeedMore;
    }

    /// <summary>Returns whatever is still rented (the socket ended mid-message).</summary>
    public void Dispose()
    {
        _last = FrameEvent.Message;
        Release();
        _last = FrameEvent.Close;
        Release();
    }

    /// <summary>
    /// Reads and checks one frame header; <see cref="FrameEvent.Message"/> here means "a frame begins, read its
    /// payload" (its buffer is ready), anything else is the event to report.
    /// </summary>
    private FrameEvent ReadHeader(ref ReadOnlySequence<byte> buffer)
    {
        Span<byte> h = stackalloc byte[MaxHeader];
        var available = (int)Math.Min(MaxHeader, buffer.Length);
        if (available < 2)
        {
            return FrameEvent.NeedMore;
        }

        buffer.Slice(0, available).CopyTo(h);
        var fin = (h[0] & 0x80) != 0;
        var opcode = (byte)(h[0] & 0x0F);
        var length7 = h[1] & 0x7F;
        if ((h[0] & 0x70) != 0)
        {
            return Fail("reserved bits set: no extension was negotiated");
        }

        if ((h[1] & 0x80) == 0)
        {
            return Fail("a client's frames must be masked");
        }

        var control = opcode >= 0x8;
        if (opcode is > 0x2 and < 0x8 or > 0xA)
        {
            return Fail("unknown opcode");
        }

        if (control && (!fin || length7 > MaxControlPayload))
        {
            return Fail("a control frame must be whole and at most 125 bytes");
        }

        var lengthBytes = length7 switch { 126 => 2, 127 => 8, _ => 0 };
        var headerLength = 2 + lengthBytes + 4;
        if (available < headerLength)
        {
            return FrameEvent.NeedMore;
        }

        var length = length7 switch
        {
            126 => BinaryPrimitives.ReadUInt16BigEndian(h[2..]),
            127 => (long)BinaryPrimitives.ReadUInt64BigEndian(h[2..]),
            _ => length7,
        };
        if (length < 0)
        {
            return Fail("a frame length must not have its top bit set");
        }

        if (!control)
        {
            if (opcode == 0x0 && _messageOpcode == 0)
            {
                return Fail("a continuation frame without a message to continue");
            }

            if (opcode != 0x0 && _messageOpcode != 0)
            {
                return Fail("a new message before the last one ended");
            }

            if (_messageLength + length > maxMessage)
            {
                return FrameEvent.TooBig;
            }

            if (opcode != 0x0)
            {
                _messageOpcode = opcode;
            }
        }
        else
        {
            _control ??= ArrayPool<byte>.Shared.Rent(MaxControlPayload);
            _controlLength = 0;
        }

        _mask = BinaryPrimitives.ReadUInt32BigEndian(h[(headerLength - 4)..]);
        _maskOffset = 0;
        (_inFrame, _opcode, _fin, _remaining) = (true, opcode, fin, length);
        buffer = buffer.Slice(headerLength);
        return FrameEvent.Message;
    }

    /// <summary>
    /// Makes room for <paramref name="more"/> bytes that have arrived. The buffer grows with what arrives (doubling),
    /// not with what a header announces: a client that sends only headers holds no large buffer.
    /// </summary>
    private void Reserve(int more)
    {
        var needed = _messageLength + more;
        if (_message is not null && _message.Length >= needed)
        {
            return;
        }

        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, Math.Min(maxMessage, Math.Max(256, (_message?.Length ?? 0) * 2))));
        if (_message is not null)
        {
            _message.AsSpan(0, _messageLength).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_message);
        }

        _message = bigger;
    }

    /// <summary>Copies <paramref name="source"/> into <paramref name="destination"/>, undoing the client's mask (RFC 6455 §5.3).</summary>
    private void Unmask(ReadOnlySequence<byte> source, Span<byte> destination)
    {
        source.CopyTo(destination);
        Span<byte> key = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(key, _mask);
        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] ^= key[(_maskOffset + i) & 3];
        }

        _maskOffset = (_maskOffset + destination.Length) & 3;
    }

    private FrameEvent Fail(string problem)
    {
        Problem = problem;
        return FrameEvent.ProtocolError;
    }
}
