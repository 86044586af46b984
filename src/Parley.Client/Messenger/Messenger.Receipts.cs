using Parley.Client.Profiles;

namespace Parley.Client.Messenger;

/// <summary>
/// Typing notifications and read receipts: ordinary end-to-end messages (kinds <c>typing</c> and
/// <c>read</c>) that the server relays like any other envelope and that are never stored in history.
/// Each is sent only while its setting is on (<see cref="MessengerSettings"/>), and only inside a
/// session that already exists: neither ever fetches keys or starts a session on its own.
/// </summary>
public sealed partial class Messenger
{
    /// <summary>A typing notification older than this (it waited in an outbox) is not shown.</summary>
    public static readonly TimeSpan TypingFreshness = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Tells the other side of <paramref name="conversation"/> (<c>@user</c> or <c>#group</c> id) that the
    /// user started or stopped typing. Returns false when nothing was sent: the setting is off, there is no
    /// session yet, or the contact's key changed.
    /// </summary>
    public Task<bool> SendTypingAsync(string conversation, bool typing, CancellationToken cancellationToken = default) => ExclusiveAsync(async () =>
    {
        var write = _profile.BeginWrite();
        if (!CurrentSettings(write).Typing)
        {
            return false;
        }

        var content = MessageContent.Of(MessageContent.KindTyping, _time.GetUtcNow()) with
        {
            Typing = typing ? MessageContent.TypingStarted : MessageContent.TypingStopped,
        };
        try
        {
            if (ConversationId.IsGroup(conversation))
            {
                // Only under a sender key every member already holds: handing one out (and fetching
                // keys for it) is the next text message's work, never a keystroke's.
                var group = RequireGroup(write, conversation);
                var members = MembersExceptMe(group);
                if (group.Standing != GroupStanding.Member || members.Count == 0 || group.NeedsRotation
                    || group.DistributionId == Guid.Empty || members.Except(group.KeyHolders, StringComparer.Ordinal).Any())
                {
                    return false;
                }

                await _server.EnsureLoggedInAsync(cancellationToken).ConfigureAwait(false);
                group = await QueueGroupContentAsync(write, group, content with { Group = group.Id }, string.Empty, cancellationToken).ConfigureAwait(false);
                write.Put(ItemKind.Group, group.Id, group, ProfileCodecs.Group);
            }
            else
            {
                var user = RequireUsername(ConversationId.Subject(conversation));
                if (!CanSendQuietly(write, user))
                {
                    return false;
                }

                QueueDirect(write, user, content, string.Empty, conversation);
            }
        }
        catch (MessengerException)
        {
            return false; // a typing notification is not worth an error: the message itself will report it
        }

        write.Commit();
        await FlushOutboxCoreAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }, cancellationToken);

    /// <summary>
    /// Marks <paramref name="conversation"/> read (its unread count drops to 0) and, when read receipts
    /// are on, tells the author of each message that was unread, one receipt per author. Returns how
    /// many messages were unread.
    /// </summary>
    public Task<int> MarkReadAsync(string conversation, CancellationToken cancellationToken = default) => ExclusiveAsync(async () =>
    {
        var write = _profile.BeginWrite();
        if (write.Get(ItemKind.Conversation, conversation, ProfileCodecs.Conversation) is not { Unread: > 0 } summary)
        {
            return 0;
        }

        write.Put(ItemKind.Conversation, conversation, summary with { Unread = 0 }, ProfileCodecs.Conversation);
        var receipts = 0;
        if (CurrentSettings(write).ReadReceipts)
        {
            _protocol.Write = write;
            foreach (var byAuthor in LastIncoming(conversation, summary.Unread).GroupBy(m => m.Author, StringComparer.Ordinal))
            {
                if (!CanSendQuietly(write, byAuthor.Key))
                {
                    continue;
                }

                foreach (var chunk in byAuthor.Select(m => m.Uid[(m.Author.Length + 1)..]).Chunk(MessageContent.MaxReadIds))
                {
                    var content = MessageContent.Of(MessageContent.KindRead, _time.GetUtcNow()) with { Ids = chunk };
                    QueueDirect(write, byAuthor.Key, content, string.Empty, ConversationId.Direct(byAuthor.Key));
                    receipts++;
                }
            }
        }

        write.Commit();
        if (receipts > 0)
        {
            await _server.EnsureLoggedInAsync(cancellationToken).ConfigureAwait(false);
            await FlushOutboxCoreAsync(cancellationToken).ConfigureAwait(false);
        }

        return summary.Unread;
    }, cancellationToken);

    /// <summary>The last <paramref name="count"/> incoming messages (the unread ones), newest first.</summary>
    private List<StoredMessage> LastIncoming(string conversation, int count)
    {
        var found = new List<StoredMessage>(Math.Min(count, 1024));
        var before = long.MaxValue;
        while (found.Count < count)
        {
            var page = _profile.ReadHistory(conversation, 500, before);
            if (page.Count == 0)
            {
                break;
            }

            for (var i = page.Count - 1; i >= 0 && found.Count < count; i--)
            {
                if (page[i] is { Direction: MessageDirection.Incoming, Kind: StoredMessage.KindText } m)
                {
                    found.Add(m);
                }
            }

            before = page[0].RowId;
        }

        return found;
    }

    /// <summary>Whether a session with <paramref name="user"/> can carry a message now without fetching keys or crossing a key change.</summary>
    private bool CanSendQuietly(ProfileWrite write, string user)
    {
        _protocol.Write = write;
        return write.Get(ItemKind.Contact, user, ProfileCodecs.Contact) is not { Trust: ContactTrust.Changed }
            && _protocol.LoadSession(AddressOf(user))?.HasUsableSenderChain(_time.GetUtcNow()) == true;
    }

    /// <summary>A typing notification as an event, or null when it is stale (it waited somewhere) or malformed.</summary>
    private static TypingChanged? TypingOf(string conversation, string sender, MessageContent content, IncomingEnvelope envelope)
    {
        var fresh = envelope.ServerTimestamp - DateTimeOffset.FromUnixTimeMilliseconds(content.At) < TypingFreshness;
        return content.Typing switch
        {
            MessageContent.TypingStarted when fresh => new TypingChanged(conversation, sender, true),
            MessageContent.TypingStopped => new TypingChanged(conversation, sender, false),
            _ => null,
        };
    }

    /// <summary>A read receipt from <paramref name="reader"/>: each named message of mine they were sent gets them in its ReadBy.</summary>
    private void ApplyReadReceipt(ProfileWrite write, string reader, MessageContent content, List<MessengerEvent> events)
    {
        foreach (var id in content.Ids ?? [])
        {
            var uid = MessageUid(Username, id);
            if (write.GetMessage(uid) is not { Direction: MessageDirection.Outgoing } message
                || !message.Recipients.Contains(reader) || message.ReadBy.Contains(reader))
            {
                continue; // not mine, not theirs to read, or already counted: ignored
            }

            // Read implies delivered: a receipt can overtake the server's delivery notice.
            var delivered = message.DeliveredTo.Contains(reader) ? message.DeliveredTo : [.. message.DeliveredTo, reader];
            var state = message.State == DeliveryState.Sent && delivered.Count >= message.Recipients.Count ? DeliveryState.Delivered : message.State;
            var updated = message with { ReadBy = [.. message.ReadBy, reader], DeliveredTo = delivered, State = state };
            write.PutMessage(updated);
            if (state != message.State || delivered.Count != message.DeliveredTo.Count)
            {
                events.Add(new DeliveryChanged(message.Conversation, uid, state, delivered));
            }

            events.Add(new MessageRead(message.Conversation, uid, updated.ReadBy));
        }
    }

    /// <summary>A contact reset the session: remembered on the contact until the user acknowledges it (<see cref="TrustContact"/>).</summary>
    private void NoteSessionReset(ProfileWrite write, string user, DateTimeOffset at)
    {
        if (write.Get(ItemKind.Contact, user, ProfileCodecs.Contact) is { } contact)
        {
            write.Put(ItemKind.Contact, user, contact with { SessionResetAt = at }, ProfileCodecs.Contact);
        }
    }
}
