using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Parley.Contracts.Messaging;

namespace Parley.Server.Features.Messaging;

/// <summary>
/// The relay connections of this node, by user, each with its delivery pump. Knows who is online
/// here (presence) and hands each new envelope to the pumps of its recipient.
/// </summary>
internal sealed class RelayConnections(IMessagingStore store, IHubContext<RelayHub> hub, TimeProvider time, ILogger<RelayConnections> logger)
{
    /// <summary>
    /// How long this node remembers a revocation (logout, account deletion; its own or another node's):
    /// far longer than a connection takes from its token check at the WebSocket upgrade to its
    /// registration (the SignalR handshake times out after 10 s).
    /// </summary>
    public static readonly TimeSpan RevocationMemory = TimeSpan.FromMinutes(2);

    private readonly ConcurrentDictionary<string, List<DeliveryPump>> _users = new(StringComparer.Ordinal);

    // Recent revocations (hex token hash or username → timestamp), so a connection that passed the token
    // check before a revocation but registered after its scan still closes, without asking the store again.
    private readonly ConcurrentDictionary<string, long> _revokedTokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _revokedUsers = new(StringComparer.Ordinal);
    private long _forgottenBefore = long.MinValue;

    /// <summary>Adds a connection; true when it is the user's first on this node.</summary>
    public bool Add(DeliveryPump pump)
    {
        var list = _users.GetOrAdd(pump.User, _ => []);
        lock (list)
        {
            list.Add(pump);
            if (list.Count == 1)
            {
                _users[pump.User] = list; // re-add in case Remove dropped the list in between
                return true;
            }

            return false;
        }
    }

    /// <summary>Removes a connection; true when it was the user's last on this node.</summary>
    public bool Remove(DeliveryPump pump)
    {
        if (!_users.TryGetValue(pump.User, out var list))
        {
            return false;
        }

        lock (list)
        {
            if (!list.Remove(pump))
            {
                return false;
            }

            if (list.Count == 0)
            {
                _users.TryRemove(new KeyValuePair<string, List<DeliveryPump>>(pump.User, list));
                return true;
            }

            return false;
        }
    }

    public DeliveryPump NewPump(HubCallerContext context, string user, byte[] tokenHash) =>
        new(context, user, tokenHash, store, hub.Clients.Client(context.ConnectionId), time, logger);

    public bool IsOnline(string user) => _users.TryGetValue(user, out var list) && list.Count > 0;

    /// <summary>Sends an event to each of the user's connections on this node, by direct reference.</summary>
    public async Task SendAsync(string user, string method, object message)
    {
        if (!_users.TryGetValue(user, out var list))
        {
            return;
        }

        DeliveryPump[] pumps;
        lock (list)
        {
            pumps = [.. list];
        }

        foreach (var pump in pumps)
        {
            await pump.Client.SendAsync(method, message, CancellationToken.None);
        }
    }

    public IEnumerable<string> OnlineUsers => _users.Keys;

    public int ConnectionCount => _users.Values.Sum(l => l.Count);

    /// <summary>Hands a just-committed envelope to its recipient's pumps on this node.</summary>
    public void Deliver(StoredEnvelope envelope)
    {
        if (!_users.TryGetValue(envelope.Recipient, out var list))
        {
            return;
        }

        DeliveryPump[] pumps;
        lock (list)
        {
            pumps = [.. list];
        }

        foreach (var pump in pumps)
        {
            pump.Offer(envelope);
        }
    }

    /// <summary>Closes the user's connections on this node and remembers the deletion for connections still on their way.</summary>
    public void AbortUser(string user)
    {
        Remember(_revokedUsers, user);
        Abort(p => p.User == user);
    }

    /// <summary>Closes the token's connections on this node and remembers the revocation for connections still on their way.</summary>
    public void AbortToken(byte[] tokenHash)
    {
        Remember(_revokedTokens, Convert.ToHexString(tokenHash));
        Abort(p => p.TokenHash.AsSpan().SequenceEqual(tokenHash));
    }

    /// <summary>
    /// Whether a connection whose token was checked at <paramref name="authenticatedAt"/> (a
    /// <see cref="TimeProvider.GetTimestamp"/> of this node) has had its token or account revoked since.
    /// Call it after <see cref="Add"/>: a revocation either finds the registered connection and closes it,
    /// or was recorded before, and is seen here. <see cref="Revocation.Unknown"/> when the check is older
    /// than what this node still remembers; the caller then asks the store.
    /// </summary>
    public Revocation RevocationOf(string tokenHashHex, string user, long authenticatedAt)
    {
        Interlocked.MemoryBarrier(); // the registration is visible before the revocations are read (and vice versa in Remember)
        if ((_revokedTokens.TryGetValue(tokenHashHex, out var at) && at >= authenticatedAt)
            || (_revokedUsers.TryGetValue(user, out at) && at >= authenticatedAt))
        {
            return Revocation.Revoked;
        }

        // Read after the entries: one pruned in between has already moved the horizon past it.
        return authenticatedAt < Volatile.Read(ref _forgottenBefore) ? Revocation.Unknown : Revocation.None;
    }

