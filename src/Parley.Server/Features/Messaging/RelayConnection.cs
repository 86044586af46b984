using System.Net.WebSockets;
using Parley.Contracts.Messaging;
using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Features.Messaging;

/// <summary>
/// One relay socket: who it belongs to, and its delivery pump. The pump first drains what is stored
/// (oldest first, in batches), then pushes what arrives live; envelopes that arrive while draining wait
/// and are skipped if the drain already sent them. Events (receipts, presence, group events) go
/// through the same queue, so one slow socket never holds up the sender of an event. Nothing is
/// deleted here: only the client's Ack deletes, so whatever a crash or a slow client loses in flight is
/// sent again on the next connect. An idle connection holds no queue, task, buffer, timer or token
/// source: the pump runs only while there is something to send, and the socket waits on a zero-byte
/// read (docs/benchmarks.md, "Relay transport").
/// </summary>
internal sealed class RelayConnection
{
    public const int Batch = 256;

    /// <summary>
    /// How far a client may fall behind live before what arrives for it is left in storage (its next
    /// drain reads it): 4096 items or 1 MiB of content, whichever comes first, so a client that stops
    /// reading costs the node a bounded amount of memory however much is sent to it.
    /// </summary>
    private const int LiveCapacity = 4096;

    private const int LiveCapacityBytes = 1024 * 1024;

    /// <summary>Content in one Envelopes frame: a client that stops reading holds up at most this much in flight.</summary>
    private const int FrameBytes = 256 * 1024;

    /// <summary>What an envelope in the live queue is counted as besides its content (its record and fields).</summary>
    private const int EnvelopeOverheadBytes = 128;

    /// <summary>
    /// How long the ids a drain sent are kept to skip their live copies: an envelope committed before the
    /// drain read it is handed to the pump within moments of its commit, so ten seconds is ample.
    /// </summary>
    private static readonly TimeSpan DrainedMemory = TimeSpan.FromSeconds(10);
    private static long _lastId;

    private readonly RelayConnections _owner;
    private readonly Lock _gate = new();

    // Guarded by _gate. The queue holds StoredEnvelopes (batched into Envelopes events) and byte[]s
    // (whole event frames); it exists only while the pump runs.
    private Queue<object>? _queue;
    private long _queuedBytes;
    private bool _started;
    private bool _pumping;
    private bool _drain;
    private bool _stopped;
    private HashSet<long>? _drained;
    private long _drainedAt;

    public RelayConnection(RelaySocket socket, string user, byte[] tokenHash, long expiresAt, RelayConnections owner)
    {
        Socket = socket;
        User = user;
        TokenHash = tokenHash;
        ExpiresAt = expiresAt;
        _owner = owner;
    }

    /// <summary>The WebSocket this connection's frames go out on.</summary>
    public RelaySocket Socket { get; }

    /// <summary>Unique on this node (presence under "everyone" skips the connection that announces).</summary>
    public long Id { get; } = Interlocked.Increment(ref _lastId);

    public string User { get; }

    public byte[] TokenHash { get; }

    /// <summary>When the token expires (Unix ms of the server's clock).</summary>
    public long ExpiresAt { get; }

    /// <summary>Starts the pump with a drain of the stored queue.</summary>
    public void Start()
    {
        lock (_gate)
        {
            _started = true;
            _drain = true;
            _pumping = true;
        }

        Run();
    }

    public void Offer(StoredEnvelope envelope) => Enqueue(envelope);

    /// <summary>Sends the stored queue again (after lost wake-ups); the client drops what it already has by id.</summary>
    public void Redrain()
    {
        lock (_gate)
        {
            if (_stopped || !_started)
            {
                return; // not started: its first drain is still to come
            }

            _drain = true;
            if (_pumping)
            {
                return; // the running pump sees the flag
            }

            _pumping = true;
        }

        Run();
    }

    /// <summary>Queues an event frame; a client <see cref="LiveCapacity"/> items or <see cref="LiveCapacityBytes"/> behind loses it (envelopes are re-read, events are not).</summary>
    public void Post(byte[] frame) => Enqueue(frame);

    public void Stop()
    {
        lock (_gate)
        {
            _stopped = true;
            _queue = null;
            _queuedBytes = 0;
        }
    }

    public void Abort() => Socket.Abort();

    /// <summary>Sends one whole message; messages from the pump and from calls never interleave.</summary>
    public Task SendAsync(ReadOnlyMemory<byte> frame) => Socket.SendAsync(frame);

    /// <summary>Sends a close frame (after the last frame in flight).</summary>
    public Task CloseAsync(WebSocketCloseStatus status, string description) => Socket.CloseAsync(status, description);

    private void Enqueue(object item)
    {
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            var size = SizeOf(item);
            if (_queue?.Count >= LiveCapacity || _queuedBytes + size > LiveCapacityBytes)
            {
                // A client this far behind gets its queue re-read from storage instead.
                _drain |= item is StoredEnvelope;
                return;
            }

            (_queue ??= new Queue<object>()).Enqueue(item);
            _queuedBytes += size;
            if (_pumping || !_started)
            {
                return;
            }

            _pumping = true;
        }

