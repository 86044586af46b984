using System.Buffers;
using System.Buffers.Binary;
using System.Net.WebSockets;
using Parley.Server.Features.Messaging;

namespace Parley.Messaging.Tests;

/// <summary>
/// The relay's reader of client frames (RFC 6455 §5): whole and fragmented messages, every length encoding,
/// bytes arriving one at a time, control frames between fragments, and each way a client can break the
/// protocol. Frames are built here by hand, masked as a client masks them.
/// </summary>
public sealed class WebSocketFrameReaderTests
{
    private static readonly byte[] Key = [0x37, 0xfa, 0x21, 0x3d];

    /// <summary>A client frame: FIN, opcode, the mask bit, the shortest length encoding, the key, the masked payload.</summary>
    internal static byte[] ClientFrame(byte opcode, byte[] payload, bool fin = true, bool masked = true, byte rsv = 0, int? forceLength7 = null)
    {
        var frame = new List<byte> { (byte)((fin ? 0x80 : 0) | rsv | opcode) };
        var maskBit = masked ? 0x80 : 0;
        if (forceLength7 is { } l7)
        {
            frame.Add((byte)(maskBit | l7));
        }
        else if (payload.Length <= 125)
        {
            frame.Add((byte)(maskBit | payload.Length));
        }
        else if (payload.Length <= ushort.MaxValue)
        {
            frame.Add((byte)(maskBit | 126));
            frame.AddRange([(byte)(payload.Length >> 8), (byte)payload.Length]);
        }
        else
        {
            frame.Add((byte)(maskBit | 127));
            var length = new byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(length, (ulong)payload.Length);
            frame.AddRange(length);
        }

        if (masked)
        {
            frame.AddRange(Key);
        }

        frame.AddRange(masked ? payload.Select((b, i) => (byte)(b ^ Key[i & 3])) : payload);
        return [.. frame];
    }

    private static byte[] Bytes(int count) => [.. Enumerable.Range(0, count).Select(i => (byte)(i * 7 + 3))];

    /// <summary>Feeds <paramref name="input"/> in pieces of <paramref name="piece"/> bytes, as a pipe would; returns each event with its payload.</summary>
    private static List<(FrameEvent Event, byte[] Payload, WebSocketMessageType Type, string? Problem)> Feed(byte[] input, int piece = int.MaxValue, int max = 1 << 20)
    {
        var reader = new WebSocketFrameReader(max);
        var events = new List<(FrameEvent, byte[], WebSocketMessageType, string?)>();
        var pending = Array.Empty<byte>();
        for (var at = 0; at < input.Length; at += piece)
        {
            // What the pipe holds: the bytes not consumed yet and the new ones.
            pending = [.. pending, .. input.AsSpan(at, Math.Min(piece, input.Length - at))];
            var buffer = new ReadOnlySequence<byte>(pending);
            while (true)
            {
                var happened = reader.Read(ref buffer);
                if (happened == FrameEvent.NeedMore)
                {
                    break;
                }

                events.Add((happened, reader.Payload.ToArray(), reader.MessageType, reader.Problem));
                reader.Release();
                if (happened is FrameEvent.ProtocolError or FrameEvent.TooBig)
                {
                    return events;
                }
            }

            pending = buffer.ToArray();
        }

        pending.ShouldBeEmpty("every byte of a whole frame is consumed");
        return events;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(125)]
    [InlineData(126)]
    [InlineData(65535)]
    [InlineData(65536)]
    [InlineData(200_000)]
    public void A_binary_message_of_any_length_encoding_comes_out_unmasked(int length)
    {
        var payload = Bytes(length);
        var events = Feed(ClientFrame(WebSocketOpcode.Binary, payload));
        var message = events.ShouldHaveSingleItem();
        message.Event.ShouldBe(FrameEvent.Message);
        message.Type.ShouldBe(WebSocketMessageType.Binary);
        message.Payload.ShouldBe(payload);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(13)]
    public void Bytes_arriving_in_small_pieces_give_the_same_events(int piece)
    {
        var first = Bytes(300);
        var second = Bytes(40);
        var input = ClientFrame(WebSocketOpcode.Binary, first).Concat(ClientFrame(WebSocketOpcode.Ping, [9, 8, 7]))
            .Concat(ClientFrame(WebSocketOpcode.Binary, second)).ToArray();
        var events = Feed(input, piece);
        events.Select(e => e.Event).ShouldBe([FrameEvent.Message, FrameEvent.Ping, FrameEvent.Message]);
        events[0].Payload.ShouldBe(first);
        events[1].Payload.ShouldBe(new byte[] { 9, 8, 7 });
        events[2].Payload.ShouldBe(second);
    }