    private void Remember(ConcurrentDictionary<string, long> revoked, string key)
    {
        var now = time.GetTimestamp();
        revoked[key] = now;
        Interlocked.MemoryBarrier();
        var horizon = now - (long)(RevocationMemory.TotalSeconds * time.TimestampFrequency);
        if (Volatile.Read(ref _forgottenBefore) < horizon)
        {
            // The horizon moves before the entries go (see RevocationOf).
            Volatile.Write(ref _forgottenBefore, horizon);
            Prune(_revokedTokens, horizon);
            Prune(_revokedUsers, horizon);
        }
    }

    private static void Prune(ConcurrentDictionary<string, long> revoked, long horizon)
    {
        foreach (var (key, at) in revoked)
        {
            if (at < horizon)
            {
                revoked.TryRemove(new KeyValuePair<string, long>(key, at));
            }
        }
    }

    private void Abort(Func<DeliveryPump, bool> match)
    {
        foreach (var list in _users.Values)
        {
            DeliveryPump[] pumps;
            lock (list)
            {
                pumps = [.. list.Where(match)];
            }

            foreach (var pump in pumps)
            {
                pump.Abort();
            }
        }
    }
}

internal enum Revocation
{
    None,
    Revoked,
    Unknown,
}

/// <summary>
/// Delivers one connection's queue in order. It first drains what is stored (oldest first, in
/// batches), then pushes what arrives live; envelopes that arrive while draining wait and are
/// skipped if the drain already sent them. Nothing is deleted here: only the client's Ack deletes,
/// so whatever a crash or a slow client loses in flight is sent again on the next connect.
/// </summary>
internal sealed class DeliveryPump
{
    public const int Batch = 256;
    private const int LiveCapacity = 4096;

    private readonly HubCallerContext _context;
    private readonly IMessagingStore _store;
    private readonly ISingleClientProxy _client;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<StoredEnvelope> _live = Channel.CreateBounded<StoredEnvelope>(
        new BoundedChannelOptions(LiveCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stop = new();
    private volatile bool _overflowed;

    public DeliveryPump(HubCallerContext context, string user, byte[] tokenHash, IMessagingStore store, ISingleClientProxy client,
        TimeProvider time, ILogger logger)
    {
        _context = context;
        User = user;
        TokenHash = tokenHash;
        _store = store;
        _client = client;
        _time = time;
        _logger = logger;
    }

    public string User { get; }

    public string ConnectionId => _context.ConnectionId;

    /// <summary>This connection's proxy (sends go straight to it, no lookup).</summary>
    public ISingleClientProxy Client => _client;

    public byte[] TokenHash { get; }

    public Task? Running { get; private set; }

    public void Start() => Running = Task.Run(RunAsync);

    public void Offer(StoredEnvelope envelope)
    {
        if (!_live.Writer.TryWrite(envelope))
        {
            // A client this far behind gets its queue re-read from storage instead.
            _overflowed = true;
            _live.Writer.TryWrite(envelope);
        }
    }

    public void Stop()
    {
        _live.Writer.TryComplete();
        _stop.Cancel();
    }

    public void Abort() => _context.Abort();

    private async Task RunAsync()
    {
        var token = _stop.Token;
        try
        {
            HashSet<long>? drained = await DrainAsync(token);
            var drainedAt = Environment.TickCount64;
            List<HubEnvelope>? batch = null; // allocated on first use: idle connections stay small
            while (await _live.Reader.WaitToReadAsync(token))
            {
                if (_overflowed)
                {
                    _overflowed = false;
                    while (_live.Reader.TryRead(out _))
                    {
                    }

                    drained = await DrainAsync(token);
                    drainedAt = Environment.TickCount64;
                    continue;
                }

                // Envelopes the drain already sent can only be notified shortly after it; forget them then.
                if (drained is not null && (drained.Count == 0 || Environment.TickCount64 - drainedAt > 10_000))
                {
                    drained = null;
                }

                batch ??= new List<HubEnvelope>(16);
                batch.Clear();
                while (batch.Count < Batch && _live.Reader.TryRead(out var e))
                {
                    if (drained is null || !drained.Remove(e.Id))
                    {
                        batch.Add(ToHub(e));
                    }
                }

                if (batch.Count > 0)
                {
                    await _client.SendAsync(HubNames.EnvelopesEvent, batch.ToArray(), token);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            MessagingLog.PumpFailed(_logger, e);
            _context.Abort();
        }
    }

    private async Task<HashSet<long>> DrainAsync(CancellationToken token)
    {
        var sent = new HashSet<long>();
        var cursor = 0L;
        while (true)
        {
            var page = await _store.ReadQueueAsync(User, cursor, Batch, _time.GetUtcNow(), token);
            if (page.Count == 0)
            {
                return sent;
            }

            var batch = new HubEnvelope[page.Count];
            for (var i = 0; i < page.Count; i++)
            {
                batch[i] = ToHub(page[i]);
                sent.Add(page[i].Id);
            }

            await _client.SendAsync(HubNames.EnvelopesEvent, batch, token);
            cursor = page[^1].Id;
            if (page.Count < Batch)
            {
                return sent;
            }
        }
    }

    public static HubEnvelope ToHub(StoredEnvelope e) => new()
    {
        Id = e.Id,
        Sender = e.Sender,
        Type = e.Type,
        GroupId = e.GroupId is null ? null : Infrastructure.Text.Base64Url.Encode(e.GroupId),
        ServerTimestamp = e.ServerTimestamp.ToUnixTimeMilliseconds(),
        Content = e.Content,
    };
}
