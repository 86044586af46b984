using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Threading.Channels;
using MessagePack;
using MessagePack.Resolvers;
using Parley.Client.Network;
using Parley.Contracts.Messaging;

namespace Parley.Client.Messaging;

/// <summary>How to connect a <see cref="RelayClient"/>.</summary>
public sealed class RelayClientOptions
{
    /// <summary>Source address to bind (load tests spread sockets over 127.0.0.x); null: the system's choice.</summary>
    public IPAddress? LocalAddress { get; init; }

    /// <summary>How long a hub call may take.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The SOCKS5 proxy the WebSocket goes through (names resolved by the proxy); null: a direct connection.</summary>
    public SocksProxy? Proxy { get; init; }

    /// <summary>
    /// The handler the WebSocket's upgrade request goes through (one that trusts a private certificate, say);
    /// null: a shared one for <see cref="LocalAddress"/> and <see cref="Proxy"/>.
    /// </summary>
    public HttpMessageHandler? Handler { get; init; }
}

/// <summary>Whether a <see cref="RelayClient"/> is still connected.</summary>
public enum RelayClientState
{
    Connected,
    Disconnected,
}

/// <summary>
/// A real-time relay connection: a WebSocket whose binary messages are MessagePack arrays
/// (<see cref="RelayFrames"/>, docs/messaging-api.md). Envelopes, delivery receipts and presence events
/// arrive on channels in the order the server sent them; the application stores what it received and
/// then calls <see cref="AckAsync"/> — only that deletes on the server. Error frames become
/// <see cref="MessagingApiException"/>s carrying the server's problem type.
/// </summary>
public sealed class RelayClient : IAsyncDisposable
{
    /// <summary>The largest message the client reads (an Envelopes batch: 256 envelopes of up to the server's limit).</summary>
    private const int MaxMessageBytes = 64 * 1024 * 1024;

    private readonly ClientWebSocket _socket;
    private readonly TimeSpan _callTimeout;
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly ConcurrentDictionary<int, TaskCompletionSource<byte[]>> _calls = new();
    private readonly Channel<HubEnvelope> _envelopes = Channel.CreateUnbounded<HubEnvelope>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly Channel<HubDeliveryReceipt> _receipts = Channel.CreateUnbounded<HubDeliveryReceipt>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly Channel<HubPresence> _presence = Channel.CreateUnbounded<HubPresence>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly TaskCompletionSource<Exception?> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _receiving = Task.CompletedTask;
    private int _lastId;
    private volatile bool _disposing;

    // One handler per source address and proxy, shared by every connection (upgraded sockets leave its pool).
    private static readonly ConcurrentDictionary<(string, SocksProxy?), HttpMessageHandler> Handlers = new();

