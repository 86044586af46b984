using System.Threading.Channels;
using Parley.Client.Messaging;
using Parley.Client.Profiles;
using Parley.Contracts.Messaging;
using Parley.Protocol;
using Parley.Protocol.Wire;

namespace Parley.Client.Messenger;

/// <summary>An envelope as the server delivered it (REST or hub).</summary>
public sealed record IncomingEnvelope(long Id, string Sender, int Type, string? GroupId, DateTimeOffset ServerTimestamp, byte[] Content)
{
    public static IncomingEnvelope From(HubEnvelope e) =>
        new(e.Id, e.Sender, e.Type, e.GroupId, DateTimeOffset.FromUnixTimeMilliseconds(e.ServerTimestamp), e.Content);

    public static IncomingEnvelope From(EnvelopeResponse e) =>
        new(e.Id, e.Sender, e.Type, e.GroupId, e.ServerTimestamp, DecodeContent(e.Content));

    private static byte[] DecodeContent(string content)
    {
        try
        {
            return System.Buffers.Text.Base64Url.DecodeFromChars(content);
        }
        catch (FormatException)
        {
            return []; // dropped as malformed when processed
        }
    }
}

/// <summary>An envelope that is dropped without effect; the reason is for the log and names no secret.</summary>
internal sealed class EnvelopeDropException(string reason) : Exception(reason);

public sealed partial class Messenger
{
    private const int RestPageSize = 500;
    private const int MaxAckBatch = 1000;
    private readonly List<long> _acknowledged = [];

    /// <summary>
    /// Receives everything waiting on the server over REST (oldest first), stores it, then acknowledges
    /// it. Returns what happened, in order. Also sends what waits in the outbox and refreshes prekeys.
    /// </summary>
    public Task<IReadOnlyList<MessengerEvent>> ReceivePendingAsync(CancellationToken cancellationToken = default) => ExclusiveAsync(async () =>
    {
        await _server.EnsureLoggedInAsync(cancellationToken).ConfigureAwait(false);
        await AcknowledgeLeftoversAsync(cancellationToken).ConfigureAwait(false);
        var events = new List<MessengerEvent>();
        long after = 0;
        while (true)
        {
            var page = await _server.CallAsync((api, ct) => api.ReadQueueAsync(after, RestPageSize, ct), cancellationToken).ConfigureAwait(false);
            if (page.Envelopes.Count == 0)
            {
                break;
            }

            var batch = page.Envelopes.Select(IncomingEnvelope.From).ToList();
            events.AddRange(ProcessBatch(batch));
            await AcknowledgeAsync([.. batch.Select(e => e.Id)], cancellationToken).ConfigureAwait(false);
            after = batch[^1].Id;
            if (!page.More)
            {
                break;
            }
        }

        await FlushOutboxCoreAsync(cancellationToken).ConfigureAwait(false);
        await MaintainPreKeysAsync(cancellationToken).ConfigureAwait(false);
        FlushAcknowledged();
        events.AddRange(ExpireDue());
        return (IReadOnlyList<MessengerEvent>)events;
    }, cancellationToken);

    /// <summary>
    /// Stores a batch of envelopes as delivered (from the hub, from REST, or handed over by a test) in
    /// one transaction and returns what happened; the caller acknowledges them afterwards. An envelope
    /// that cannot be used is dropped with its reason and changes nothing.
    /// </summary>
    public IReadOnlyList<MessengerEvent> ProcessEnvelopes(IReadOnlyList<IncomingEnvelope> envelopes) => Exclusive(() => ProcessBatch(envelopes));

    private List<MessengerEvent> ProcessBatch(IReadOnlyList<IncomingEnvelope> envelopes)
    {
        var events = new List<MessengerEvent>();
        var write = _profile.BeginWrite();
        foreach (var envelope in envelopes)
        {
            if (write.HasInbound(envelope.Id))
            {
                continue; // stored before, not yet acknowledged: acknowledge again, change nothing
            }

            var local = new List<MessengerEvent>();
            var decrypted = write.Nest();
            try
            {
                HandleEnvelope(decrypted, envelope, local);
                decrypted.MergeIntoParent();
                events.AddRange(local);
            }
            catch (EnvelopeDropException e)
            {
                events.Add(new EnvelopeDropped(envelope.Id, envelope.Sender, e.Message));
            }

            write.MarkInbound(envelope.Id);
        }

        write.ForgetInbound(_acknowledged);
        write.Commit();
        _acknowledged.Clear();
        return events;
    }

