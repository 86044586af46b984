using Parley.Server.Features.Secrets;

namespace Parley.Server.Features.Webhooks.Storage;

/// <summary>
/// RAM-only store: one lock over targets and outbox (webhook traffic is small next to the secrets'). The memory
/// stores of secrets and requests add targets and queue events through it, inside their own locks (lock order:
/// theirs, then this store's).
/// </summary>
internal sealed class MemoryWebhookStore(WebhookSignal signal) : IWebhookStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<SecretId, Target> _targets = [];
    private readonly Dictionary<long, Queued> _outbox = [];
    private long _lastSequence;

    /// <summary>
    /// Stores a target; false when its subject has one already. The memory stores of secrets and requests call it
    /// before their subject exists.
    /// </summary>
    public bool TryAddTarget(WebhookTarget target)
    {
        lock (_gate)
        {
            return _targets.TryAdd(target.SubjectId, new Target(target with { SigningKey = [.. target.SigningKey] }));
        }
    }

    /// <summary>Removes the target of a subject whose create failed (none: nothing happens).</summary>
    public void RemoveTarget(SecretId subject)
    {
        lock (_gate)
        {
            _targets.Remove(subject);
        }
    }

    /// <summary>Gives the answer's secret the request's target, if it has one: its opening is reported under the request's id.</summary>
    public void AddAnswerTarget(SecretId request, SecretId answer)
    {
        lock (_gate)
        {
            if (_targets.TryGetValue(request, out var t) && t.Value.Kind == WebhookSubject.Request)
            {
                _targets.TryAdd(answer, new Target(t.Value with { SubjectId = answer, Kind = WebhookSubject.RequestAnswer }));
            }
        }
    }

    /// <summary>
    /// Queues <paramref name="happened"/> for the subject's target, if it has one told of it; true when it did.
    /// The memory stores of secrets and requests call it under the lock of the change it reports.
    /// </summary>
    public bool Queue(SecretId subject, SubjectEvent happened, int? viewsLeft, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (!_targets.TryGetValue(subject, out var t) || WebhookPayload.TypeFor(t.Value.Kind, happened) is null)
            {
                return false;
            }

            var sequence = ++_lastSequence;
            _outbox.Add(sequence, new Queued(sequence, WebhookPayload.NewMessageId(), subject, WebhookPayload.Build(t.Value.Kind, happened, now, t.Value.ReportId, viewsLeft), now)
            {
                NextAttemptAt = now,
            });
        }

        signal.Wake();
        return true;
    }

    public ValueTask<WebhookTarget?> FindTargetAsync(SecretId subject, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_targets.TryGetValue(subject, out var t) ? t.Value with { SigningKey = [.. t.Value.SigningKey] } : null);
        }
    }

    public ValueTask<bool> EnqueueAsync(SecretId subject, SubjectEvent happened, int? viewsLeft, DateTimeOffset now,
        CancellationToken cancellationToken) =>
        ValueTask.FromResult(Queue(subject, happened, viewsLeft, now));

    public ValueTask<IReadOnlyList<PendingDelivery>> ClaimDueAsync(DateTimeOffset now, DateTimeOffset leaseUntil, int max,
        CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var due = _outbox.Values.Where(q => q.NextAttemptAt <= now).OrderBy(q => q.NextAttemptAt).Take(max).ToList();
            var claimed = new List<PendingDelivery>(due.Count);
            foreach (var q in due)
            {
                q.NextAttemptAt = leaseUntil;
                if (_targets.TryGetValue(q.Subject, out var t))
                {
                    claimed.Add(new PendingDelivery(q.Sequence, q.Id, t.Value.Url, [.. t.Value.SigningKey], q.Body, q.Attempts, q.CreatedAt));
                }
            }

            return ValueTask.FromResult<IReadOnlyList<PendingDelivery>>(claimed);
        }
    }

    public ValueTask RemoveAsync(IReadOnlyList<long> sequences, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            foreach (var sequence in sequences)
            {
                _outbox.Remove(sequence);
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask RetryLaterAsync(long sequence, int attempts, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_outbox.TryGetValue(sequence, out var q))
            {
                q.Attempts = attempts;
                q.NextAttemptAt = nextAttemptAt;
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<WebhookTarget>> DueExpiriesAsync(DateTimeOffset now, int max, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult<IReadOnlyList<WebhookTarget>>(
                [.. _targets.Values.Where(t => !t.ExpiryHandled && t.Value.ExpiresAt <= now).OrderBy(t => t.Value.ExpiresAt).Take(max).Select(t => t.Value)]);
        }
    }

    public ValueTask MarkExpiryHandledAsync(SecretId subject, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_targets.TryGetValue(subject, out var t))
            {
                t.ExpiryHandled = true;
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<int> PurgeTargetsAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var queued = _outbox.Values.Select(q => q.Subject).ToHashSet();
            var old = _targets.Values.Where(t => t.Value.ExpiresAt < before && !queued.Contains(t.Value.SubjectId)).ToList();
            foreach (var t in old)
            {
                _targets.Remove(t.Value.SubjectId);
            }

            return ValueTask.FromResult(old.Count);
        }
    }

    public ValueTask<long> PendingCountAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult((long)_outbox.Count);
        }
    }

    private sealed class Target(WebhookTarget value)
    {
        public WebhookTarget Value { get; } = value;

        public bool ExpiryHandled { get; set; }
    }

    private sealed record Queued(long Sequence, string Id, SecretId Subject, byte[] Body, DateTimeOffset CreatedAt)
    {
        public DateTimeOffset NextAttemptAt { get; set; }

        public int Attempts { get; set; }
    }
}