    private static HttpMessageHandler NewHandler(IPAddress? localAddress, SocksProxy? proxy) => ClientHandlers.Through(new SocketsHttpHandler
    {
        ConnectCallback = async (c, t) =>
        {
            var s = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                if (localAddress is not null)
                {
                    s.Bind(new IPEndPoint(localAddress, 0));
                }

                await s.ConnectAsync(c.DnsEndPoint, t).ConfigureAwait(false);
                return new NetworkStream(s, ownsSocket: true);
            }
            catch
            {
                s.Dispose();
                throw;
            }
        },
    }, proxy);

    private RelayClient(ClientWebSocket socket, TimeSpan callTimeout)
    {
        _socket = socket;
        _callTimeout = callTimeout;
    }

    /// <summary>The serializer settings both sides use (string-keyed maps, untrusted-data limits).</summary>
    public static MessagePackSerializerOptions SerializerOptions { get; } = MessagePackSerializerOptions.Standard
        .WithResolver(ContractlessStandardResolver.Instance)
        .WithSecurity(MessagePackSecurity.UntrustedData);

    /// <summary>Envelopes pushed by the server: the queue in order on connect, then live ones.</summary>
    public ChannelReader<HubEnvelope> Envelopes => _envelopes.Reader;

    public ChannelReader<HubDeliveryReceipt> Receipts => _receipts.Reader;

    public ChannelReader<HubPresence> Presence => _presence.Reader;

    /// <summary>Completes when the connection closes, with the error that closed it (null for a clean close).</summary>
    public Task<Exception?> Closed => _closed.Task;

    public RelayClientState State => _closed.Task.IsCompleted ? RelayClientState.Disconnected : RelayClientState.Connected;

    public static async Task<RelayClient> ConnectAsync(Uri server, string token, RelayClientOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        options ??= new RelayClientOptions();
        var uri = new UriBuilder(new Uri(new Uri(server.GetLeftPart(UriPartial.Authority)), MessagingValues.HubPath))
        {
            Scheme = server.Scheme == "https" ? "wss" : "ws",
        }.Uri;
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        // The server pings too; either side's pings find a dead peer.
        socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(15);
        socket.Options.KeepAliveTimeout = TimeSpan.FromSeconds(30);
        var handler = options.Handler
            ?? Handlers.GetOrAdd((options.LocalAddress?.ToString() ?? string.Empty, options.Proxy), _ => NewHandler(options.LocalAddress, options.Proxy));
        try
        {
            await socket.ConnectAsync(uri, new HttpMessageInvoker(handler, disposeHandler: false), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or WebSocketException or IOException)
        {
            socket.Dispose();
            throw new MessagingApiException("The relay connection failed: " + e.Message, e);
        }

        var client = new RelayClient(socket, options.CallTimeout);
        client._receiving = Task.Run(client.ReceiveAsync, CancellationToken.None);
        return client;
    }

    public Task<HubSendResult> SendAsync(string to, int type, byte[] content, CancellationToken cancellationToken = default) =>
        InvokeAsync<HubSendResult>(HubNames.Send, [to, type, content], cancellationToken);

    /// <summary>
    /// Sends several envelopes in one call (1 to <see cref="HubNames.MaxSendBatch"/>, and all of them within
    /// one message): each gets its own result, in the same order; a refused one carries its problem text.
    /// </summary>
    public Task<HubBatchSendResult[]> SendBatchAsync(IReadOnlyList<HubOutgoingEnvelope> envelopes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(envelopes);
        return InvokeAsync<HubBatchSendResult[]>(HubNames.SendBatch, [envelopes as HubOutgoingEnvelope[] ?? [.. envelopes]], cancellationToken);
    }

    /// <summary>
    /// Queues one ciphertext for every other member of the group. The result pairs each recipient
    /// (<see cref="HubGroupSendResult.RecipientNames"/>) with its envelope id (<see cref="HubGroupSendResult.Ids"/>),
    /// the ids <c>Delivered</c> receipts name. Each recipient counts against the sender's rate limit.
    /// </summary>
    public Task<HubGroupSendResult> SendGroupAsync(string groupId, int type, byte[] content, CancellationToken cancellationToken = default) =>
        InvokeAsync<HubGroupSendResult>(HubNames.SendGroup, [groupId, type, content], cancellationToken);

    /// <summary>Deletes these envelopes from my queue on the server; returns how many were deleted.</summary>
    public Task<int> AckAsync(IReadOnlyList<long> ids, CancellationToken cancellationToken = default) =>
        InvokeAsync<int>(HubNames.Ack, [ids.ToArray()], cancellationToken);

    public Task<string[]> GetPresenceAsync(CancellationToken cancellationToken = default) =>
        InvokeAsync<string[]>(HubNames.GetPresence, [], cancellationToken);

    /// <summary>Any call, with any arguments (tests use it to send what a well-behaved client never would).</summary>
    public async Task<T> InvokeAsync<T>(string method, object?[] args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(args);
        int id;
        do
        {
            id = Interlocked.Increment(ref _lastId) & int.MaxValue;
        }
        while (id == 0);

        var call = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        _calls[id] = call;
        try
        {
            if (_closed.Task.IsCompleted)
            {
                throw Closing(await _closed.Task.ConfigureAwait(false));
            }

            using (var buffer = new PooledBufferWriter())
            {
                var writer = new MessagePackWriter(buffer);
                writer.WriteArrayHeader(3 + args.Length);
                writer.Write(RelayFrames.Invocation);
                writer.Write(id);
                writer.Write(method);
                foreach (var arg in args)
                {
                    if (arg is null)
                    {
                        writer.WriteNil();
                    }
                    else
                    {
                        MessagePackSerializer.Serialize(arg.GetType(), ref writer, arg, SerializerOptions);
                    }
                }

                writer.Flush();
                await SendFrameAsync(buffer.Written, cancellationToken).ConfigureAwait(false);
            }

            var result = await call.Task.WaitAsync(_callTimeout, cancellationToken).ConfigureAwait(false);
            return MessagePackSerializer.Deserialize<T>(result, SerializerOptions, cancellationToken);
        }
        catch (TimeoutException e)
        {
            throw new MessagingApiException($"The relay call {method} got no answer within {_callTimeout.TotalSeconds:0} s", e);
        }
        // A socket closed under a send surfaces as a cancellation that the caller did not ask for (its inner
        // exception the IOException): that is the connection failing too, so the caller can go on over REST.
        catch (Exception e) when (e is WebSocketException or IOException or ObjectDisposedException
            || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new MessagingApiException("The relay connection failed: " + e.Message, e);
        }
        finally
        {
            _calls.TryRemove(id, out _);
        }
    }

    private async Task SendFrameAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        await _sending.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _socket.SendAsync(frame, WebSocketMessageType.Binary, endOfMessage: true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sending.Release();
        }
    }

    private async Task ReceiveAsync()
    {
        Exception? error = null;
        try
        {
            while (true)
            {
                var first = await _socket.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None).ConfigureAwait(false);
                using var message = await RelayFrames.ReceiveAsync(_socket, first, MaxMessageBytes, CancellationToken.None).ConfigureAwait(false);
                if (message.Type == WebSocketMessageType.Close)
                {
                    if (_socket.CloseStatus is { } status and not WebSocketCloseStatus.NormalClosure)
                    {
                        error = new MessagingApiException($"The relay closed the connection: {(int)status} {_socket.CloseStatusDescription}",
                            new WebSocketException(WebSocketError.Faulted));
                    }

                    if (_socket.State == WebSocketState.CloseReceived)
                    {
                        await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).ConfigureAwait(false);
                    }

                    break;
                }

                if (message.TooBig)
                {
                    error = new MessagingApiException("The relay sent a message over the client's limit", new WebSocketException(WebSocketError.Faulted));
                    _socket.Abort();
                    break;
                }

                if (message.Type == WebSocketMessageType.Binary)
                {
                    Handle(message.Payload);
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            error = _disposing ? null : e;
        }
        catch (Exception e) when (e is MessagePackSerializationException or EndOfStreamException or InvalidOperationException)
        {
            error = new MessagingApiException("The relay sent a malformed message: " + e.Message, e);
            _socket.Abort();
        }
        finally
        {
            _envelopes.Writer.TryComplete();
            _receipts.Writer.TryComplete();
            _presence.Writer.TryComplete();
            _closed.TrySetResult(error);
            foreach (var call in _calls.Values)
            {
                call.TrySetException(Closing(error));
            }
        }
    }

    private static MessagingApiException Closing(Exception? error) =>
        new("The relay connection closed" + (error is null ? string.Empty : ": " + error.Message), error ?? new WebSocketException(WebSocketError.ConnectionClosedPrematurely));

    private void Handle(ReadOnlyMemory<byte> frame)
    {
        var reader = new MessagePackReader(frame);
        var count = reader.ReadArrayHeader();
        var kind = reader.ReadInt32();
        if (count != 3)
        {
            return;
        }

        switch (kind)
        {
            case RelayFrames.Result:
                if (_calls.TryGetValue(reader.ReadInt32(), out var call))
                {
                    call.TrySetResult(System.Buffers.BuffersExtensions.ToArray(reader.ReadRaw()));
                }

                break;
            case RelayFrames.Error:
                var id = reader.ReadInt32();
                if (_calls.TryGetValue(id, out var failed))
                {
                    failed.TrySetException(FromProblem(reader.ReadString() ?? string.Empty));
                }

                break;
            case RelayFrames.Event:
                switch (reader.ReadString())
                {
                    case HubNames.EnvelopesEvent:
                        foreach (var e in MessagePackSerializer.Deserialize<HubEnvelope[]>(ref reader, SerializerOptions))
                        {
                            _envelopes.Writer.TryWrite(e);
                        }

                        break;
                    case HubNames.DeliveredEvent:
                        _receipts.Writer.TryWrite(MessagePackSerializer.Deserialize<HubDeliveryReceipt>(ref reader, SerializerOptions));
                        break;
                    case HubNames.PresenceEvent:
                        _presence.Writer.TryWrite(MessagePackSerializer.Deserialize<HubPresence>(ref reader, SerializerOptions));
                        break;
                }

                break;
        }
    }

    /// <summary>Parses an error frame's text ("urn:parley:problem:x: detail").</summary>
    private static MessagingApiException FromProblem(string message)
    {
        if (!message.StartsWith(HubNames.ErrorPrefix, StringComparison.Ordinal))
        {
            return new MessagingApiException(0, "urn:parley:client:hub-error", message);
        }

        var colon = message.IndexOf(": ", StringComparison.Ordinal);
        return colon < 0 ? new MessagingApiException(0, message, null) : new MessagingApiException(0, message[..colon], message[(colon + 2)..]);
    }

    /// <summary>Closes the connection (a close handshake of at most two seconds, then the socket is dropped).</summary>
    public async ValueTask DisposeAsync()
    {
        _disposing = true;
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await SendCloseAsync(timeout.Token).ConfigureAwait(false);
                await _receiving.WaitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }

        _socket.Abort();
        await _receiving.ConfigureAwait(false);
        _socket.Dispose();
    }

    private async Task SendCloseAsync(CancellationToken cancellationToken)
    {
        await _sending.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sending.Release();
        }
    }
}
