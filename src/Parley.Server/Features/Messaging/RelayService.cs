using Microsoft.Extensions.Options;
using Parley.Contracts.Messaging;
using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Features.Messaging;

/// <summary>
/// Sending and acknowledging, shared by the REST routes and the hub: validates, queues (the store is the
/// source of truth), wakes the recipient's pumps, lets the recipient see the sender's presence, and tells
/// senders when their envelopes reached the recipient's device.
/// </summary>
internal sealed class RelayService(
    IEnvelopeQueue store,
    RelayWakeBus wake,
    MessagingLimits limits,
    PresenceService presence,
    RelayEvents events,
    IOptions<MessagingOptions> options,
    MessagingMetrics metrics,
    StoreMetrics storeMetrics,
    TimeProvider time)
{
    public const int MaxAckBatch = 1000;
    private readonly MessagingOptions _o = options.Value;

    public MessagingOptions Options => _o;

    /// <summary>Validates an envelope and takes one send permit of <paramref name="sender"/>.</summary>
    public SendStatus Check(string sender, int type, int contentLength)
    {
        var status = Validate(type, contentLength);
        if (status != SendStatus.Queued || limits.TrySend(sender))
        {
            return status;
        }

        metrics.SendRateLimited();
        return SendStatus.RateLimited;
    }

    /// <summary>Validates an envelope's type and size; takes no permit (a group send takes one per recipient later).</summary>
    public SendStatus Validate(int type, int contentLength)
    {
        if (!EnvelopeTypes.IsClientType(type))
        {
            return SendStatus.InvalidType;
        }

        if (contentLength == 0)
        {
            return SendStatus.EmptyContent;
        }

        return contentLength > _o.MaxEnvelopeBytes ? SendStatus.TooLarge : SendStatus.Queued;
    }

    /// <summary>Queues one envelope (the caller has run <see cref="Check"/>).</summary>
    public async Task<(SendStatus Status, StoredEnvelope? Envelope)> SendAsync(string sender, string recipient, int type, byte[] content,
        CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var envelope = new NewEnvelope(recipient, sender, type, null, now, now + _o.EnvelopeTtl, content);
        EnqueueResult result;
        using (storeMetrics.Time(StoreOperations.EnvelopeEnqueue))
        {
            result = await store.EnqueueAsync(envelope, _o.MaxQueuedEnvelopes, cancellationToken);
        }

        switch (result.Status)
        {
            case EnqueueStatus.UnknownRecipient:
                return (SendStatus.UnknownRecipient, null);
            case EnqueueStatus.QueueFull:
                return (SendStatus.QueueFull, null);
        }

        var stored = new StoredEnvelope(result.Id, recipient, sender, type, null, now, content);
        metrics.Queued(1);
        wake.Wake(stored);
        await presence.SentAsync(sender, recipient, cancellationToken);
        return (SendStatus.Queued, stored);
    }

    /// <summary>
    /// Queues several envelopes of one sender (each already through <see cref="Check"/>) in one write of the
    /// store; outcomes in the same order.
    /// </summary>
    public async Task<(SendStatus Status, StoredEnvelope? Envelope)[]> SendManyAsync(string sender,
        IReadOnlyList<(string Recipient, int Type, byte[] Content)> items, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var envelopes = new NewEnvelope[items.Count];
        for (var i = 0; i < envelopes.Length; i++)
        {
            var (recipient, type, content) = items[i];
            envelopes[i] = new NewEnvelope(recipient, sender, type, null, now, now + _o.EnvelopeTtl, content);
        }

        IReadOnlyList<EnqueueResult> results;
        using (storeMetrics.Time(StoreOperations.EnvelopeEnqueue))
        {
            results = await store.EnqueueManyAsync(envelopes, _o.MaxQueuedEnvelopes, cancellationToken);
        }

        var outcomes = new (SendStatus, StoredEnvelope?)[envelopes.Length];
        for (var i = 0; i < envelopes.Length; i++)
        {
            var e = envelopes[i];
            switch (results[i].Status)
            {
                case EnqueueStatus.UnknownRecipient:
                    outcomes[i] = (SendStatus.UnknownRecipient, null);
                    continue;
                case EnqueueStatus.QueueFull:
                    outcomes[i] = (SendStatus.QueueFull, null);
                    continue;
            }

            var stored = new StoredEnvelope(results[i].Id, e.Recipient, sender, e.Type, null, now, e.Content);
            metrics.Queued(1);
            wake.Wake(stored);
            outcomes[i] = (SendStatus.Queued, stored);
        }

        for (var i = 0; i < envelopes.Length; i++)
        {
            if (outcomes[i].Item1 == SendStatus.Queued)
            {
                await presence.SentAsync(sender, envelopes[i].Recipient, cancellationToken);
            }
        }

        return outcomes;
    }

    /// <summary>Deletes acknowledged envelopes and tells each sender (event <c>Delivered</c>).</summary>
    public async Task<int> AckAsync(string recipient, IReadOnlyList<long> ids, CancellationToken cancellationToken)
    {
        IReadOnlyList<AckedEnvelope> acked;
        using (storeMetrics.Time(StoreOperations.EnvelopeAck))
        {
            acked = await store.AckAsync(recipient, ids, cancellationToken);
        }

        metrics.Acked(acked.Count);
        if (acked.Count == 0)
        {
            return 0;
        }

        var at = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (acked.Count == 1 || AllFrom(acked))
        {
            // The common case (one sender per acknowledgement): no grouping.
            if (acked[0].Sender.Length > 0)
            {
                var done = new long[acked.Count];
                for (var i = 0; i < done.Length; i++)
                {
                    done[i] = acked[i].Id;
                }

                await events.SendAsync(acked[0].Sender, HubNames.DeliveredEvent, new HubDeliveryReceipt { Recipient = recipient, Ids = done, At = at });
            }

            return acked.Count;
        }

        foreach (var bySender in acked.GroupBy(a => a.Sender))
        {
            // Server events (sender "") have nobody to tell.
            if (bySender.Key.Length > 0)
            {
                await events.SendAsync(bySender.Key, HubNames.DeliveredEvent,
                    new HubDeliveryReceipt { Recipient = recipient, Ids = [.. bySender.Select(a => a.Id)], At = at });
            }
        }

        return acked.Count;
    }

    /// <summary>The users <paramref name="user"/> may see online right now (on this node); the hub's entry to <see cref="PresenceService"/>.</summary>
    public Task<IReadOnlyList<string>> VisibleOnlineAsync(string user, CancellationToken cancellationToken) =>
        presence.VisibleOnlineAsync(user, cancellationToken);

    /// <summary>Tells the users allowed to see <paramref name="user"/> that it came online or went offline (the hub's entry).</summary>
    public Task AnnouncePresenceAsync(string user, bool online, long connectionId) => presence.AnnounceAsync(user, online, connectionId);

    private static bool AllFrom(IReadOnlyList<AckedEnvelope> acked)
    {
        var sender = acked[0].Sender;
        for (var i = 1; i < acked.Count; i++)
        {
            if (!string.Equals(acked[i].Sender, sender, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}
