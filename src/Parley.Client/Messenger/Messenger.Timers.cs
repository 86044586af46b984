using System.Globalization;
using System.Threading.Channels;
using Parley.Client.Profiles;

namespace Parley.Client.Messenger;

/// <summary>
/// Disappearing messages (docs/messenger.md, "Disappearing messages"). A conversation's timer is set by a
/// <c>timer</c> message, so both ends hold the same one; every <c>text</c> and <c>attachment</c> message
/// then carries the timer it was sent under, and each device deletes it that long after storing it —
/// the rows themselves, then the SQLite log is emptied, so nothing of it stays in the profile's files.
/// </summary>
public sealed partial class Messenger
{
    public static readonly TimeSpan MinTimer = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan MaxTimer = TimeSpan.FromDays(365);
    private static readonly TimeSpan ExpiryPoll = TimeSpan.FromSeconds(1);

    // When the next disappearing message is due; null when not known yet (this process is the profile's only writer).
    private DateTimeOffset? _nextExpiry;

    /// <summary>The timer of a conversation (a username, <c>@user</c> or <c>#group</c>), or null when its messages stay.</summary>
    public TimeSpan? GetTimer(string target) => Exclusive(() =>
        TimerOf(_profile.BeginWrite(), ResolveConversation(target)) is { } seconds ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null);

    /// <summary>
    /// Sets a conversation's timer (null or zero: off) — the chat screen's <c>/timer</c>. A <c>timer</c>
    /// message tells the other members, whose clients announce it and apply it from then on, as this one
    /// does (a notice in the history). Messages already sent keep the timer they were sent with.
    /// </summary>
    public Task<SendResult> SetTimerAsync(string target, TimeSpan? timer, CancellationToken cancellationToken = default) => ExclusiveAsync(async () =>
    {
        var seconds = timer is { } t && t > TimeSpan.Zero ? (long)t.TotalSeconds : 0;
        if (seconds != 0 && (timer!.Value.Ticks % TimeSpan.TicksPerSecond != 0 || timer.Value < MinTimer || timer.Value > MaxTimer))
        {
            throw new MessengerException(MessengerFailure.InvalidArgument,
                $"a timer is whole seconds from {Describe((long)MinTimer.TotalSeconds)} to {Describe((long)MaxTimer.TotalSeconds)}, or off");
        }

        await _server.EnsureLoggedInAsync(cancellationToken).ConfigureAwait(false);
        var write = _profile.BeginWrite();
        var audience = ResolveAudience(write, target);
        var now = _time.GetUtcNow();
        var content = MessageContent.Of(MessageContent.KindTimer, now, group: audience.GroupId) with { Timer = seconds };
        var uid = MessageUid(Username, content.Id);
        await QueueToAsync(write, audience, content, uid, cancellationToken).ConfigureAwait(false);
        write.Put(ItemKind.Timer, audience.Conversation, new ConversationTimer(audience.Conversation, seconds, Username, now), AttachmentCodecs.Timer);
        write.PutMessage(new StoredMessage(uid, audience.Conversation, MessageDirection.Outgoing, Username, StoredMessage.KindNotice,
            "You " + TimerChange(seconds), now, now, DeliveryState.Pending, audience.Recipients, []));
        Touch(write, audience.Conversation, now, null, incoming: false);
        write.Commit();
        var problem = await FlushOutboxCoreAsync(cancellationToken).ConfigureAwait(false);
        var message = _profile.GetMessage(uid)!;
        return new SendResult(message, message.State != DeliveryState.Pending, message.State == DeliveryState.Pending ? problem : null);
    }, cancellationToken);

    /// <summary>
    /// Deletes every disappearing message whose time is up (and its pending attachment key, and a file
    /// parley saved for it that is still as parley wrote it), then empties the profile's log. Opening a
    /// messenger, receiving, reading history and <see cref="FollowAsync"/> call this by themselves.
    /// </summary>
    public IReadOnlyList<MessengerEvent> ExpireMessages() => Exclusive(ExpireDue);

    private List<MessengerEvent> ExpireDue()
    {
        var now = _time.GetUtcNow();
        if (_nextExpiry is { } next && next > now)
        {
            return [];
        }

        var write = _profile.BeginWrite();
        var all = write.List(ItemKind.Expiry, AttachmentCodecs.Expiry);
        var due = all.Where(e => e.At <= now).ToList();
        _nextExpiry = all.Where(e => e.At > now).Select(e => e.At).DefaultIfEmpty(DateTimeOffset.MaxValue).Min();
        if (due.Count == 0)
        {
            return [];
        }

        foreach (var e in due)
        {
            if (write.GetMessage(e.Uid)?.File is { SavedAs: { } path, SavedWrite: { } written } file)
            {
                DeleteSavedFile(path, file.Size, written);
            }

            write.DeleteMessage(e.Uid);
            write.Delete(ItemKind.Expiry, e.Uid);
            write.Delete(ItemKind.Attachment, e.Uid);
        }

        foreach (var conversation in due.Select(e => e.Conversation).Distinct(StringComparer.Ordinal))
        {
            if (write.Get(ItemKind.Conversation, conversation, ProfileCodecs.Conversation) is { LastPreview: not null } summary)
            {
                write.Put(ItemKind.Conversation, conversation, summary with { LastPreview = null }, ProfileCodecs.Conversation);
            }
        }

        write.Commit();
        _profile.Checkpoint();
        return [.. due.GroupBy(e => e.Conversation, StringComparer.Ordinal).Select(g => new MessagesExpired(g.Key, [.. g.Select(e => e.Uid)]))];
    }

