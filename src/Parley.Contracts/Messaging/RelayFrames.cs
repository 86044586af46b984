using System.Buffers;
using System.Net.WebSockets;

namespace Parley.Contracts.Messaging;

/// <summary>
/// The relay's WebSocket framing (docs/messaging-api.md, "Relay socket"): every WebSocket message is one
/// binary message holding one MessagePack array whose first element is its kind.
/// <list type="bullet">
/// <item><c>[1, id, method, arg…]</c> an invocation (client to server; id 1..2³¹−1, chosen by the client)</item>
/// <item><c>[2, id, result]</c> its result</item>
/// <item><c>[3, id, "urn:parley:problem:slug: detail"]</c> its error (id 0: the frame had no readable id)</item>
/// <item><c>[4, event, payload]</c> an event (server to client)</item>
/// </list>
/// </summary>
public static class RelayFrames
{
    public const int Invocation = 1;
    public const int Result = 2;
    public const int Error = 3;
    public const int Event = 4;

    /// <summary>The first buffer rented for a message; it grows (by renting) up to the message limit.</summary>
    private const int FirstBuffer = 4096;

    /// <summary>
    /// Reads the rest of the WebSocket message that <paramref name="first"/> began: the caller waits for a
    /// message with a zero-byte read (<c>socket.ReceiveAsync(Memory&lt;byte&gt;.Empty, …)</c>), so an idle
    /// socket holds no buffer. The returned buffer is rented from <see cref="ArrayPool{T}.Shared"/> and
    /// must be returned with <see cref="RelayMessage.Dispose"/>. A message longer than
    /// <paramref name="maxBytes"/> is not read to its end: <see cref="RelayMessage.TooBig"/> is set and the
    /// socket must be closed.
    /// </summary>
    public static async ValueTask<RelayMessage> ReceiveAsync(WebSocket socket, ValueWebSocketReceiveResult first, int maxBytes,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(socket);
        if (first.MessageType == WebSocketMessageType.Close)
        {
            return new RelayMessage(null, 0, WebSocketMessageType.Close, false);
        }

        if (first.EndOfMessage)
        {
            return new RelayMessage(null, 0, first.MessageType, false);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(FirstBuffer, maxBytes + 1));
        var count = 0;
        try
        {
            while (true)
            {
                if (count == buffer.Length)
                {
                    if (count > maxBytes)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        return new RelayMessage(null, 0, first.MessageType, true);
                    }

                    var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, maxBytes + 1));
                    buffer.AsSpan(0, count).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }

                var read = await socket.ReceiveAsync(buffer.AsMemory(count), cancellationToken).ConfigureAwait(false);
                if (read.MessageType == WebSocketMessageType.Close)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return new RelayMessage(null, 0, WebSocketMessageType.Close, false);
                }

                count += read.Count;
                if (count > maxBytes)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return new RelayMessage(null, 0, first.MessageType, true);
                }

                if (read.EndOfMessage)
                {
                    return new RelayMessage(buffer, count, first.MessageType, false);
                }
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }
}

/// <summary>One message read by <see cref="RelayFrames.ReceiveAsync"/>; dispose it to return its buffer.</summary>
public readonly struct RelayMessage(byte[]? buffer, int length, WebSocketMessageType type, bool tooBig) : IDisposable
{
    public WebSocketMessageType Type { get; } = type;

    /// <summary>The message was longer than the limit (and was not read to its end).</summary>
    public bool TooBig { get; } = tooBig;

    public ReadOnlyMemory<byte> Payload => buffer is null ? ReadOnlyMemory<byte>.Empty : buffer.AsMemory(0, length);

    public void Dispose()
    {
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

/// <summary>An <see cref="IBufferWriter{T}"/> over buffers rented from <see cref="ArrayPool{T}.Shared"/>; dispose to return them.</summary>
public sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
{
    private byte[] _buffer;
    private int _count;

    public PooledBufferWriter(int initial = 512) => _buffer = ArrayPool<byte>.Shared.Rent(initial);

    public ReadOnlyMemory<byte> Written => _buffer.AsMemory(0, _count);

    public void Advance(int count) => _count += count;

    /// <summary>Forgets what was written (the buffer stays).</summary>
    public void Clear() => _count = 0;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_count);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_count);
    }

    private void Ensure(int sizeHint)
    {
        var need = _count + Math.Max(sizeHint, 1);
        if (need <= _buffer.Length)
        {
            return;
        }

        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(need, _buffer.Length * 2));
        _buffer.AsSpan(0, _count).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }

    public void Dispose()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
            _count = 0;
        }
    }
}
