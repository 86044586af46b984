using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using MessagePack;
using Parley.Contracts.Messaging;
using Parley.Messaging.Tests.Support;

namespace Parley.Messaging.Tests;

/// <summary>
/// The relay socket spoken byte by byte over TCP, as any WebSocket client may speak it (RFC 6455): the
/// handshake's accept key, a call split into fragments with a ping between them, and a frame that breaks the
/// protocol, which gets a close frame with 1002. The usual clients (ClientWebSocket, browsers) never send
/// fragments or bad frames, so only a hand-made client shows the server reads them right.
/// </summary>
public sealed class RawRelaySocketTests
{
    [Fact]
    public async Task A_fragmented_call_with_a_ping_between_is_answered_and_a_bad_frame_gets_a_1002_close()
    {
        await using var server = await ParleyTestServer.StartAsync(new ParleyServerOptions { Provider = "memory", RealTime = true, Settings = MessagingServer.Defaults() });
        await using var bob = await TestUser.CreateAsync(server);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.BaseAddress.Host, server.BaseAddress.Port, TestContext.Current.CancellationToken);
        var stream = tcp.GetStream();
        stream.ReadTimeout = 30_000;

        var response = await HandshakeAsync(stream, server.BaseAddress, bob.Token, version: "13");
        response.ShouldStartWith("HTTP/1.1 101");
        response.ShouldContain("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", Case.Insensitive);

        var call = Invocation(7, HubNames.GetPresence);
        var half = call.Length / 2;
        await stream.WriteAsync(WebSocketFrameReaderTests.ClientFrame(0x2, call[..half], fin: false), TestContext.Current.CancellationToken);
        await stream.WriteAsync(WebSocketFrameReaderTests.ClientFrame(0x9, "are you there"u8.ToArray()), TestContext.Current.CancellationToken);
        await stream.WriteAsync(WebSocketFrameReaderTests.ClientFrame(0x0, call[half..]), TestContext.Current.CancellationToken);

        var (opcode, payload) = await ReadFrameAsync(stream);
        opcode.ShouldBe(0xA, "the ping is answered first, between the fragments");
        payload.ShouldBe("are you there"u8.ToArray());
        (opcode, payload) = await ReadFrameAsync(stream);
        while (opcode == 0x2 && MessagePackSerializer.Deserialize<object[]>(payload) is [4, ..])
        {
            (opcode, payload) = await ReadFrameAsync(stream); // an event (none is expected, but events may come at any time)
        }

        opcode.ShouldBe(0x2);
        var result = MessagePackSerializer.Deserialize<object[]>(payload);
        result[0].ShouldBe((byte)RelayFrames.Result);
        result[1].ShouldBe((byte)7);

        // The bad frame arrives in two reads, its header split: the first byte alone, then the rest.
        var unmasked = WebSocketFrameReaderTests.ClientFrame(0x2, call, masked: false);
        await stream.WriteAsync(unmasked.AsMemory(0, 1), TestContext.Current.CancellationToken);
        await stream.FlushAsync(TestContext.Current.CancellationToken);
        await Task.Delay(300, TestContext.Current.CancellationToken);
        await stream.WriteAsync(unmasked.AsMemory(1), TestContext.Current.CancellationToken);
        (opcode, payload) = await ReadFrameAsync(stream);
        opcode.ShouldBe(0x8);
        BinaryPrimitives.ReadUInt16BigEndian(payload).ShouldBe((ushort)1002);
        Encoding.UTF8.GetString(payload.AsSpan(2)).ShouldContain("masked");
        (await stream.ReadAsync(new byte[1], TestContext.Current.CancellationToken)).ShouldBe(0, "the server closes the connection after its close frame");
    }

    [Theory]
    [InlineData("12", "dGhlIHNhbXBsZSBub25jZQ==")]
    [InlineData("13", "c2hvcnQ=")]
    public async Task A_handshake_with_another_version_or_a_short_key_is_refused_with_400(string version, string key)
    {
        await using var server = await ParleyTestServer.StartAsync(new ParleyServerOptions { Provider = "memory", Settings = MessagingServer.Defaults() });
        await using var bob = await TestUser.CreateAsync(server);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.BaseAddress.Host, server.BaseAddress.Port, TestContext.Current.CancellationToken);
        var response = await HandshakeAsync(tcp.GetStream(), server.BaseAddress, bob.Token, version, key);
        response.ShouldStartWith("HTTP/1.1 400");
        response.ShouldContain("application/problem+json");
    }

    private static byte[] Invocation(int id, string method)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(3);
        writer.Write(RelayFrames.Invocation);
        writer.Write(id);
        writer.Write(method);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Sends the opening handshake; returns the response's status line and headers.</summary>
    private static async Task<string> HandshakeAsync(NetworkStream stream, Uri server, string token, string version, string key = "dGhlIHNhbXBsZSBub25jZQ==")
    {
        var request = $"GET {MessagingValues.HubPath} HTTP/1.1\r\nHost: {server.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: {version}\r\nAuthorization: Bearer {token}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        var head = new List<byte>();
        while (head.Count < 4 || !head.TakeLast(4).SequenceEqual("\r\n\r\n"u8.ToArray()))
        {
            head.Add(await ReadByteAsync(stream));
        }

        return Encoding.ASCII.GetString([.. head]);
    }

    /// <summary>Reads one server frame (final, unmasked, as the server sends them).</summary>
    private static async Task<(int Opcode, byte[] Payload)> ReadFrameAsync(NetworkStream stream)
    {
        var b0 = await ReadByteAsync(stream);
        var b1 = await ReadByteAsync(stream);
        (b0 & 0x80).ShouldBe(0x80, "the server sends whole frames");
        (b1 & 0x80).ShouldBe(0, "the server never masks");
        long length = b1 & 0x7F;
        if (length >= 126)
        {
            var extended = new byte[length == 126 ? 2 : 8];
            await stream.ReadExactlyAsync(extended);
            length = extended.Length == 2 ? BinaryPrimitives.ReadUInt16BigEndian(extended) : (long)BinaryPrimitives.ReadUInt64BigEndian(extended);
        }

        var payload = new byte[length];
        await stream.ReadExactlyAsync(payload);
        return (b0 & 0x0F, payload);
    }

    private static async Task<byte> ReadByteAsync(NetworkStream stream)
    {
        var one = new byte[1];
        await stream.ReadExactlyAsync(one);
        return one[0];
    }
}