    /// <summary>One envelope into <paramref name="write"/> (a nested write: a drop discards everything it did).</summary>
    private void HandleEnvelope(ProfileWrite write, IncomingEnvelope envelope, List<MessengerEvent> events)
    {
        var sender = ConversationId.CanonicalUsername(envelope.Sender);
        if (sender is null || envelope.Content.Length == 0)
        {
            throw new EnvelopeDropException("malformed envelope");
        }

        switch (envelope.Type)
        {
            case EnvelopeTypes.GroupEvent:
                ApplyGroupEvent(write, envelope, events);
                return;
            case (int)CiphertextMessageType.Whisper or (int)CiphertextMessageType.PreKey when envelope.GroupId is null:
                HandleDirect(write, sender, envelope, events);
                return;
            case (int)CiphertextMessageType.SenderKey when envelope.GroupId is not null:
                HandleGroupMessage(write, sender, envelope, events);
                return;
            default:
                throw new EnvelopeDropException($"unsupported envelope type {envelope.Type}");
        }
    }

    private void HandleDirect(ProfileWrite write, string sender, IncomingEnvelope envelope, List<MessengerEvent> events)
    {
        if (sender == Username)
        {
            throw new EnvelopeDropException("a 1:1 message from this profile's own account");
        }

        _protocol.Write = write;
        _protocol.IdentityChanges.Clear();
        ProtocolResult<byte[]> result;
        try
        {
            result = _sessions.Decrypt(AddressOf(sender), (CiphertextMessageType)envelope.Type, envelope.Content);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException)
        {
            throw new EnvelopeDropException("malformed message");
        }

        if (!result.IsSuccess)
        {
            throw new EnvelopeDropException($"could not be decrypted ({result.Failure})");
        }

        // A message that decrypts but carries nothing usable is dropped like any other: the session
        // stays where it was (its key for this message is kept as a skipped one, then ages out).
        var content = MessageContent.TryDecode(result.Value)
            ?? throw new EnvelopeDropException("not a Parley message");
        var conversation = ConversationId.Direct(sender);
        RequireValidTimer(content);
        switch (content.Kind)
        {
            case MessageContent.KindText when content.Group is null && !string.IsNullOrEmpty(content.Text):
                StoreIncoming(write, conversation, sender, content, envelope, events);
                break;
            case MessageContent.KindAttachment when content.Group is null:
                StoreIncoming(write, conversation, sender, content, envelope, events);
                break;
            case MessageContent.KindTimer when content.Group is null:
                ApplyTimer(write, conversation, sender, content, envelope, events);
                break;
            case MessageContent.KindSenderKey:
                AcceptSenderKey(write, sender, content);
                break;
            case MessageContent.KindGroupInvite:
                AcceptInvitationNote(write, sender, content, events);
                break;
            case MessageContent.KindReset:
                events.Add(new MessageReceived(AddNotice(write, conversation, $"{sender} reset the secure session.", envelope.ServerTimestamp)));
                NoteSessionReset(write, sender, envelope.ServerTimestamp);
                break;

            // ---- typing and read receipts (Messenger.Receipts.cs): nothing goes into history ----
            case MessageContent.KindTyping when content.Group is null:
                if (TypingOf(conversation, sender, content, envelope) is { } typing)
                {
                    events.Add(typing);
                }

                break;
            case MessageContent.KindRead:
                ApplyReadReceipt(write, sender, content, events);
                break;
            // ---- end of typing and read receipts ----
            default:
                throw new EnvelopeDropException($"unexpected message kind '{content.Kind}'");
        }

        if (envelope.Type == (int)CiphertextMessageType.PreKey)
        {
            _preKeysUsed = true;
        }

        foreach (var changed in _protocol.IdentityChanges)
        {
            events.Insert(0, new IdentityChanged(changed));
            events.Add(new MessageReceived(AddNotice(write, ConversationId.Direct(changed), IdentityChangeNotice(changed), envelope.ServerTimestamp)));
        }
    }

