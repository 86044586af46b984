namespace Parley.Client.Profiles;

/// <summary>
/// A unit of work on a profile. Reads see its own writes first, then its parent's, then the store.
/// Nothing reaches the disk until the outermost write commits, and then everything does, in one
/// transaction: a session's new state, the message it decrypted and the note that the envelope still
/// has to be acknowledged are stored together or not at all. A nested write (<see cref="Nest"/>) lets
/// one envelope's changes be dropped without dropping the batch around it.
/// </summary>
public sealed class ProfileWrite
{
    private readonly ProfileStore _store;
    private readonly ProfileWrite? _parent;
    private readonly Dictionary<(ItemKind, string), Entry> _items = [];
    private readonly Dictionary<string, StoredMessage> _messages = new(StringComparer.Ordinal);
    private readonly List<OutboxEntry> _outboxAdds = [];
    private readonly List<long> _outboxRemoves = [];
    private readonly List<long> _inboundAdds = [];
    private readonly List<long> _inboundRemoves = [];
    private readonly List<(long Envelope, string Uid)> _sentAdds = [];
    private readonly List<long> _sentRemoves = [];
    private readonly HashSet<string> _messageDeletes = new(StringComparer.Ordinal);

    internal ProfileWrite(ProfileStore store, ProfileWrite? parent)
    {
        _store = store;
        _parent = parent;
    }

    public ProfileStore Store => _store;

    internal IReadOnlyDictionary<(ItemKind, string), Entry> Items => _items;

    internal IReadOnlyCollection<StoredMessage> Messages => _messages.Values;

    internal IReadOnlyList<OutboxEntry> OutboxAdds => _outboxAdds;

    internal IReadOnlyList<long> OutboxRemoves => _outboxRemoves;

    internal IReadOnlyList<long> InboundAdds => _inboundAdds;

    internal IReadOnlyList<long> InboundRemoves => _inboundRemoves;

    internal IReadOnlyList<(long Envelope, string Uid)> SentAdds => _sentAdds;

    internal IReadOnlyList<long> SentRemoves => _sentRemoves;

    internal IReadOnlyCollection<string> MessageDeletes => _messageDeletes;

    /// <summary>Whether this write holds anything to store.</summary>
    public bool IsEmpty => _items.Count == 0 && _messages.Count == 0 && _outboxAdds.Count == 0 && _outboxRemoves.Count == 0
        && _inboundAdds.Count == 0 && _inboundRemoves.Count == 0 && _sentAdds.Count == 0 && _sentRemoves.Count == 0 && _messageDeletes.Count == 0;

    public T? Get<T>(ItemKind kind, string name, IItemCodec<T> codec)
        where T : class
    {
        for (var w = this; w is not null; w = w._parent)
        {
            if (w._items.TryGetValue((kind, name), out var entry))
            {
                return (T?)entry.Value;
            }
        }

        return _store.Get(kind, name, codec);
    }

    /// <summary>Every object of <paramref name="kind"/>, as this write would leave them.</summary>
    public IReadOnlyList<T> List<T>(ItemKind kind, IItemCodec<T> codec)
        where T : class
    {
        var rows = _store.ListRows(kind, codec);
        foreach (var w in Chain())
        {
            foreach (var ((k, name), entry) in w._items)
            {
                if (k != kind)
                {
                    continue;
                }

                var row = _store.RowId(kind, name);
                if (entry.Value is null)
                {
                    rows.Remove(row);
                }
                else
                {
                    rows[row] = (T)entry.Value;
                }
            }
        }

        return [.. rows.Values];
    }

