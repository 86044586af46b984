using Parley.Client.Messaging;
using Parley.Client.Profiles;
using Parley.Contracts;
using Parley.Contracts.Messaging;
using Parley.Crypto;
using Parley.Crypto.Kem;
using Parley.Protocol;
using Parley.Protocol.Keys;
using Parley.Protocol.Storage;
using Parley.Protocol.Wire;

namespace Parley.Client.Messenger;

/// <summary>The outcome of a send: the stored message, and whether it reached the server yet.</summary>
public sealed record SendResult(StoredMessage Message, bool Queued, string? Problem);

public sealed partial class Messenger
{
    /// <summary>
    /// Sends <paramref name="text"/> to a user or a group (<c>#name</c>). The message is encrypted, stored
    /// with the new session state (state Pending) and only then handed to the server; if the server cannot
    /// be reached it stays Pending and goes out with the next send or receive.
    /// </summary>
    public async Task<SendResult> SendTextAsync(string target, string text, CancellationToken cancellationToken = default) =>
        (await SendTextsAsync(target, [text], cancellationToken).ConfigureAwait(false))[0];

    /// <summary>
    /// Sends several messages to one user or group, in order: all are encrypted and stored in one
    /// transaction, then handed to the server in batches (one hub call per 256 when connected).
    /// </summary>
    public Task<IReadOnlyList<SendResult>> SendTextsAsync(string target, IReadOnlyList<string> texts, CancellationToken cancellationToken = default) =>
        ExclusiveAsync(async () =>
        {
            if (texts.Count == 0 || texts.Any(t => string.IsNullOrEmpty(t) || t.Length > MessageContent.MaxTextLength))
            {
                throw new MessengerException(MessengerFailure.InvalidArgument, $"a message is 1 to {MessageContent.MaxTextLength} characters");
            }

            await _server.EnsureLoggedInAsync(cancellationToken).ConfigureAwait(false);
            var uids = target.StartsWith('#')
                ? await QueueGroupTextsAsync(target, texts, cancellationToken).ConfigureAwait(false)
                : await QueueDirectTextsAsync(RequireUsername(target), texts, cancellationToken).ConfigureAwait(false);
            var problem = await FlushOutboxCoreAsync(cancellationToken).ConfigureAwait(false);
            return (IReadOnlyList<SendResult>)[.. uids.Select(uid =>
            {
                var message = _profile.GetMessage(uid)!;
                return new SendResult(message, message.State != DeliveryState.Pending, message.State == DeliveryState.Pending || message.State == DeliveryState.Failed ? problem : null);
            })];
        }, cancellationToken);

    private async Task<List<string>> QueueDirectTextsAsync(string user, IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        if (user == Username)
        {
            throw new MessengerException(MessengerFailure.InvalidArgument, "you cannot send a message to yourself");
        }

        var write = _profile.BeginWrite();
        _protocol.Write = write;
        await EnsureSessionAsync(write, user, cancellationToken).ConfigureAwait(false);
        var conversation = ConversationId.Direct(user);
        var timer = TimerOf(write, conversation);
        var uids = new List<string>(texts.Count);
        foreach (var text in texts)
        {
            var now = _time.GetUtcNow();
            var content = MessageContent.Of(MessageContent.KindText, now, text) with { Timer = timer };
            var uid = MessageUid(Username, content.Id);
            QueueDirect(write, user, content, uid, conversation);
            var message = ScheduleExpiry(write, new StoredMessage(uid, conversation, MessageDirection.Outgoing, Username, StoredMessage.KindText, text, now, now,
                DeliveryState.Pending, [user], []), timer);
            write.PutMessage(message);
            Touch(write, conversation, now, Preview(message), incoming: false);
            uids.Add(uid);
        }

        write.Commit();
        return uids;
    }

    /// <summary>Encrypts <paramref name="content"/> for <paramref name="user"/> in the current session and puts it in the outbox.</summary>
    private void QueueDirect(ProfileWrite write, string user, MessageContent content, string uid, string conversation)
    {
        _protocol.Write = write;
        var result = _sessions.Encrypt(AddressOf(user), content.Encode());
        if (!result.IsSuccess)
        {
            throw result.Failure == ProtocolFailure.UntrustedIdentity
                ? MessengerException.IdentityChanged(user)
                : new MessengerException(MessengerFailure.Refused, $"could not encrypt for {user}: {result.Failure}");
        }

        var ciphertext = result.Value;
        write.AddOutbox(new OutboxEntry(uid, conversation, user, null, (int)ciphertext.Type, ciphertext.Serialized));
    }