    [Fact]
    public void A_fragmented_text_message_with_a_ping_between_its_fragments_is_joined_and_the_ping_comes_first()
    {
        var input = ClientFrame(WebSocketOpcode.Text, "hel"u8.ToArray(), fin: false)
            .Concat(ClientFrame(WebSocketOpcode.Ping, "p"u8.ToArray()))
            .Concat(ClientFrame(WebSocketOpcode.Continuation, "lo, "u8.ToArray(), fin: false))
            .Concat(ClientFrame(WebSocketOpcode.Continuation, "world"u8.ToArray())).ToArray();
        var events = Feed(input);
        events.Select(e => e.Event).ShouldBe([FrameEvent.Ping, FrameEvent.Message]);
        events[0].Payload.ShouldBe("p"u8.ToArray());
        events[1].Type.ShouldBe(WebSocketMessageType.Text);
        events[1].Payload.ShouldBe("hello, world"u8.ToArray());
    }

    [Fact]
    public void Pong_and_close_are_reported_with_their_payloads()
    {
        var close = new byte[] { 0x03, 0xe8, (byte)'b', (byte)'y', (byte)'e' };
        var events = Feed(ClientFrame(WebSocketOpcode.Pong, [1, 2]).Concat(ClientFrame(WebSocketOpcode.Close, close)).ToArray());
        events.Select(e => e.Event).ShouldBe([FrameEvent.Pong, FrameEvent.Close]);
        events[0].Payload.ShouldBe(new byte[] { 1, 2 });
        events[1].Payload.ShouldBe(close);
    }

    public static TheoryData<string, byte[], string> Violations => new()
    {
        { "unmasked", ClientFrame(WebSocketOpcode.Binary, [1, 2, 3], masked: false), "masked" },
        { "RSV1 without a negotiated extension", ClientFrame(WebSocketOpcode.Binary, [1], rsv: 0x40), "reserved" },
        { "RSV3", ClientFrame(WebSocketOpcode.Binary, [1], rsv: 0x10), "reserved" },
        { "opcode 3", ClientFrame(0x3, [1]), "opcode" },
        { "opcode 11", ClientFrame(0xB, [1]), "opcode" },
        { "a fragmented ping", ClientFrame(WebSocketOpcode.Ping, [1], fin: false), "control" },
        { "a 126-byte ping", ClientFrame(WebSocketOpcode.Ping, Bytes(126)), "control" },
        { "a continuation first", ClientFrame(WebSocketOpcode.Continuation, [1]), "continuation" },
        { "a new message inside a fragmented one",
            ClientFrame(WebSocketOpcode.Binary, [1], fin: false).Concat(ClientFrame(WebSocketOpcode.Binary, [2])).ToArray(), "before the last one ended" },
        { "a 64-bit length with its top bit set",
            [0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1, .. Key, 0], "top bit" },
    };

    [Theory]
    [MemberData(nameof(Violations))]
    public void Each_protocol_violation_is_reported_and_nothing_after_it_is_read(string name, byte[] input, string why)
    {
        var events = Feed([.. input, .. ClientFrame(WebSocketOpcode.Binary, [42])]);
        var last = events.Last();
        last.Event.ShouldBe(FrameEvent.ProtocolError, name);
        last.Problem!.ShouldContain(why);
        events.ShouldNotContain(e => e.Event == FrameEvent.Message, name);
    }

    [Fact]
    public void A_message_over_the_limit_is_refused_from_its_header_whole_or_in_fragments()
    {
        Feed(ClientFrame(WebSocketOpcode.Binary, Bytes(1001)), max: 1000).ShouldHaveSingleItem().Event.ShouldBe(FrameEvent.TooBig);
        Feed(ClientFrame(WebSocketOpcode.Binary, Bytes(1000)), max: 1000).ShouldHaveSingleItem().Event.ShouldBe(FrameEvent.Message);

        var fragments = ClientFrame(WebSocketOpcode.Binary, Bytes(600), fin: false).Concat(ClientFrame(WebSocketOpcode.Continuation, Bytes(401))).ToArray();
        Feed(fragments, max: 1000).ShouldHaveSingleItem().Event.ShouldBe(FrameEvent.TooBig);

        // Only the header is needed: a frame claiming 2^40 bytes is refused before any of them arrive.
        Feed([0x82, 0xff, 0, 0, 1, 0, 0, 0, 0, 0, .. Key], max: 1000).ShouldHaveSingleItem().Event.ShouldBe(FrameEvent.TooBig);
    }

    [Fact]
    public void The_accept_key_is_the_one_in_RFC_6455()
    {
        // RFC 6455 §1.3: the sample nonce and the answer it gives.
        RelaySocket.AcceptKey("dGhlIHNhbXBsZSBub25jZQ==").ShouldBe("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }

    [Fact]
    public void Server_frames_use_the_shortest_length_and_no_mask()
    {
        foreach (var (length, header) in new[] { (0, 2), (125, 2), (126, 4), (65535, 4), (65536, 10) })
        {
            var payload = Bytes(length);
            var frame = new byte[length + WebSocketOpcode.MaxServerHeader];
            var written = WebSocketOpcode.WriteFrame(frame, WebSocketOpcode.Binary, payload);
            written.ShouldBe(header + length);
            frame[0].ShouldBe((byte)0x82);
            (frame[1] & 0x80).ShouldBe(0, "a server never masks");
            frame.AsSpan(header, length).ToArray().ShouldBe(payload);
        }
    }
}
