using System.Buffers.Binary;
using System.Text;
using Microsoft.Extensions.Options;
using Parley.Server.Infrastructure.Logging;
using StackExchange.Redis;

namespace Parley.Server.Features.Messaging;

/// <summary>
/// Hands each committed envelope, event and revocation to the node that holds the connections it is for.
/// One node: straight to <see cref="RelayConnections"/>. Several nodes (Parley:Messaging:Redis set): also
/// published on Redis channels that every node reads; the store stays the source of truth, so a lost
/// wake-up only delays the envelope until the recipient's next connect.
/// </summary>
internal sealed class RelayWakeBus : IHostedService, IAsyncDisposable
{
    private static readonly RedisChannel Channel = RedisChannel.Literal("parley:relay:wake");
    private static readonly RedisChannel RevokeChannel = RedisChannel.Literal("parley:relay:revoke");
    private static readonly RedisChannel EventChannel = RedisChannel.Literal("parley:relay:event");
    private const ushort EveryConnection = ushort.MaxValue;
    private const byte RevokeToken = 1;
    private const byte RevokeUser = 2;
    private readonly RelayConnections _connections;
    private readonly MessagingOptions _options;
    /// <summary>Redis away: one log line per this interval, not one per envelope.</summary>
    private static readonly TimeSpan WakeFailureLogInterval = TimeSpan.FromMinutes(1);

    private readonly ILogger<RelayWakeBus> _logger;
    private readonly Guid _node = Guid.NewGuid();
    private readonly LogThrottle _wakeFailures;
    private ConnectionMultiplexer? _redis;
    private ISubscriber? _subscriber;

    public RelayWakeBus(RelayConnections connections, IOptions<MessagingOptions> options, TimeProvider time, ILogger<RelayWakeBus> logger)
    {
        _connections = connections;
        _options = options.Value;
        _logger = logger;
        _wakeFailures = new LogThrottle(time, WakeFailureLogInterval);
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(_options.Redis))
        {
            return;
        }

