namespace Parley.Server.Features.Messaging.Storage;

internal sealed partial class MemoryMessagingStore : IEnvelopeQueue
{
    public ValueTask<EnqueueResult> EnqueueAsync(NewEnvelope envelope, int maxQueued, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(Enqueue(envelope, maxQueued));
        }
    }

    private EnqueueResult Enqueue(NewEnvelope e, int? maxQueued)
    {
        if (!_accounts.TryGetValue(e.Recipient, out var account))
        {
            return new EnqueueResult(EnqueueStatus.UnknownRecipient, 0);
        }

        if (maxQueued is { } max && account.Queue.Count >= max)
        {
            return new EnqueueResult(EnqueueStatus.QueueFull, 0);
        }

        var id = ++_nextEnvelopeId;
        _envelopes.Add(id, new StoredEnvelopeEntry(
            new StoredEnvelope(id, e.Recipient, e.Sender, e.Type, e.GroupId, e.Now, e.Content), e.ExpiresAt));
        account.Queue.Add(id);
        return new EnqueueResult(EnqueueStatus.Queued, id);
    }

    public ValueTask<IReadOnlyList<StoredEnvelope>> ReadQueueAsync(string recipient, long afterId, int max, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_accounts.TryGetValue(recipient, out var account))
            {
                return ValueTask.FromResult<IReadOnlyList<StoredEnvelope>>([]);
            }

            var result = new List<StoredEnvelope>();
            foreach (var id in account.Queue.GetViewBetween(afterId + 1, long.MaxValue))
            {
                var entry = _envelopes[id];
                if (entry.ExpiresAt > now)
                {
                    result.Add(entry.Envelope);
                    if (result.Count == max)
                    {
                        break;
                    }
                }
            }

            return ValueTask.FromResult<IReadOnlyList<StoredEnvelope>>(result);
        }
    }

    public ValueTask<IReadOnlyList<AckedEnvelope>> AckAsync(string recipient, IReadOnlyList<long> ids, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var acked = new List<AckedEnvelope>();
            if (_accounts.TryGetValue(recipient, out var account))
            {
                foreach (var id in ids)
                {
                    if (account.Queue.Remove(id) && _envelopes.Remove(id, out var entry))
                    {
                        acked.Add(new AckedEnvelope(id, entry.Envelope.Sender));
                    }
                }
            }

            return ValueTask.FromResult<IReadOnlyList<AckedEnvelope>>(acked);
        }
    }

    public ValueTask<IReadOnlyList<long>> QueuedOfAsync(string sender, IReadOnlyList<long> ids, DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult<IReadOnlyList<long>>(
                [.. ids.Distinct().Where(id => _envelopes.TryGetValue(id, out var e) && e.Envelope.Sender == sender && e.ExpiresAt > now).Order()]);
        }
    }

    public ValueTask<long> CountEnvelopesAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult((long)_envelopes.Count);
        }
    }

    public ValueTask<int> SweepEnvelopesAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var expired = _envelopes.Values.Where(e => e.ExpiresAt <= now).Select(e => e.Envelope).ToList();
            foreach (var e in expired)
            {
                _envelopes.Remove(e.Id);
                if (_accounts.TryGetValue(e.Recipient, out var a))
                {
                    a.Queue.Remove(e.Id);
                }
            }

            return ValueTask.FromResult(expired.Count);
        }
    }
}
