using Parley.Client.Messaging;
using Parley.Client.Profiles;
using Parley.Contracts.Messaging;

namespace Parley.Client.Messenger;

public sealed partial class Messenger
{
    private const int PreviewLength = 80;

    /// <summary>
    /// The last <paramref name="limit"/> lines of a conversation (<c>@user</c>/a username, or <c>#group</c>),
    /// oldest first, and marks it read.
    /// </summary>
    public IReadOnlyList<StoredMessage> History(string target, int limit, long beforeRow = long.MaxValue) => Exclusive(() =>
    {
        if (limit is < 1 or > 100_000)
        {
            throw new MessengerException(MessengerFailure.InvalidArgument, "the limit is 1 to 100000 messages");
        }

        var conversation = ResolveConversation(target);
        ExpireDue();
        var lines = _profile.ReadHistory(conversation, limit, beforeRow);
        var write = _profile.BeginWrite();
        if (write.Get(ItemKind.Conversation, conversation, ProfileCodecs.Conversation) is { Unread: > 0 } summary)
        {
            write.Put(ItemKind.Conversation, conversation, summary with { Unread = 0 }, ProfileCodecs.Conversation);
            write.Commit();
        }

        return lines;
    });

    /// <summary>Every conversation with its unread count, most recent first.</summary>
    public IReadOnlyList<ConversationRecord> Conversations() => Exclusive(() =>
    {
        ExpireDue();
        return _profile.BeginWrite().List(ItemKind.Conversation, ProfileCodecs.Conversation).OrderByDescending(c => c.LastActivity).ToList();
    });

    /// <summary>The conversation id <paramref name="target"/> means: a username, <c>@user</c>, or <c>#group</c>.</summary>
    public string ResolveConversation(string target)
    {
        if (target.StartsWith('#'))
        {
            return ConversationId.Group(RequireGroup(_profile.BeginWrite(), target).Id);
        }

        return ConversationId.Direct(RequireUsername(target));
    }

    /// <summary>
    /// Asks the server which of this profile's sent envelopes still wait in a queue: every other one was
    /// acknowledged by its recipient, so its message is delivered. For when no hub connection brought the receipts.
    /// </summary>
    public Task<IReadOnlyList<MessengerEvent>> RefreshDeliveryAsync(CancellationToken cancellationToken = default) => ExclusiveAsync(async () =>
    {
        var events = new List<MessengerEvent>();
        var outstanding = _profile.ReadUndelivered(MaxAckBatch);
        if (outstanding.Count == 0)
        {
            return (IReadOnlyList<MessengerEvent>)events;
        }

        var queued = await _server.CallAsync((api, ct) => api.QueryQueuedAsync(outstanding, ct), cancellationToken).ConfigureAwait(false);
        var gone = outstanding.Except(queued.Queued).ToHashSet();
        var write = _profile.BeginWrite();
        var done = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in gone)
        {
            write.UnmapSent(id);
            // A group message went out as one envelope per member: it is delivered once all of them are gone.
            if (_profile.MessageOfEnvelope(id) is { } message && done.Add(message.Uid)
                && _profile.ReadUndeliveredOf(message.Uid).All(gone.Contains))
            {
                events.AddRange(MarkDelivered(write, message.Uid, null, id));
            }
        }

        write.Commit();
        return events;
    }, cancellationToken);

    /// <summary>Hub receipts: the recipients' devices acknowledged these envelopes of mine (ids not mine, e.g. group events, are ignored).</summary>
    private List<MessengerEvent> ApplyReceipts(IReadOnlyList<HubDeliveryReceipt> receipts)
    {
        var events = new List<MessengerEvent>();
        var write = _profile.BeginWrite();
        foreach (var receipt in receipts)
        {
            foreach (var id in receipt.Ids)
            {
                if (_profile.MessageOfEnvelope(id) is { } message)
                {
                    events.AddRange(MarkDelivered(write, message.Uid, receipt.Recipient, id));
                }
            }
        }

        write.Commit();
        return events;
    }

    /// <summary>Records one recipient's delivery of a message; all of them → Delivered.</summary>
    private IEnumerable<MessengerEvent> MarkDelivered(ProfileWrite write, string uid, string? recipient, long envelopeId)
    {
        write.UnmapSent(envelopeId);
        if (write.GetMessage(uid) is not { } message)
        {
            yield break;
        }

        // Without a name (a refresh over REST found every envelope of the message gone), all recipients have it.
        var delivered = recipient is null ? message.Recipients
            : message.DeliveredTo.Contains(recipient) ? message.DeliveredTo : [.. message.DeliveredTo, recipient];
        var state = delivered.Count >= message.Recipients.Count ? DeliveryState.Delivered : message.State;
        if (state == message.State && delivered.Count == message.DeliveredTo.Count)
        {
            yield break;
        }

        write.PutMessage(message with { State = state, DeliveredTo = delivered });
        yield return new DeliveryChanged(message.Conversation, uid, state, delivered);
    }

    /// <summary>Stores a notice (a line that is not a message: key changes, group changes) in a conversation.</summary>
    private StoredMessage AddNotice(ProfileWrite write, string conversation, string text, DateTimeOffset? at = null)
    {
        var when = at ?? _time.GetUtcNow();
        var notice = new StoredMessage("local/" + MessageContent.NewId(), conversation, MessageDirection.Incoming, "parley", StoredMessage.KindNotice,
            text, when, when, DeliveryState.Received, [], []);
        write.PutMessage(notice);
        Touch(write, conversation, when, null, incoming: false);
        return notice;
    }

    private static string IdentityChangeNotice(string user) =>
        $"{user}'s safety number has changed. This can mean someone is intercepting, or that {user} reinstalled Parley. " +
        $"Sending is blocked until you accept it: compare with 'parley verify {user}', then run 'parley contacts trust {user}'.";

    /// <summary>Moves a conversation to the top of the list and counts an unread incoming message.</summary>
    private static void Touch(ProfileWrite write, string conversation, DateTimeOffset at, string? preview, bool incoming)
    {
        var summary = write.Get(ItemKind.Conversation, conversation, ProfileCodecs.Conversation) ?? new ConversationRecord(conversation, at, 0, null);
        write.Put(ItemKind.Conversation, conversation, summary with
        {
            LastActivity = at > summary.LastActivity ? at : summary.LastActivity,
            Unread = summary.Unread + (incoming ? 1 : 0),
            LastPreview = preview is null ? summary.LastPreview : preview.Length <= PreviewLength ? preview : preview[..PreviewLength],
        }, ProfileCodecs.Conversation);
    }
}