    private void HandleGroupMessage(ProfileWrite write, string sender, IncomingEnvelope envelope, List<MessengerEvent> events)
    {
        // Decrypting first: a message nobody here holds the key for fails on the key (it says so), before membership is looked at.
        _protocol.Write = write;
        var result = _groups.Decrypt(AddressOf(sender), envelope.Content);
        if (!result.IsSuccess)
        {
            throw new EnvelopeDropException($"could not be decrypted ({result.Failure})");
        }

        var group = write.Get(ItemKind.Group, envelope.GroupId!, ProfileCodecs.Group);
        if (group is null || group.Standing != GroupStanding.Member)
        {
            throw new EnvelopeDropException("a message for a group this profile is not in");
        }

        if (!group.IsMember(sender))
        {
            throw new EnvelopeDropException("a group message from someone who is not a member");
        }

        var content = MessageContent.TryDecode(result.Value);
        if (content is null || content.Group != group.Id)
        {
            throw new EnvelopeDropException("not a Parley group message");
        }

        var conversation = ConversationId.Group(group.Id);
        RequireValidTimer(content);
        switch (content.Kind)
        {
            case MessageContent.KindText when !string.IsNullOrEmpty(content.Text):
                StoreIncoming(write, conversation, sender, content, envelope, events);
                break;
            case MessageContent.KindAttachment:
                StoreIncoming(write, conversation, sender, content, envelope, events);
                break;
            case MessageContent.KindTimer:
                ApplyTimer(write, conversation, sender, content, envelope, events);
                break;
            case MessageContent.KindGroupRename when group.IsAdmin(sender) && IsUsableName(content.Name):
                write.Put(ItemKind.Group, group.Id, group with { Name = content.Name }, ProfileCodecs.Group);
                events.Add(new MessageReceived(AddNotice(write, conversation, $"{sender} renamed the group to \"{content.Name}\".", envelope.ServerTimestamp)));
                break;

            // ---- typing (Messenger.Receipts.cs) ----
            case MessageContent.KindTyping:
                if (TypingOf(conversation, sender, content, envelope) is { } typing)
                {
                    events.Add(typing);
                }

                break;
            default:
                throw new EnvelopeDropException($"unexpected group message kind '{content.Kind}'");
        }
    }

    private void StoreIncoming(ProfileWrite write, string conversation, string sender, MessageContent content, IncomingEnvelope envelope, List<MessengerEvent> events)
    {
        var uid = MessageUid(sender, content.Id);
        if (write.GetMessage(uid) is not null)
        {
            throw new EnvelopeDropException("a message already received");
        }

        var message = new StoredMessage(uid, conversation, MessageDirection.Incoming, sender, StoredMessage.KindText, content.Text ?? "",
            DateTimeOffset.FromUnixTimeMilliseconds(content.At), envelope.ServerTimestamp, DeliveryState.Received, [], []);
        if (content.Kind == MessageContent.KindAttachment)
        {
            message = AcceptAttachment(write, message, content);
        }

        message = ScheduleExpiry(write, message, content.Timer);
        write.PutMessage(message);
        Touch(write, conversation, envelope.ServerTimestamp, Preview(message), incoming: true);
        events.Add(new MessageReceived(message));
    }

    /// <summary>Acknowledges envelopes already stored; their notes are deleted with the next commit.</summary>
    private async Task AcknowledgeAsync(IReadOnlyList<long> ids, CancellationToken cancellationToken)
    {
        for (var i = 0; i < ids.Count; i += MaxAckBatch)
        {
            var chunk = ids.Skip(i).Take(MaxAckBatch).ToList();
            await _server.OverHubOrRestAsync(
                async (hub, ct) => { await hub.AckAsync(chunk, ct).ConfigureAwait(false); return true; },
                async (api, ct) => { await api.AckAsync(chunk, ct).ConfigureAwait(false); return true; },
                cancellationToken).ConfigureAwait(false);

            _acknowledged.AddRange(chunk);
        }
    }

    /// <summary>Envelopes stored by an earlier run that stopped before acknowledging them (a crash, a lost connection).</summary>
    private async Task AcknowledgeLeftoversAsync(CancellationToken cancellationToken)
    {
        var leftovers = _profile.ReadInbound();
        if (leftovers.Count > 0)
        {
            await AcknowledgeAsync(leftovers, cancellationToken).ConfigureAwait(false);
            FlushAcknowledged();
        }
    }

    /// <summary>Deletes the notes of acknowledged envelopes (a small commit of its own when nothing else is written).</summary>
    private void FlushAcknowledged()
    {
        if (_acknowledged.Count == 0)
        {
            return;
        }

        var write = _profile.BeginWrite();
        write.ForgetInbound(_acknowledged);
        write.Commit();
        _acknowledged.Clear();
    }

    /// <summary>
    /// Connects to the hub and delivers events as they happen until <paramref name="cancellationToken"/>
    /// fires: the waiting queue first, then live envelopes, receipts and presence. Each batch is stored,
    /// then acknowledged. A dropped connection is retried with a growing pause.
    /// </summary>
    public async IAsyncEnumerable<MessengerEvent> FollowAsync(RelayClientOptions? options = null,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var output = Channel.CreateUnbounded<MessengerEvent>();
        var pump = Task.Run(() => PumpAsync(output.Writer, options, cancellationToken), CancellationToken.None);
        var expiring = Task.Run(() => ExpireLoopAsync(output, cancellationToken), CancellationToken.None);
        await foreach (var e in output.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            yield return e;
        }

        await pump.ConfigureAwait(false);
        await expiring.ConfigureAwait(false);
    }

