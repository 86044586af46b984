using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace Parley.Server.Features.Messaging;

/// <summary>
/// The server's end of one relay WebSocket (RFC 6455): the handshake, the bytes to read, and writing
/// frames, pings and the close. The hub's loop reads <see cref="Input"/> with a
/// <see cref="WebSocketFrameReader"/>. On HTTP/1.1 that is the connection's own transport pipe: Kestrel's
/// upgraded stream would read through two more async layers, and each read that waits allocates their state
/// machines — a socket waits almost all its life, and at thousands of sockets those objects, held from old
/// ones, made every gen0 collection long (docs/benchmarks.md, "Where the GC pauses at 9,000 pairs come
/// from"). Nothing else reads that pipe once the request is upgraded. Writes go through Kestrel's upgraded
/// stream, one whole frame per write, one writer at a time.
/// </summary>
internal sealed class RelaySocket
{
    /// <summary>Appended to the client's key for <c>Sec-WebSocket-Accept</c> (RFC 6455 §1.3).</summary>
    private static readonly byte[] AcceptSuffix = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"u8.ToArray();

    private readonly HttpContext _context;
    private readonly Stream _output;
    private readonly SemaphoreSlim _sending = new(1, 1);
    private long _heardAt = Environment.TickCount64;
    private long _pingedAt;
    private bool _running;
    private bool _ended;
    private bool _closeSent;

    private RelaySocket(HttpContext context, PipeReader input, Stream output)
    {
        _context = context;
        Input = input;
        _output = output;
    }

    /// <summary>The client's bytes, for <see cref="WebSocketFrameReader"/>; a read ends canceled once the socket is aborted.</summary>
    public PipeReader Input { get; }

