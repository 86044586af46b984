namespace Parley.Server.Features.Messaging;

/// <summary>
/// The relay's envelope queues, one per recipient. Enqueueing against the queue cap and acknowledging are
/// each one atomic step of the provider; envelopes are opaque ciphertext.
/// </summary>
internal interface IEnvelopeQueue
{
    /// <summary>Queues one envelope unless the recipient is unknown or their queue holds <paramref name="maxQueued"/>.</summary>
    ValueTask<EnqueueResult> EnqueueAsync(NewEnvelope envelope, int maxQueued, CancellationToken cancellationToken);

    /// <summary>
    /// Queues several envelopes, in order, each as <see cref="EnqueueAsync"/> would (one refused envelope does
    /// not stop the others); results in the same order. Providers may do it in one write.
    /// </summary>
    async ValueTask<IReadOnlyList<EnqueueResult>> EnqueueManyAsync(IReadOnlyList<NewEnvelope> envelopes, int maxQueued,
        CancellationToken cancellationToken)
    {
        var results = new EnqueueResult[envelopes.Count];
        for (var i = 0; i < results.Length; i++)
        {
            results[i] = await EnqueueAsync(envelopes[i], maxQueued, cancellationToken);
        }

        return results;
    }

    /// <summary>Up to <paramref name="max"/> unexpired envelopes of <paramref name="recipient"/> with ids above <paramref name="afterId"/>, in queue order.</summary>
    ValueTask<IReadOnlyList<StoredEnvelope>> ReadQueueAsync(string recipient, long afterId, int max, DateTimeOffset now,
        CancellationToken cancellationToken);

    /// <summary>Deletes the recipient's envelopes with these ids; returns those deleted (a repeated ack deletes nothing).</summary>
    ValueTask<IReadOnlyList<AckedEnvelope>> AckAsync(string recipient, IReadOnlyList<long> ids, CancellationToken cancellationToken);

    /// <summary>
    /// Those of <paramref name="ids"/> that <paramref name="sender"/> sent and that still wait, unexpired at
    /// <paramref name="now"/>, in their recipient's queue: each once, ascending.
    /// </summary>
    ValueTask<IReadOnlyList<long>> QueuedOfAsync(string sender, IReadOnlyList<long> ids, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Envelopes held, all queues (tests and operators).</summary>
    ValueTask<long> CountEnvelopesAsync(CancellationToken cancellationToken);

    /// <summary>Deletes the envelopes expired at <paramref name="now"/> (their queues shrink with them); returns how many.</summary>
    ValueTask<int> SweepEnvelopesAsync(DateTimeOffset now, CancellationToken cancellationToken);
}
