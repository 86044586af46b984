using System.Collections.Concurrent;
using Parley.Server.Features.Secrets;
using Parley.Server.Features.Webhooks;
using Parley.Server.Features.Webhooks.Storage;

namespace Parley.Server.Features.Requests.Storage;

/// <summary>
/// RAM-only store. Each request is a small object whose lock makes every change one indivisible step. Webhook
/// targets are added before their request exists, and an answer's event is queued under the answer's lock.
/// </summary>
internal sealed class MemoryRequestStore(MemoryWebhookStore webhooks) : IRequestStore
{
    private readonly ConcurrentDictionary<SecretId, Entry> _requests = new();

    public ValueTask CreateAsync(NewRequest request, CancellationToken cancellationToken)
    {
        if (request.WebhookTarget is { } target && !webhooks.TryAddTarget(target))
        {
            throw new InvalidOperationException("Request id collision.");
        }

        if (!_requests.TryAdd(request.Id, new Entry(request)))
        {
            if (request.Webhook is not null)
            {
                webhooks.RemoveTarget(request.Id);
            }

            throw new InvalidOperationException("Request id collision.");
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<RequestRecord?> FindAsync(SecretId id, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_requests.TryGetValue(id, out var e) ? e.Snapshot() : null);

    public ValueTask<AnswerRefusal?> TryAnswerAsync(SecretId id, SecretId? expected, RequestAnswer answer, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        if (!_requests.TryGetValue(id, out var e))
        {
            return ValueTask.FromResult<AnswerRefusal?>(AnswerRefusal.NotFound);
        }

        lock (e)
        {
            if (e.Snapshot().AnswerRefusalAt(now, expected) is { } refusal)
            {
                return ValueTask.FromResult<AnswerRefusal?>(refusal);
            }

            e.Answer = answer with { EphemeralKey = [.. answer.EphemeralKey] };
            webhooks.AddAnswerTarget(id, answer.SecretId);
            webhooks.Queue(id, SubjectEvent.Answered, null, now);
            return ValueTask.FromResult<AnswerRefusal?>(null);
        }
    }

    public ValueTask<bool> DestroyAsync(SecretId id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!_requests.TryGetValue(id, out var e))
        {
            return ValueTask.FromResult(false);
        }

        lock (e)
        {
            if (!e.IsLiveAt(now))
            {
                return ValueTask.FromResult(false);
            }

            e.DestroyedAt = now;
            e.Label = null;
            return ValueTask.FromResult(true);
        }
    }

    public ValueTask<RequestSweepResult> SweepAsync(DateTimeOffset now, TimeSpan retention, CancellationToken cancellationToken)
    {
        int dropped = 0, purged = 0;
        foreach (var (id, e) in _requests)
        {
            lock (e)
            {
                if (e.ExpiresAt <= now - retention)
                {
                    purged += _requests.TryRemove(id, out _) ? 1 : 0;
                }
                else if (e.ExpiresAt <= now && e.Label is not null)
                {
                    e.Label = null;
                    dropped++;
                }
            }
        }

        return ValueTask.FromResult(new RequestSweepResult(dropped, purged));
    }

    public ValueTask<long> CountAsync(CancellationToken cancellationToken) => ValueTask.FromResult((long)_requests.Count);

    private sealed class Entry(NewRequest n)
    {
        public SecretId Id { get; } = n.Id;
        public byte[] TokenVerifier { get; } = [.. n.TokenVerifier];
        public byte[] SendVerifier { get; } = [.. n.SendVerifier];
        public string? Label { get; set; } = n.Label;
        public DateTimeOffset CreatedAt { get; } = n.CreatedAt;
        public DateTimeOffset ExpiresAt { get; } = n.ExpiresAt;
        public RequestAnswer? Answer { get; set; }
        public DateTimeOffset? DestroyedAt { get; set; }

        public bool IsLiveAt(DateTimeOffset now) => RequestRecord.IsLive(DestroyedAt, ExpiresAt, now);

        public RequestRecord Snapshot()
        {
            lock (this)
            {
                return new RequestRecord(Id, [.. TokenVerifier], [.. SendVerifier], Label, CreatedAt, ExpiresAt,
                    Answer is null ? null : Answer with { EphemeralKey = [.. Answer.EphemeralKey] }, DestroyedAt);
            }
        }
    }
}