    /// <summary>
    /// A WebSocket opening handshake this server accepts (RFC 6455 §4.2.1): an HTTP/1.1 GET upgrade with
    /// version 13 and a key of 16 bytes. HTTP/2's extended CONNECT (RFC 8441) is not taken: the relay reads the
    /// connection's own bytes, which HTTP/2 shares between streams (docs/messaging-api.md says how to deploy).
    /// </summary>
    public static bool IsUpgrade(HttpContext context)
    {
        var headers = context.Request.Headers;
        Span<byte> key = stackalloc byte[16];
        return headers.SecWebSocketVersion == "13"
            && HttpProtocol.IsHttp11(context.Request.Protocol)
            && HttpMethods.IsGet(context.Request.Method)
            && context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true }
            && headers.Upgrade.ToString().Contains("websocket", StringComparison.OrdinalIgnoreCase)
            && Convert.TryFromBase64String(headers.SecWebSocketKey.ToString(), key, out var length) && length == 16;
    }

    /// <summary>Answers the handshake (after <see cref="IsUpgrade"/>) and returns the open socket.</summary>
    public static async Task<RelaySocket> AcceptAsync(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.Connection = "Upgrade";
        headers.Upgrade = "websocket";
        headers.SecWebSocketAccept = AcceptKey(context.Request.Headers.SecWebSocketKey.ToString());
        var upgraded = await context.Features.Get<IHttpUpgradeFeature>()!.UpgradeAsync();
        // A server without a transport pipe (a test host) reads the upgraded stream instead.
        var input = context.Features.Get<IConnectionTransportFeature>()?.Transport.Input ?? PipeReader.Create(upgraded);
        return new RelaySocket(context, input, upgraded);
    }

    /// <summary>Base64 of SHA-1 over the client's key and the protocol's suffix (RFC 6455 §4.2.2).</summary>
    public static string AcceptKey(string clientKey)
    {
        var key = Encoding.ASCII.GetBytes(clientKey);
        return Convert.ToBase64String(SHA1.HashData([.. key, .. AcceptSuffix]));
    }

    /// <summary>Sends one binary message as one frame.</summary>
    public Task SendAsync(ReadOnlyMemory<byte> message) => SendFrameAsync(WebSocketOpcode.Binary, message);

    /// <summary>Answers a ping with its payload.</summary>
    public Task PongAsync(ReadOnlyMemory<byte> payload) => SendFrameAsync(WebSocketOpcode.Pong, payload);

    /// <summary>Sends a close frame; nothing may be sent after it.</summary>
    public async Task CloseAsync(WebSocketCloseStatus status, string description)
    {
        var reason = Encoding.UTF8.GetBytes(description);
        var payload = new byte[2 + Math.Min(reason.Length, 123)];
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)status);
        reason.AsSpan(0, payload.Length - 2).CopyTo(payload.AsSpan(2));
        await SendFrameAsync(WebSocketOpcode.Close, payload);
    }

    /// <summary>Drops the connection at once: the loop's read ends, writes fail. Nothing to do once the loop has ended.</summary>
    public void Abort()
    {
        if (Volatile.Read(ref _ended))
        {
            return;
        }

        try
        {
            Input.CancelPendingRead();
            _context.Abort();
        }
        catch (ObjectDisposedException)
        {
            // The request ended between the check and the abort: the connection is closing anyway.
        }
    }

    /// <summary>The loop has ended: the request (and its context) is about to be disposed.</summary>
    public void Ended() => Volatile.Write(ref _ended, true);

    /// <summary>The loop read bytes from the client: it is alive.</summary>
    public void Heard()
    {
        Volatile.Write(ref _heardAt, Environment.TickCount64);
        Volatile.Write(ref _pingedAt, 0);
    }

    /// <summary>
    /// A call is running (true) or done (false). The loop reads nothing while a call runs, so a slow call (a
    /// store that takes its time) must not look like a silent client.
    /// </summary>
    public void Running(bool running)
    {
        Volatile.Write(ref _running, running);
        if (!running)
        {
            Heard();
        }
    }

    /// <summary>
    /// Called every few seconds (<see cref="RelayKeepAlive"/>): pings a socket silent for
    /// <paramref name="interval"/> ms, aborts one that stayed silent <paramref name="timeout"/> ms after its ping.
    /// </summary>
    public void KeepAlive(long now, long interval, long timeout)
    {
        switch (KeepAliveStep(Volatile.Read(ref _running), Volatile.Read(ref _heardAt), Volatile.Read(ref _pingedAt), now, interval, timeout))
        {
            case KeepAliveAction.Ping:
                Volatile.Write(ref _pingedAt, now);
                _ = PingAsync();
                break;
            case KeepAliveAction.Drop:
                Abort();
                break;
        }
    }

    /// <summary>
    /// What <see cref="KeepAlive"/> does (times in ms; <paramref name="pingedAt"/> 0: no ping waiting): nothing while
    /// a call runs or the client was heard within the interval, a ping once it was not, a drop once the ping has
    /// gone unanswered for the timeout.
    /// </summary>
    internal static KeepAliveAction KeepAliveStep(bool running, long heardAt, long pingedAt, long now, long interval, long timeout) =>
        running ? KeepAliveAction.None
        : pingedAt != 0 ? (now - pingedAt >= timeout ? KeepAliveAction.Drop : KeepAliveAction.None)
        : now - heardAt >= interval ? KeepAliveAction.Ping
        : KeepAliveAction.None;

    private async Task PingAsync()
    {
        try
        {
            await SendFrameAsync(WebSocketOpcode.Ping, ReadOnlyMemory<byte>.Empty);
        }
        catch (Exception e) when (e is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            // Closed meanwhile: the loop ends on its own.
        }
    }

    private async Task SendFrameAsync(byte opcode, ReadOnlyMemory<byte> payload)
    {
        var frame = ArrayPool<byte>.Shared.Rent(payload.Length + WebSocketOpcode.MaxServerHeader);
        try
        {
            var length = WebSocketOpcode.WriteFrame(frame, opcode, payload.Span);
            await _sending.WaitAsync().ConfigureAwait(false);
            try
            {
                if (_closeSent)
                {
                    throw new WebSocketException(WebSocketError.InvalidState, "the socket is closing");
                }

                _closeSent = opcode == WebSocketOpcode.Close;
                await _output.WriteAsync(frame.AsMemory(0, length)).ConfigureAwait(false);
            }
            catch (InvalidOperationException e)
            {
                // Kestrel's stream once the request has ended (the loop returned while a frame was on its way).
                throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, e);
            }
            finally
            {
                _sending.Release();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }
}