    /// <summary>
    /// Makes sure there is a session that can send to <paramref name="user"/>: when there is none (or it
    /// went stale), fetches a prekey bundle and runs PQXDH. A bundle with another identity key than the
    /// one on record is a key change: it is recorded, and sending is refused until the user accepts it.
    /// </summary>
    private async Task EnsureSessionAsync(ProfileWrite write, string user, CancellationToken cancellationToken)
    {
        var contact = write.Get(ItemKind.Contact, user, ProfileCodecs.Contact);
        if (contact is { Trust: ContactTrust.Changed })
        {
            throw MessengerException.IdentityChanged(user);
        }

        var address = AddressOf(user);
        if (_protocol.LoadSession(address)?.HasUsableSenderChain(_time.GetUtcNow()) == true)
        {
            return;
        }

        PreKeyBundleResponse response;
        try
        {
            response = await _server.CallAsync((api, ct) => api.GetBundleAsync(user, ct), cancellationToken).ConfigureAwait(false);
        }
        catch (MessagingApiException e) when (e.Status == 404)
        {
            throw new MessengerException(MessengerFailure.UnknownUser, $"no user '{user}' on {Server.Authority}", e);
        }
        catch (MessagingApiException e) when (e.Status == 429)
        {
            throw new MessengerException(MessengerFailure.Refused, $"the server limits how often a user's keys are fetched: {RefusalText(e)}", e);
        }

        var bundle = DecodeBundle(response, user);
        var key = bundle.IdentityKey.Serialize();
        if (contact is not null && !contact.IdentityKey.AsSpan().SequenceEqual(key))
        {
            var changed = contact.WithChangedKey(key, _time.GetUtcNow());
            var notice = _profile.BeginWrite();
            notice.Put(ItemKind.Contact, user, changed, ProfileCodecs.Contact);
            AddNotice(notice, ConversationId.Direct(user), IdentityChangeNotice(user));
            notice.Commit();
            throw MessengerException.IdentityChanged(user);
        }

        var result = _sessions.ProcessPreKeyBundle(address, bundle);
        if (!result.IsSuccess)
        {
            throw new MessengerException(MessengerFailure.Refused, $"{user}'s prekey bundle was refused ({result.Failure}); nothing was sent");
        }

        _ = write; // the session and (for a new contact) the identity were written into it by the cipher
    }

    private static PreKeyBundle DecodeBundle(PreKeyBundleResponse r, string user)
    {
        static byte[] B(string s) => System.Buffers.Text.Base64Url.DecodeFromChars(s);
        try
        {
            return new PreKeyBundle(r.RegistrationId, r.DeviceId,
                r.PreKey?.Id, r.PreKey is null ? null : Curve25519PublicKey.Decode(B(r.PreKey.PublicKey)),
                r.SignedPreKey.Id, Curve25519PublicKey.Decode(B(r.SignedPreKey.PublicKey)), B(r.SignedPreKey.Signature),
                Curve25519PublicKey.Decode(B(r.IdentityKey)),
                r.KyberPreKey.Id, KemPublicKey.Decode(B(r.KyberPreKey.PublicKey)), B(r.KyberPreKey.Signature));
        }
        catch (FormatException e)
        {
            throw new MessengerException(MessengerFailure.Refused, $"the server sent a malformed prekey bundle for {user}", e);
        }
    }