    private async Task PumpAsync(ChannelWriter<MessengerEvent> output, RelayClientOptions? options, CancellationToken cancellationToken)
    {
        var pause = TimeSpan.FromMilliseconds(250);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    var hub = await ExclusiveAsync(async () =>
                    {
                        await AcknowledgeLeftoversAsync(cancellationToken).ConfigureAwait(false);
                        var connected = await _server.ConnectHubAsync(options, cancellationToken).ConfigureAwait(false);
                        await FlushOutboxCoreAsync(cancellationToken).ConfigureAwait(false);
                        await MaintainPreKeysAsync(cancellationToken).ConfigureAwait(false);
                        return connected;
                    }, cancellationToken).ConfigureAwait(false);
                    pause = TimeSpan.FromMilliseconds(250);
                    await output.WriteAsync(new ConnectionChanged(true, null), cancellationToken).ConfigureAwait(false);
                    await RunConnectionAsync(hub, output, cancellationToken).ConfigureAwait(false);
                    if (!cancellationToken.IsCancellationRequested)
                    {
                        await output.WriteAsync(new ConnectionChanged(false, "the connection closed; reconnecting"), cancellationToken).ConfigureAwait(false);
                    }
                }
                catch (MessagingApiException e) when (!cancellationToken.IsCancellationRequested)
                {
                    // the server is away: say so, and try again shortly
                    await output.WriteAsync(new ConnectionChanged(false, e.Type == MessagingApiException.NetworkType
                        ? (Network.ProxyException.Find(e)?.Message ?? "the server could not be reached") + "; retrying" : RefusalText(e)), cancellationToken).ConfigureAwait(false);
                }
                catch (ProfileDiskFullException e) when (!cancellationToken.IsCancellationRequested)
                {
                    // Nothing of the batch was stored or acknowledged: drop the connection so the server
                    // delivers it again, and try again shortly (the disk may have room by then).
                    await _server.DisconnectHubAsync().ConfigureAwait(false);
                    await output.WriteAsync(new ConnectionChanged(false, e.Message + "; retrying"), cancellationToken).ConfigureAwait(false);
                }

                if (!cancellationToken.IsCancellationRequested)
                {
                    await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
                    pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(15).Ticks));
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            output.TryComplete(e);
            return;
        }
        finally
        {
            await _server.DisconnectHubAsync().ConfigureAwait(false);
        }

        output.TryComplete();
    }

    private async Task RunConnectionAsync(RelayClient hub, ChannelWriter<MessengerEvent> output, CancellationToken cancellationToken)
    {
        var receipts = Task.Run(async () =>
        {
            while (await hub.Receipts.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                // every receipt waiting now goes into one commit
                var waiting = new List<HubDeliveryReceipt>();
                while (waiting.Count < 256 && hub.Receipts.TryRead(out var receipt))
                {
                    waiting.Add(receipt);
                }

                foreach (var e in await ExclusiveAsync(() => Task.FromResult(ApplyReceipts(waiting)), cancellationToken).ConfigureAwait(false))
                {
                    await output.WriteAsync(e, cancellationToken).ConfigureAwait(false);
                }
            }
        }, cancellationToken);
        var presence = Task.Run(async () =>
        {
            await foreach (var p in hub.Presence.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                await output.WriteAsync(new PresenceChanged(p.Username, p.Online), cancellationToken).ConfigureAwait(false);
            }
        }, cancellationToken);

        var batch = new List<IncomingEnvelope>(MaxAckBatch);
        while (await hub.Envelopes.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < MaxAckBatch && hub.Envelopes.TryRead(out var e))
            {
                batch.Add(IncomingEnvelope.From(e));
            }

            // Shown as soon as they are stored; the acknowledgement (server clean-up) follows.
            var events = await ExclusiveAsync(() => Task.FromResult(ProcessBatch(batch)), cancellationToken).ConfigureAwait(false);
            foreach (var e in events)
            {
                await output.WriteAsync(e, cancellationToken).ConfigureAwait(false);
            }

            var ids = batch.Select(e => e.Id).ToList();
            await ExclusiveAsync(async () =>
            {
                await AcknowledgeAsync(ids, cancellationToken).ConfigureAwait(false);
                return true;
            }, cancellationToken).ConfigureAwait(false);

            if (_preKeysUsed)
            {
                await ExclusiveAsync(async () =>
                {
                    await MaintainPreKeysAsync(cancellationToken).ConfigureAwait(false);
                    return true;
                }, cancellationToken).ConfigureAwait(false);
            }
        }

        await Task.WhenAll(receipts, presence).ConfigureAwait(false);
    }
}