        _redis = await ConnectionMultiplexer.ConnectAsync(_options.Redis);
        // Wake-ups published while Redis was away are gone; the store still has their envelopes.
        _redis.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Subscription)
            {
                MessagingLog.RedisRestored(_logger);
                _connections.RedrainAll();
            }
        };
        _subscriber = _redis.GetSubscriber();
        // A message queue, not a handler: handlers may run concurrently and so hand a recipient's
        // envelopes to its pump out of order; the queue delivers them one at a time, in order.
        var queue = await _subscriber.SubscribeAsync(Channel);
        queue.OnMessage(message =>
        {
            if (Decode((byte[])message.Message!) is { } envelope)
            {
                _connections.Deliver(envelope);
            }
        });
        var revocations = await _subscriber.SubscribeAsync(RevokeChannel);
        revocations.OnMessage(message => ApplyRevocation((byte[])message.Message!));
        var events = await _subscriber.SubscribeAsync(EventChannel);
        events.OnMessage(message => ApplyEvent((byte[])message.Message!));
    }

    /// <summary>
    /// Hands an event frame to the other nodes, for these users' connections (null: every connection;
    /// this node has already queued it for its own).
    /// </summary>
    // node(16) ‖ u16 user count (0xFFFF: every connection) ‖ lp16 UTF-8 usernames ‖ event frame
    public void PublishEvent(IReadOnlyList<string>? users, byte[] frame)
    {
        if (_subscriber is null)
        {
            return;
        }

        var names = users?.Select(Encoding.UTF8.GetBytes).ToArray() ?? [];
        var buffer = new byte[18 + names.Sum(n => 2 + n.Length) + frame.Length];
        var span = buffer.AsSpan();
        _node.TryWriteBytes(span);
        BinaryPrimitives.WriteUInt16BigEndian(span[16..], users is null ? EveryConnection : (ushort)names.Length);
        span = span[18..];
        foreach (var name in names)
        {
            BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)name.Length);
            name.CopyTo(span[2..]);
            span = span[(2 + name.Length)..];
        }

        frame.CopyTo(span);
        Publish(EventChannel, buffer);
    }

    internal void ApplyEvent(byte[] buffer)
    {
        if (buffer.Length < 18 || new Guid(buffer.AsSpan(0, 16)) == _node)
        {
            return; // malformed, or ours: already queued locally
        }

        var count = BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(16));
        var at = 18;
        var users = new List<string>();
        for (var i = 0; count != EveryConnection && i < count; i++)
        {
            var length = BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(at));
            users.Add(Encoding.UTF8.GetString(buffer, at + 2, length));
            at += 2 + length;
        }

        var frame = buffer[at..];
        if (count == EveryConnection)
        {
            _connections.PostAll(frame, exceptId: 0);
            return;
        }

        foreach (var user in users)
        {
            _connections.Post(user, frame);
        }
    }

    private void Publish(RedisChannel channel, byte[] message)
    {
        try
        {
            _subscriber!.Publish(channel, message, CommandFlags.FireAndForget);
        }
        catch (RedisException e)
        {
            if (_wakeFailures.TryPass(out var heldBack))
            {
                MessagingLog.WakeFailed(_logger, e.GetType().Name, heldBack);
            }
        }
    }

    /// <summary>Whether Redis is reachable now; null when this node runs alone (no Redis configured).</summary>
    public bool? RedisConnected => string.IsNullOrWhiteSpace(_options.Redis) ? null : _redis?.IsConnected ?? false;

    /// <summary>Closes the connections opened with this token hash, on every node (logout).</summary>
    public void CloseToken(byte[] tokenHash)
    {
        _connections.AbortToken(tokenHash);
        PublishRevocation(RevokeToken, tokenHash);
    }

    /// <summary>Closes every connection of the user, on every node (account deletion).</summary>
    public void CloseUser(string user)
    {
        _connections.AbortUser(user);
        PublishRevocation(RevokeUser, Encoding.UTF8.GetBytes(user));
    }

    // node(16) ‖ kind(1) ‖ token hash or UTF-8 username
    private void PublishRevocation(byte kind, byte[] subject)
    {
        if (_subscriber is null)
        {
            return;
        }

        var buffer = new byte[17 + subject.Length];
        _node.TryWriteBytes(buffer);
        buffer[16] = kind;
        subject.CopyTo(buffer, 17);
        Publish(RevokeChannel, buffer);
    }

    internal void ApplyRevocation(byte[] buffer)
    {
        if (buffer.Length < 18 || new Guid(buffer.AsSpan(0, 16)) == _node)
        {
            return; // malformed, or ours: already applied locally
        }

        var subject = buffer.AsSpan(17);
        switch (buffer[16])
        {
            case RevokeToken:
                _connections.AbortToken(subject.ToArray());
                break;
            case RevokeUser:
                _connections.AbortUser(Encoding.UTF8.GetString(subject));
                break;
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Wake(StoredEnvelope envelope)
    {
        _connections.Deliver(envelope);
        if (_subscriber is null)
        {
            return;
        }

        Publish(Channel, Encode(envelope));
    }

    // node(16) ‖ id(8) ‖ ts(8) ‖ type(4) ‖ lp16 recipient ‖ lp16 sender ‖ lp16 group ‖ content
    private byte[] Encode(StoredEnvelope e)
    {
        var recipient = Encoding.UTF8.GetBytes(e.Recipient);
        var sender = Encoding.UTF8.GetBytes(e.Sender);
        var group = e.GroupId ?? [];
        var buffer = new byte[16 + 8 + 8 + 4 + 6 + recipient.Length + sender.Length + group.Length + e.Content.Length];
        var span = buffer.AsSpan();
        _node.TryWriteBytes(span);
        BinaryPrimitives.WriteInt64BigEndian(span[16..], e.Id);
        BinaryPrimitives.WriteInt64BigEndian(span[24..], e.ServerTimestamp.ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteInt32BigEndian(span[32..], e.Type);
        span = span[36..];
        foreach (var part in new[] { recipient, sender, group })
        {
            BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)part.Length);
            part.CopyTo(span[2..]);
            span = span[(2 + part.Length)..];
        }

        e.Content.CopyTo(span);
        return buffer;
    }

    private StoredEnvelope? Decode(byte[] buffer)
    {
        if (buffer.Length < 42 || new Guid(buffer.AsSpan(0, 16)) == _node)
        {
            return null; // ours: already delivered locally
        }

        var span = buffer.AsSpan();
        var id = BinaryPrimitives.ReadInt64BigEndian(span[16..]);
        var ts = BinaryPrimitives.ReadInt64BigEndian(span[24..]);
        var type = BinaryPrimitives.ReadInt32BigEndian(span[32..]);
        span = span[36..];
        var parts = new byte[3][];
        for (var i = 0; i < 3; i++)
        {
            var length = BinaryPrimitives.ReadUInt16BigEndian(span);
            parts[i] = span.Slice(2, length).ToArray();
            span = span[(2 + length)..];
        }

        return new StoredEnvelope(id, Encoding.UTF8.GetString(parts[0]), Encoding.UTF8.GetString(parts[1]), type,
            parts[2].Length == 0 ? null : parts[2], DateTimeOffset.FromUnixTimeMilliseconds(ts), span.ToArray());
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }
}
