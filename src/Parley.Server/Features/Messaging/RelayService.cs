using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Parley.Contracts.Messaging;

namespace Parley.Server.Features.Messaging;

/// <summary>The outcome of a send, as the REST and hub front ends report it.</summary>
internal enum SendStatus
{
    Queued,
    InvalidType,
    EmptyContent,
    TooLarge,
    UnknownRecipient,
    QueueFull,
    RateLimited,
}

/// <summary>
/// Sending and acknowledging, shared by the REST routes and the hub: validates, queues (the store is the
/// source of truth), wakes the recipient's pumps, remembers contacts for presence, and tells senders
/// when their envelopes reached the recipient's device.
/// </summary>
internal sealed class RelayService(
    IMessagingStore store,
    RelayWakeBus wake,
    RelayConnections connections,
    MessagingLimits limits,
    IHubContext<RelayHub> hub,
    IOptions<MessagingOptions> options,
    TimeProvider time)
{
    public const int MaxAckBatch = 1000;
    private const int ContactCacheLimit = 200_000;
    private readonly MessagingOptions _o = options.Value;
    private readonly ConcurrentDictionary<(string, string), byte> _knownContacts = new();
    private readonly bool _backplane = !string.IsNullOrWhiteSpace(options.Value.Redis);

    public MessagingOptions Options => _o;

    public SendStatus Check(string sender, int type, int contentLength)
    {
        if (!EnvelopeTypes.IsClientType(type))
        {
            return SendStatus.InvalidType;
        }

        if (contentLength == 0)
        {
            return SendStatus.EmptyContent;
        }

        if (contentLength > _o.MaxEnvelopeBytes)
        {
            return SendStatus.TooLarge;
        }

        return limits.TrySend(sender) ? SendStatus.Queued : SendStatus.RateLimited;
    }

    /// <summary>Queues one envelope (the caller has run <see cref="Check"/>).</summary>
    public async Task<(SendStatus Status, StoredEnvelope? Envelope)> SendAsync(string sender, string recipient, int type, byte[] content,
        CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var envelope = new NewEnvelope(recipient, sender, type, null, now, now + _o.EnvelopeTtl, content);
        var result = await store.EnqueueAsync(envelope, _o.MaxQueuedEnvelopes, cancellationToken);
        switch (result.Status)
        {
            case EnqueueStatus.UnknownRecipient:
                return (SendStatus.UnknownRecipient, null);
            case EnqueueStatus.QueueFull:
                return (SendStatus.QueueFull, null);
        }

        var stored = new StoredEnvelope(result.Id, recipient, sender, type, null, now, content);
        wake.Wake(stored);
        await RememberContactAsync(sender, recipient, cancellationToken);
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

        var results = await store.EnqueueManyAsync(envelopes, _o.MaxQueuedEnvelopes, cancellationToken);
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
            wake.Wake(stored);
            outcomes[i] = (SendStatus.Queued, stored);
        }

        for (var i = 0; i < envelopes.Length; i++)
        {
            if (outcomes[i].Item1 == SendStatus.Queued)
            {
                await RememberContactAsync(sender, envelopes[i].Recipient, cancellationToken);
            }
        }

        return outcomes;
    }

    private async ValueTask RememberContactAsync(string a, string b, CancellationToken cancellationToken)
    {
        if (a == b)
        {
            return;
        }

        var key = string.CompareOrdinal(a, b) < 0 ? (a, b) : (b, a);
        if (_knownContacts.ContainsKey(key))
        {
            return;
        }

        await store.AddContactAsync(a, b, cancellationToken);
        if (_knownContacts.Count > ContactCacheLimit)
        {
            _knownContacts.Clear();
        }

        _knownContacts.TryAdd(key, 0);
    }

    /// <summary>Deletes acknowledged envelopes and tells each sender (event <c>Delivered</c>).</summary>
    public async Task<int> AckAsync(string recipient, IReadOnlyList<long> ids, CancellationToken cancellationToken)
    {
        var acked = await store.AckAsync(recipient, ids, cancellationToken);
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

                await SendToAsync(acked[0].Sender, HubNames.DeliveredEvent, new HubDeliveryReceipt { Recipient = recipient, Ids = done, At = at });
            }

            return acked.Count;
        }

        foreach (var bySender in acked.GroupBy(a => a.Sender))
        {
            // Server events (sender "") have nobody to tell.
            if (bySender.Key.Length > 0)
            {
                await SendToAsync(bySender.Key, HubNames.DeliveredEvent,
                    new HubDeliveryReceipt { Recipient = recipient, Ids = [.. bySender.Select(a => a.Id)], At = at });
            }
        }

        return acked.Count;
    }

    /// <summary>The users <paramref name="user"/> may see online right now (on this node).</summary>
    public async Task<IReadOnlyList<string>> VisibleOnlineAsync(string user, CancellationToken cancellationToken)
    {
        switch (_o.PresenceVisibility)
        {
            case PresenceVisibility.Everyone:
                return [.. connections.OnlineUsers.Where(u => u != user).Order(StringComparer.Ordinal).Take(1000)];
            case PresenceVisibility.Contacts:
                var contacts = await store.ContactsAsync(user, cancellationToken);
                return [.. contacts.Where(connections.IsOnline).Order(StringComparer.Ordinal)];
            default:
                return [];
        }
    }

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

    /// <summary>
    /// Sends an event to every connection of <paramref name="user"/>: across nodes through the backplane
    /// when there is one, otherwise straight to this node's connections (SignalR's own lookups by user
    /// or by a list of connection ids scan every connection of the node).
    /// </summary>
    private Task SendToAsync(string user, string method, object message) =>
        _backplane ? hub.Clients.User(user).SendAsync(method, message) : connections.SendAsync(user, method, message);

    private async Task SendToAsync(IReadOnlyList<string> users, string method, object message)
    {
        if (_backplane)
        {
            await hub.Clients.Users(users).SendAsync(method, message);
            return;
        }

        foreach (var user in users)
        {
            await connections.SendAsync(user, method, message);
        }
    }

    /// <summary>Tells the users allowed to see <paramref name="user"/> that it came online or went offline.</summary>
    public async Task AnnouncePresenceAsync(string user, bool online, string connectionId)
    {
        var message = new HubPresence { Username = user, Online = online };
        switch (_o.PresenceVisibility)
        {
            case PresenceVisibility.Everyone:
                await hub.Clients.AllExcept([connectionId]).SendAsync(HubNames.PresenceEvent, message);
                break;
            case PresenceVisibility.Contacts:
                var contacts = await store.ContactsAsync(user, CancellationToken.None);
                if (contacts.Count > 0)
                {
                    await SendToAsync(contacts, HubNames.PresenceEvent, message);
                }

                break;
        }
    }
}
