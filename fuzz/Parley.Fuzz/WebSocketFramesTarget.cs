using System.Buffers;
using Parley.Server.Features.Messaging;

namespace Parley.Fuzz;

/// <summary>
/// The bytes a client sends on the relay socket after the handshake (RFC 6455 frames): <c>WebSocketFrameReader</c>
/// turns any byte string into events, a protocol error or "too big", and never throws. The first input byte
/// picks the size of the pieces the bytes arrive in (1 to 256), as a connection delivers them; a payload
/// handed out is never longer than the limit.
/// </summary>
internal static class WebSocketFramesTarget
{
    /// <summary>Small, so that afl reaches the size checks.</summary>
    private const int MaxMessage = 4096;

    public static FuzzTarget Create() => new("websocket-frames", "WebSocketFrameReader.Read", Run);

    private static void Run(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return;
        }

        var piece = input[0] + 1;
        var bytes = input[1..].ToArray();
        var reader = new WebSocketFrameReader(MaxMessage);
        var pending = Array.Empty<byte>();
        for (var at = 0; at < bytes.Length; at += piece)
        {
            pending = [.. pending, .. bytes.AsSpan(at, Math.Min(piece, bytes.Length - at))];
            var buffer = new ReadOnlySequence<byte>(pending);
            while (true)
            {
                var happened = reader.Read(ref buffer);
                if (happened == FrameEvent.NeedMore)
                {
                    break;
                }

                if (reader.Payload.Length > MaxMessage)
                {
                    throw new InvalidOperationException("a payload over the limit was handed out");
                }

                reader.Release();
                if (happened is FrameEvent.ProtocolError or FrameEvent.TooBig or FrameEvent.Close)
                {
                    reader.Dispose();
                    return;
                }
            }

            pending = buffer.ToArray();
        }

        reader.Dispose();
    }
}