    /// <summary>Deletes disappearing messages as their time comes, for as long as <see cref="FollowAsync"/> runs.</summary>
    private async Task ExpireLoopAsync(Channel<MessengerEvent> output, CancellationToken cancellationToken)
    {
        try
        {
            while (!output.Reader.Completion.IsCompleted)
            {
                await Task.Delay(ExpiryPoll, _time, cancellationToken).ConfigureAwait(false);
                foreach (var e in ExpireMessages())
                {
                    output.Writer.TryWrite(e);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
            // the follow ended, or the messenger closed
        }
    }

    /// <summary>The seconds of the conversation's timer, or null when it is off.</summary>
    private static long? TimerOf(ProfileWrite write, string conversation) =>
        write.Get(ItemKind.Timer, conversation, AttachmentCodecs.Timer) is { Seconds: > 0 } t ? t.Seconds : null;

    /// <summary>Makes a message disappear <paramref name="seconds"/> after now (its storing here), when it carries a timer.</summary>
    private StoredMessage ScheduleExpiry(ProfileWrite write, StoredMessage message, long? seconds)
    {
        if (seconds is not > 0)
        {
            return message;
        }

        var at = _time.GetUtcNow() + TimeSpan.FromSeconds(seconds.Value);
        write.Put(ItemKind.Expiry, message.Uid, new ExpiringMessage(message.Uid, message.Conversation, at), AttachmentCodecs.Expiry);
        if (_nextExpiry is { } next && at < next)
        {
            _nextExpiry = at;
        }

        return message with { ExpiresAt = at };
    }

    /// <summary>A received <c>timer</c> message: the conversation's new timer, announced with a notice.</summary>
    private void ApplyTimer(ProfileWrite write, string conversation, string sender, MessageContent content, IncomingEnvelope envelope, List<MessengerEvent> events)
    {
        var uid = MessageUid(sender, content.Id);
        if (write.GetMessage(uid) is not null)
        {
            throw new EnvelopeDropException("a message already received");
        }

        var seconds = content.Timer ?? -1;
        write.Put(ItemKind.Timer, conversation, new ConversationTimer(conversation, seconds, sender, envelope.ServerTimestamp), AttachmentCodecs.Timer);
        var notice = new StoredMessage(uid, conversation, MessageDirection.Incoming, sender, StoredMessage.KindNotice, $"{sender} {TimerChange(seconds)}",
            DateTimeOffset.FromUnixTimeMilliseconds(content.At), envelope.ServerTimestamp, DeliveryState.Received, [], []);
        write.PutMessage(notice);
        Touch(write, conversation, envelope.ServerTimestamp, null, incoming: false);
        events.Add(new MessageReceived(notice));
    }

    /// <summary>A timer a message carries must be one this client accepts: absent, off on a <c>timer</c> message, or within the bounds.</summary>
    private static void RequireValidTimer(MessageContent content)
    {
        var valid = content.Timer switch
        {
            null => content.Kind != MessageContent.KindTimer,
            0 => content.Kind == MessageContent.KindTimer,
            { } s => s >= (long)MinTimer.TotalSeconds && s <= (long)MaxTimer.TotalSeconds,
        };
        if (!valid)
        {
            throw new EnvelopeDropException("a message with an unusable disappearing-message timer");
        }
    }

    private static string TimerChange(long seconds) =>
        seconds == 0 ? "turned disappearing messages off." : $"set disappearing messages to {Describe(seconds)}: messages sent from now on are deleted that long after they arrive.";

    /// <summary>"30 seconds", "1 hour", "2 weeks".</summary>
    public static string Describe(long seconds)
    {
        static string Unit(long n, string unit) => string.Create(CultureInfo.InvariantCulture, $"{n} {unit}{(n == 1 ? "" : "s")}");
        return seconds % 604_800 == 0 ? Unit(seconds / 604_800, "week")
            : seconds % 86_400 == 0 ? Unit(seconds / 86_400, "day")
            : seconds % 3600 == 0 ? Unit(seconds / 3600, "hour")
            : seconds % 60 == 0 ? Unit(seconds / 60, "minute")
            : Unit(seconds, "second");
    }

    /// <summary>A file parley saved for a message that disappeared goes too — only while it is still the file parley wrote.</summary>
    private static void DeleteSavedFile(string path, long size, DateTimeOffset written)
    {
        try
        {
            var info = new FileInfo(path);
            if (info.Exists && info.LinkTarget is null && info.Length == size && info.LastWriteTimeUtc == written.UtcDateTime)
            {
                info.Delete();
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // moved, locked or not ours to delete any more: it stays
        }
    }
}