        Run();
    }

    private void Run() => ThreadPool.UnsafeQueueUserWorkItem(static c => _ = c.PumpAsync(), this, preferLocal: false);

    private async Task PumpAsync()
    {
        List<HubEnvelope>? batch = null;
        try
        {
            while (true)
            {
                byte[]? frame = null;
                bool drain;
                lock (_gate)
                {
                    drain = _drain && !_stopped;
                    _drain = false;
                    batch?.Clear();
                    if (drain)
                    {
                        // Every envelope queued so far is committed, so the drain reads it; the events stay.
                        _queue = _queue is null ? null : new Queue<object>(_queue.Where(i => i is byte[]));
                        _queuedBytes = _queue?.Sum(SizeOf) ?? 0;
                    }
                    else if (!_stopped)
                    {
                        frame = Take(ref batch);
                    }

                    if (!drain && frame is null && batch is not { Count: > 0 })
                    {
                        _queue = null; // idle: the queue goes until the next item
                        _queuedBytes = 0;
                        _pumping = false;
                        return;
                    }
                }

                if (drain)
                {
                    var sent = await DrainAsync().ConfigureAwait(false);
                    lock (_gate)
                    {
                        (_drained, _drainedAt) = (sent.Count == 0 ? null : sent, _owner.Time.GetTimestamp());
                    }
                }
                else if (frame is not null)
                {
                    await SendAsync(frame).ConfigureAwait(false);
                }
                else
                {
                    await SendEnvelopesAsync(batch!).ConfigureAwait(false);
                    _owner.Metrics.DeliveredLive(batch!, _owner.Time.GetUtcNow());
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            Stop();
            Socket.Abort(); // the socket closed under the pump: nothing to report
        }
        catch (Exception e)
        {
            Stop();
            MessagingLog.PumpFailed(_owner.Logger, e);
            Socket.Abort();
        }
    }

    /// <summary>
    /// The next event frame, or the next envelopes (up to <see cref="Batch"/>, up to the next event) into
    /// <paramref name="batch"/>, skipping those the drain already sent. Under <see cref="_gate"/>.
    /// </summary>
    private byte[]? Take(ref List<HubEnvelope>? batch)
    {
        // Envelopes the drain already sent can only be notified shortly after it; forget them then.
        if (_drained is not null && _owner.Time.GetElapsedTime(_drainedAt) > DrainedMemory)
        {
            _drained = null;
        }

        var bytes = 0L;
        while (_queue is { Count: > 0 } queue && (batch?.Count ?? 0) < Batch && bytes < FrameBytes)
        {
            if (queue.Peek() is byte[] frame)
            {
                if (batch is { Count: > 0 })
                {
                    return null; // the envelopes before it go first
                }

                queue.Dequeue();
                _queuedBytes -= frame.Length;
                return frame;
            }

            var e = (StoredEnvelope)queue.Dequeue();
            _queuedBytes -= SizeOf(e);
            if (_drained is null || !_drained.Remove(e.Id))
            {
                (batch ??= new List<HubEnvelope>(16)).Add(ToHub(e));
                bytes += e.Content.Length;
            }
        }

        return null;
    }

    private static long SizeOf(object item) => item is StoredEnvelope e ? e.Content.Length + EnvelopeOverheadBytes : ((byte[])item).Length;

    /// <summary>Items and bytes waiting in the live queue (tests: a client that stops reading holds at most the bound).</summary>
    internal (int Items, long Bytes) Backlog
    {
        get
        {
            lock (_gate)
            {
                return (_queue?.Count ?? 0, _queuedBytes);
            }
        }
    }

    private async Task SendEnvelopesAsync(IReadOnlyList<HubEnvelope> batch)
    {
        using var buffer = new PooledBufferWriter(4096);
        RelayWire.Event(buffer, HubNames.EnvelopesEvent, batch);
        await SendAsync(buffer.Written).ConfigureAwait(false);
    }

    private async Task<HashSet<long>> DrainAsync()
    {
        var sent = new HashSet<long>();
        var cursor = 0L;
        var pageSize = Batch;
        while (true)
        {
            IReadOnlyList<StoredEnvelope> page;
            using (_owner.StoreMetrics.Time(StoreOperations.EnvelopeRead))
            {
                page = await _owner.Store.ReadQueueAsync(User, cursor, pageSize, _owner.Time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
            }

            if (page.Count == 0)
            {
                return sent;
            }

            // Frames of at most FrameBytes of content each; large envelopes make the next page shorter,
            // so a drain holds about LiveCapacityBytes however large they are.
            var frame = new List<HubEnvelope>();
            var bytes = 0L;
            var pageBytes = 0L;
            foreach (var e in page)
            {
                if (frame.Count > 0 && bytes + e.Content.Length > FrameBytes)
                {
                    await SendEnvelopesAsync(frame).ConfigureAwait(false);
                    (frame, bytes) = ([], 0);
                }

                frame.Add(ToHub(e));
                sent.Add(e.Id);
                bytes += e.Content.Length;
                pageBytes += e.Content.Length;
            }

            await SendEnvelopesAsync(frame).ConfigureAwait(false);
            _owner.Metrics.Delivered(page.Count);
            cursor = page[^1].Id;
            if (page.Count < pageSize)
            {
                return sent;
            }

            pageSize = (int)Math.Clamp(LiveCapacityBytes / Math.Max(1, pageBytes / page.Count), 1, Batch);
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