    /// <summary>
    /// Forgets the session with <paramref name="username"/> and starts a new one from a fresh bundle,
    /// telling them with a <c>reset</c> message (their client shows that the session was renewed).
    /// </summary>
    public Task<SendResult> ResetSessionAsync(string username, CancellationToken cancellationToken = default) => ExclusiveAsync(async () =>
    {
        var user = RequireUsername(username);
        await _server.EnsureLoggedInAsync(cancellationToken).ConfigureAwait(false);
        var write = _profile.BeginWrite();
        _protocol.Write = write;
        _protocol.DeleteSession(AddressOf(user));
        await EnsureSessionAsync(write, user, cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var content = MessageContent.Of(MessageContent.KindReset, now);
        var conversation = ConversationId.Direct(user);
        var uid = MessageUid(Username, content.Id);
        QueueDirect(write, user, content, uid, conversation);
        var notice = new StoredMessage(uid, conversation, MessageDirection.Outgoing, Username, StoredMessage.KindNotice,
            $"You reset the secure session with {user}.", now, now, DeliveryState.Pending, [user], []);
        write.PutMessage(notice);
        write.Commit();
        var problem = await FlushOutboxCoreAsync(cancellationToken).ConfigureAwait(false);
        var message = _profile.GetMessage(uid)!;
        return new SendResult(message, message.State != DeliveryState.Pending, problem);
    }, cancellationToken);

    /// <summary>Sends what waits in the outbox (e.g. after the server could not be reached). Returns the first problem, or null.</summary>
    public Task<string?> FlushOutboxAsync(CancellationToken cancellationToken = default) =>
        ExclusiveAsync(() => FlushOutboxCoreAsync(cancellationToken), cancellationToken);

    /// <summary>
    /// Hands the outbox to the server in order: runs of direct envelopes in one hub call each when the
    /// hub is connected (REST otherwise), group envelopes one by one. Stops at the first network failure
    /// or rate limit (the rest stays for later); an envelope the server refuses for good marks its message Failed.
    /// </summary>
    private async Task<string?> FlushOutboxCoreAsync(CancellationToken cancellationToken)
    {
        var pending = _profile.ReadOutbox();
        var index = 0;
        while (index < pending.Count)
        {
            var run = new List<(long Sequence, OutboxEntry Entry)>();
            if (pending[index].Entry.GroupId is null)
            {
                // As many as one hub message carries: by count and by bytes (read receipts are large).
                var bytes = 0;
                while (index < pending.Count && pending[index].Entry.GroupId is null && run.Count < HubNames.MaxSendBatch)
                {
                    var size = pending[index].Entry.Content.Length + HubNames.SendBatchEnvelopeOverhead;
                    if (run.Count > 0 && bytes + size > HubNames.MaxSendBatchBytes)
                    {
                        break;
                    }

                    bytes += size;
                    run.Add(pending[index++]);
                }
            }
            else
            {
                run.Add(pending[index++]);
            }

            var write = _profile.BeginWrite();
            var problem = run[0].Entry.GroupId is { } groupId
                ? await SendGroupEnvelopeAsync(write, run[0], groupId, cancellationToken).ConfigureAwait(false)
                : await SendDirectEnvelopesAsync(write, run, cancellationToken).ConfigureAwait(false);
            write.Commit();
            if (problem is not null)
            {
                return problem;
            }
        }

        return null;
    }

    private async Task<string?> SendDirectEnvelopesAsync(ProfileWrite write, List<(long Sequence, OutboxEntry Entry)> run, CancellationToken cancellationToken)
    {
        var results = new List<(long Id, DateTimeOffset At, string? Problem)>(run.Count);
        try
        {
            await _server.OverHubOrRestAsync(
                async (hub, ct) =>
                {
                    var outcome = await hub.SendBatchAsync([.. run.Select(r => new HubOutgoingEnvelope { To = r.Entry.To!, Type = r.Entry.Type, Content = r.Entry.Content })],
                        ct).ConfigureAwait(false);
                    results.AddRange(outcome.Select(o => (o.Id, DateTimeOffset.FromUnixTimeMilliseconds(o.ServerTimestamp), o.Problem)));
                    return true;
                },
                async (api, ct) =>
                {
                    // One by one; run again after a fresh login, it goes on after the last answered one.
                    foreach (var (_, entry) in run.Skip(results.Count))
                    {
                        try
                        {
                            var sent = await api.SendAsync(entry.To!, entry.Type, entry.Content, ct).ConfigureAwait(false);
                            results.Add((sent.Id, sent.ServerTimestamp, null));
                        }
                        catch (MessagingApiException e) when (e.Status is >= 400 and < 500 && e.Status != 401)
                        {
                            results.Add((0, default, $"{e.Type}: {RefusalText(e)}"));
                            if (e.Status == 429)
                            {
                                break;
                            }
                        }
                    }

                    return true;
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (MessagingApiException e) when (e.Type == MessagingApiException.NetworkType || e.Status >= 500)
        {
            // Whatever was accepted before the failure is recorded below; the rest stays in the outbox.
            ApplySendResults(write, run, results);
            return (Network.ProxyException.Find(e)?.Message ?? "the server could not be reached")
                + "; the message is stored and will be sent the next time parley connects";
        }

        return ApplySendResults(write, run, results);
    }

    /// <summary>Records each accepted envelope (message Sent, envelope tracked for its receipt); returns the first refusal.</summary>
    private string? ApplySendResults(ProfileWrite write, List<(long Sequence, OutboxEntry Entry)> run, List<(long Id, DateTimeOffset At, string? Problem)> results)
    {
        string? firstProblem = null;
        for (var i = 0; i < results.Count; i++)
        {
            var (sequence, entry) = run[i];
            var (id, _, problem) = results[i];
            if (problem is null)
            {
                write.RemoveOutbox(sequence);
                if (entry.MessageUid.Length > 0)
                {
                    write.MapSent(id, entry.MessageUid);
                    UpdateOutgoing(write, entry.MessageUid, DeliveryState.Sent);
                }

                continue;
            }

            firstProblem ??= ProblemText(problem);
            if (problem.StartsWith(ProblemTypes.RateLimited, StringComparison.Ordinal))
            {
                break; // stays in the outbox, in order, for the next try
            }

            write.RemoveOutbox(sequence);
            UpdateOutgoing(write, entry.MessageUid, DeliveryState.Failed);
        }

        return firstProblem;
    }

    private static string ProblemText(string problem)
    {
        var colon = problem.IndexOf(": ", StringComparison.Ordinal);
        return colon < 0 ? problem : problem[(colon + 2)..];
    }

    /// <summary>Moves an outgoing message forward (Pending → Sent → Delivered), never back.</summary>
    private void UpdateOutgoing(ProfileWrite write, string uid, DeliveryState state)
    {
        if (write.GetMessage(uid) is not { } message || message.Direction != MessageDirection.Outgoing)
        {
            return;
        }

        if (state == DeliveryState.Failed || (int)state > (int)message.State || message.State == DeliveryState.Pending)
        {
            write.PutMessage(message with { State = state });
        }
    }

    /// <summary>The uid of a message: who wrote it, and their id for it.</summary>
    private static string MessageUid(string author, string id) => author + "/" + id;
}
