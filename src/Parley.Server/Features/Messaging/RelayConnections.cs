using System.Collections.Concurrent;
using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Features.Messaging;

/// <summary>
/// The relay connections of this node, by user, each with its delivery pump. Knows who is online
/// here (presence) and hands each new envelope to the pumps of its recipient.
/// </summary>
internal sealed class RelayConnections(IEnvelopeQueue store, TimeProvider time, MessagingMetrics metrics, StoreMetrics storeMetrics,
    ILogger<RelayConnections> logger)
{
    /// <summary>
    /// How long this node remembers a revocation (logout, account deletion; its own or another node's):
    /// far longer than a connection takes from its token check at the WebSocket upgrade to its
    /// registration (a few store reads).
    /// </summary>
    public static readonly TimeSpan RevocationMemory = TimeSpan.FromMinutes(2);

    private readonly ConcurrentDictionary<string, List<RelayConnection>> _users = new(StringComparer.Ordinal);

    // Recent revocations (hex token hash or username → timestamp), so a connection that passed the token
    // check before a revocation but registered after its scan still closes, without asking the store again.
    private readonly ConcurrentDictionary<string, long> _revokedTokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _revokedUsers = new(StringComparer.Ordinal);
    private long _forgottenBefore = long.MinValue;

    /// <summary>Adds a connection; true when it is the user's first on this node.</summary>
    public bool Add(RelayConnection pump)
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
    public bool Remove(RelayConnection pump)
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
                _users.TryRemove(new KeyValuePair<string, List<RelayConnection>>(pump.User, list));
                return true;
            }

            return false;
        }
    }

    internal IEnvelopeQueue Store => store;

    internal TimeProvider Time => time;

    internal ILogger Logger => logger;

    internal MessagingMetrics Metrics => metrics;

    internal StoreMetrics StoreMetrics => storeMetrics;

    public bool IsOnline(string user) => _users.TryGetValue(user, out var list) && list.Count > 0;

    /// <summary>Queues an event frame (<see cref="RelayWire.Event(string, object)"/>) for each of the user's connections on this node.</summary>
    public void Post(string user, byte[] frame)
    {
        foreach (var connection in Of(user))
        {
            connection.Post(frame);
        }
    }

    /// <summary>Queues an event frame for every connection of this node but one (0: none).</summary>
    public void PostAll(byte[] frame, long exceptId)
    {
        foreach (var list in _users.Values)
        {
            RelayConnection[] connections;
            lock (list)
            {
                connections = [.. list];
            }

            foreach (var connection in connections)
            {
                if (connection.Id != exceptId)
                {
                    connection.Post(frame);
                }
            }
        }
    }

    /// <summary>The user's connections on this node.</summary>
    internal RelayConnection[] Of(string user)
    {
        if (!_users.TryGetValue(user, out var list))
        {
            return [];
        }

        lock (list)
        {
            return [.. list];
        }
    }

    public IEnumerable<string> OnlineUsers => _users.Keys;

    public int ConnectionCount => _users.Values.Sum(l => l.Count);

    /// <summary>Users with at least one connection on this node.</summary>
    public int OnlineUserCount => _users.Count;

    /// <summary>Hands a just-committed envelope to its recipient's pumps on this node.</summary>
    public void Deliver(StoredEnvelope envelope)
    {
        foreach (var connection in Of(envelope.Recipient))
        {
            connection.Offer(envelope);
        }
    }

    /// <summary>
    /// Makes every connection of this node read its queue from the store again: wake-ups from other
    /// nodes may have been lost (Redis was down), and the store has every envelope they were for.
    /// </summary>
    public void RedrainAll()
    {
        foreach (var list in _users.Values)
        {
            RelayConnection[] pumps;
            lock (list)
            {
                pumps = [.. list];
            }

            foreach (var pump in pumps)
            {
                pump.Redrain();
            }
        }
    }

    /// <summary>Closes the connections whose token has expired (the sweeper calls it).</summary>
    public void AbortExpired(DateTimeOffset now)
    {
        var at = now.ToUnixTimeMilliseconds();
        Abort(c => c.ExpiresAt <= at);
    }

    /// <summary>Closes every connection of this node (the server is stopping).</summary>
    public void AbortAll() => Abort(_ => true);

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

    /// <summary>Runs <paramref name="action"/> on every connection (under its user's list lock: keep it short).</summary>
    public void ForEach(Action<RelayConnection> action)
    {
        foreach (var (_, list) in _users)
        {
            lock (list)
            {
                foreach (var connection in list)
                {
                    action(connection);
                }
            }
        }
    }

    private void Abort(Func<RelayConnection, bool> match)
    {
        foreach (var list in _users.Values)
        {
            RelayConnection[] pumps;
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