    public void Put<T>(ItemKind kind, string name, T value, IItemCodec<T> codec)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(value);
        _items[(kind, name)] = new Entry(value, o => codec.Encode((T)o));
    }

    public void Delete(ItemKind kind, string name) => _items[(kind, name)] = new Entry(null, _ => []);

    /// <summary>The message with this uid, as this write would leave it, or null.</summary>
    public StoredMessage? GetMessage(string uid)
    {
        for (var w = this; w is not null; w = w._parent)
        {
            if (w._messages.TryGetValue(uid, out var m))
            {
                return m;
            }

            if (w._messageDeletes.Contains(uid))
            {
                return null;
            }
        }

        return _store.GetMessage(uid);
    }

    /// <summary>Stores a new message or a message's new state (its row, and so its place in history, stays).</summary>
    public void PutMessage(StoredMessage message)
    {
        _messageDeletes.Remove(message.Uid);
        _messages[message.Uid] = message;
    }

    /// <summary>Deletes a message's row (and its delivery tracking) for good: the row is gone, not hidden.</summary>
    public void DeleteMessage(string uid)
    {
        _messages.Remove(uid);
        _messageDeletes.Add(uid);
    }

    public void AddOutbox(OutboxEntry entry) => _outboxAdds.Add(entry);

    public void RemoveOutbox(long sequence) => _outboxRemoves.Add(sequence);

    /// <summary>Notes an envelope as stored but not yet acknowledged to the server.</summary>
    public void MarkInbound(long envelopeId) => _inboundAdds.Add(envelopeId);

    public void ForgetInbound(IEnumerable<long> envelopeIds) => _inboundRemoves.AddRange(envelopeIds);

    /// <summary>Whether this write (or a parent) already notes the envelope.</summary>
    public bool HasInbound(long envelopeId)
    {
        for (var w = this; w is not null; w = w._parent)
        {
            if (w._inboundAdds.Contains(envelopeId))
            {
                return true;
            }
        }

        return _store.HasInbound(envelopeId);
    }

    /// <summary>Remembers which message an envelope the server queued for a recipient carries (for delivery receipts).</summary>
    public void MapSent(long envelopeId, string uid) => _sentAdds.Add((envelopeId, uid));

    public void UnmapSent(long envelopeId) => _sentRemoves.Add(envelopeId);

    /// <summary>A child write: <see cref="MergeIntoParent"/> keeps its changes, dropping it forgets them.</summary>
    public ProfileWrite Nest() => new(_store, this);

    public void MergeIntoParent()
    {
        var parent = _parent ?? throw new InvalidOperationException("Only a nested write merges into a parent.");
        foreach (var (key, entry) in _items)
        {
            parent._items[key] = entry;
        }

        foreach (var uid in _messageDeletes)
        {
            parent.DeleteMessage(uid);
        }

        foreach (var (uid, m) in _messages)
        {
            parent._messages[uid] = m;
        }

        parent._outboxAdds.AddRange(_outboxAdds);
        parent._outboxRemoves.AddRange(_outboxRemoves);
        parent._inboundAdds.AddRange(_inboundAdds);
        parent._inboundRemoves.AddRange(_inboundRemoves);
        parent._sentAdds.AddRange(_sentAdds);
        parent._sentRemoves.AddRange(_sentRemoves);
        Clear();
    }

    /// <summary>Stores everything in one transaction.</summary>
    public void Commit()
    {
        if (_parent is not null)
        {
            throw new InvalidOperationException("A nested write merges into its parent; only the outermost one commits.");
        }

        if (!IsEmpty)
        {
            _store.Commit(this);
        }

        Clear();
    }

    private void Clear()
    {
        _items.Clear();
        _messages.Clear();
        _outboxAdds.Clear();
        _outboxRemoves.Clear();
        _inboundAdds.Clear();
        _inboundRemoves.Clear();
        _sentAdds.Clear();
        _sentRemoves.Clear();
        _messageDeletes.Clear();
    }

    private List<ProfileWrite> Chain()
    {
        var chain = new List<ProfileWrite>();
        for (var w = this; w is not null; w = w._parent)
        {
            chain.Add(w);
        }

        chain.Reverse();
        return chain;
    }

    internal sealed record Entry(object? Value, Func<object, byte[]> Encode);
}
