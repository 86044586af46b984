using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Threading.Channels;
using MessagePack;
using MessagePack.Resolvers;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Http.Connections.Client;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
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
}

/// <summary>
/// A real-time relay connection (SignalR over WebSockets, MessagePack). Envelopes, delivery receipts
/// and presence events arrive on channels in the order the server sent them; the application stores
/// what it received and then calls <see cref="AckAsync"/> — only that deletes on the server.
/// Hub errors become <see cref="MessagingApiException"/>s carrying the server's problem type.
/// </summary>
public sealed class RelayClient : IAsyncDisposable
{
    private readonly HubConnection _connection;
    private readonly Channel<HubEnvelope> _envelopes = Channel.CreateUnbounded<HubEnvelope>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly Channel<HubDeliveryReceipt> _receipts = Channel.CreateUnbounded<HubDeliveryReceipt>();
    private readonly Channel<HubPresence> _presence = Channel.CreateUnbounded<HubPresence>();
    private readonly TaskCompletionSource<Exception?> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // One handler per source address and proxy, shared by every connection (upgraded sockets leave its pool).
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string, SocksProxy?), HttpMessageHandler> Handlers = new();

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

    private RelayClient(HubConnection connection)
    {
        _connection = connection;
        _connection.On<HubEnvelope[]>(HubNames.EnvelopesEvent, batch =>
        {
            foreach (var e in batch)
            {
                _envelopes.Writer.TryWrite(e);
            }
        });
        _connection.On<HubDeliveryReceipt>(HubNames.DeliveredEvent, r => _receipts.Writer.TryWrite(r));
        _connection.On<HubPresence>(HubNames.PresenceEvent, p => _presence.Writer.TryWrite(p));
        _connection.Closed += e =>
        {
            _closed.TrySetResult(e);
            _envelopes.Writer.TryComplete();
            _receipts.Writer.TryComplete();
            _presence.Writer.TryComplete();
            return Task.CompletedTask;
        };
    }

    /// <summary>The serializer settings both sides use (string-keyed maps, untrusted-data limits).</summary>
    public static MessagePackSerializerOptions SerializerOptions { get; } = MessagePackSerializerOptions.Standard
        .WithResolver(ContractlessStandardResolver.Instance)
        .WithSecurity(MessagePackSecurity.UntrustedData);

    // Stateless and thread-safe: one instance serves every connection (the server shares one too).
    private static readonly MessagePackHubProtocol Protocol =
        new(Options.Create(new MessagePackHubProtocolOptions { SerializerOptions = SerializerOptions }));

    /// <summary>Envelopes pushed by the server: the queue in order on connect, then live ones.</summary>
    public ChannelReader<HubEnvelope> Envelopes => _envelopes.Reader;

    public ChannelReader<HubDeliveryReceipt> Receipts => _receipts.Reader;

    public ChannelReader<HubPresence> Presence => _presence.Reader;

    /// <summary>Completes when the connection closes, with the error that closed it (null for a clean close).</summary>
    public Task<Exception?> Closed => _closed.Task;

    public HubConnectionState State => _connection.State;

    public static async Task<RelayClient> ConnectAsync(Uri server, string token, RelayClientOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        options ??= new RelayClientOptions();
        var hubUri = new Uri(new Uri(server.GetLeftPart(UriPartial.Authority)), MessagingValues.HubPath);
        // Built by hand rather than with HubConnectionBuilder: the builder gives every connection its own
        // service provider, and resolving SignalR's services in a fresh provider was ~30 % of a load
        // generator's CPU per connect (perf, docs/benchmarks.md). The protocol, the (empty) services and
        // the logger factory are shared; the connection factory is this socket's own (token, source address).
        var connection = new HubConnection(new WebSocketConnectionFactory(hubUri, token, options.LocalAddress, options.Proxy), Protocol,
            new UriEndPoint(hubUri), NoServices.Instance, NullLoggerFactory.Instance);
        connection.ServerTimeout = TimeSpan.FromSeconds(45);
        connection.HandshakeTimeout = TimeSpan.FromSeconds(15);
        var client = new RelayClient(connection);
        try
        {
            await connection.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or WebSocketException or IOException)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new MessagingApiException("The relay connection failed: " + e.Message, e);
        }

        return client;
    }

    public Task<HubSendResult> SendAsync(string to, int type, byte[] content, CancellationToken cancellationToken = default) =>
        InvokeAsync<HubSendResult>(HubNames.Send, [to, type, content], cancellationToken);

    /// <summary>
    /// Sends several envelopes in one hub call (1 to <see cref="HubNames.MaxSendBatch"/>, and all of them within
    /// one hub message): each gets its own result, in the same order; a refused one carries its problem text.
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

    /// <summary>Any hub call, with any arguments (tests use it to send what a well-behaved client never would).</summary>
    public async Task<T> InvokeAsync<T>(string method, object?[] args, CancellationToken cancellationToken = default)
    {
        try
        {
            return await _connection.InvokeCoreAsync<T>(method, args, cancellationToken).ConfigureAwait(false);
        }
        catch (HubException e)
        {
            throw FromHub(e);
        }
    }

    /// <summary>Parses the problem type out of a hub error ("… HubException: urn:parley:problem:x: detail").</summary>
    public static MessagingApiException FromHub(HubException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var message = e.Message;
        var at = message.IndexOf(HubNames.ErrorPrefix, StringComparison.Ordinal);
        if (at < 0)
        {
            return new MessagingApiException(0, "urn:parley:client:hub-error", message);
        }

        var rest = message[at..];
        var colon = rest.IndexOf(": ", StringComparison.Ordinal);
        return colon < 0 ? new MessagingApiException(0, rest, null) : new MessagingApiException(0, rest[..colon], rest[(colon + 2)..]);
    }

    public async ValueTask DisposeAsync() => await _connection.DisposeAsync().ConfigureAwait(false);

    /// <summary>
    /// Services for <see cref="HubConnection"/>: none (it then uses its defaults). Not disposable, so a
    /// disposed connection leaves it usable for the others.
    /// </summary>
    private sealed class NoServices : IServiceProvider
    {
        public static readonly NoServices Instance = new();

        public object? GetService(Type serviceType) => null;
    }

    /// <summary>Opens this client's WebSocket (no negotiation) with its token, from its source address.</summary>
    private sealed class WebSocketConnectionFactory(Uri hubUri, string token, IPAddress? localAddress, SocksProxy? proxy) : IConnectionFactory
    {
        public async ValueTask<ConnectionContext> ConnectAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
        {
            var options = new HttpConnectionOptions
            {
                Url = hubUri,
                Transports = HttpTransportType.WebSockets,
                SkipNegotiation = true,
                DefaultTransferFormat = TransferFormat.Binary,
                WebSocketFactory = OpenAsync,
            };
            var connection = new HttpConnection(options, NullLoggerFactory.Instance);
            try
            {
                await connection.StartAsync(TransferFormat.Binary, cancellationToken).ConfigureAwait(false);
                return connection;
            }
            catch
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        private async ValueTask<WebSocket> OpenAsync(WebSocketConnectionContext context, CancellationToken cancellationToken)
        {
            var socket = new ClientWebSocket();
            socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
            socket.Options.KeepAliveInterval = TimeSpan.Zero; // SignalR pings on its own
            var handler = Handlers.GetOrAdd((localAddress?.ToString() ?? string.Empty, proxy), _ => NewHandler(localAddress, proxy));
            var scheme = context.Uri.Scheme == "https" ? "wss" : context.Uri.Scheme == "http" ? "ws" : context.Uri.Scheme;
            var wsUri = new UriBuilder(context.Uri) { Scheme = scheme }.Uri;
            try
            {
                await socket.ConnectAsync(wsUri, new HttpMessageInvoker(handler, disposeHandler: false), cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                socket.Dispose();
                throw;
            }

            return socket;
        }
    }
}
