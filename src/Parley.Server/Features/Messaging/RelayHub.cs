using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Parley.Contracts;
using Parley.Contracts.Messaging;
using Parley.Server.Infrastructure.Text;

namespace Parley.Server.Features.Messaging;

/// <summary>
/// The relay hub (MessagePack only, WebSockets only, docs/messaging-api.md). On connect the caller's
/// queue drains in order, then envelopes arrive as they are sent; the caller acknowledges what it has
/// stored, and only that deletes. Errors are <see cref="HubException"/>s whose message starts with a
/// problem type; the connection stays usable.
/// </summary>
[Authorize(Policy = MessagingFeature.Policy)]
internal sealed class RelayHub(RelayService relay, GroupService groups, RelayConnections connections, IMessagingStore store,
    TimeProvider time, ILogger<RelayHub> logger) : Hub
{
    private const string PumpKey = "parley:pump";

    private string Me => Context.User!.Name();

    public override async Task OnConnectedAsync()
    {
        var user = Context.User!;
        var tokenHashHex = user.TokenHashHex();
        var pump = connections.NewPump(Context, Me, Convert.FromHexString(tokenHashHex));
        Context.Items[PumpKey] = pump;
        var first = connections.Add(pump);
        // The token was checked at the WebSocket upgrade, but the client sees the connection open
        // before this method runs: a logout or account deletion in between found nothing to close.
        // Now that the connection is registered (a later revocation will find it), look at the
        // revocations this node has seen since the check (its own and, with Redis, every node's);
        // the store is asked only when the check is older than what the node remembers.
        var revocation = connections.RevocationOf(tokenHashHex, pump.User, user.TokenCheckedAt());
        if (revocation == Revocation.Revoked || (revocation == Revocation.Unknown
            && await store.FindTokenAsync(pump.TokenHash, time.GetUtcNow(), Context.ConnectionAborted) is null))
        {
            connections.Remove(pump);
            Context.Items.Remove(PumpKey);
            Context.Abort();
            return;
        }

        pump.Start();
        MessagingLog.Connected(logger, Me);
        if (first)
        {
            await relay.AnnouncePresenceAsync(Me, online: true, Context.ConnectionId);
        }
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        if (Context.Items.TryGetValue(PumpKey, out var value) && value is DeliveryPump pump)
        {
            pump.Stop();
            MessagingLog.Disconnected(logger, pump.User);
            if (connections.Remove(pump))
            {
                await relay.AnnouncePresenceAsync(pump.User, online: false, Context.ConnectionId);
            }
        }
    }

    /// <summary>Queues one envelope for <paramref name="to"/>.</summary>
    public async Task<HubSendResult> Send(string to, int type, byte[] content)
    {
        var recipient = Usernames.Canonical(to) ?? throw Error(MessagingProblemTypes.UsernameInvalid, "to is not a valid username");
        ThrowIfRefused(relay.Check(Me, type, content?.Length ?? 0));
        var (status, envelope) = await relay.SendAsync(Me, recipient, type, content!, Context.ConnectionAborted);
        ThrowIfRefused(status);
        return new HubSendResult { Id = envelope!.Id, ServerTimestamp = envelope.ServerTimestamp.ToUnixTimeMilliseconds() };
    }

    /// <summary>
    /// Queues several envelopes in one call (in array order), each with its own outcome: one refused
    /// envelope does not stop the others.
    /// </summary>
    public async Task<HubBatchSendResult[]> SendBatch(HubOutgoingEnvelope[] envelopes)
    {
        if (envelopes is null || envelopes.Length is 0 or > HubNames.MaxSendBatch || Array.IndexOf(envelopes, null) >= 0)
        {
            throw Error(ProblemTypes.InvalidRequest, $"envelopes must hold 1 to {HubNames.MaxSendBatch} envelopes");
        }

        var results = new HubBatchSendResult[envelopes.Length];
        var accepted = new List<(int Index, string Recipient)>(envelopes.Length);
        for (var i = 0; i < envelopes.Length; i++)
        {
            var e = envelopes[i];
            if (Usernames.Canonical(e.To) is not { } recipient)
            {
                results[i] = Refused(ProblemText(MessagingProblemTypes.UsernameInvalid, "to is not a valid username"));
                continue;
            }

            var check = relay.Check(Me, e.Type, e.Content?.Length ?? 0);
            if (check != SendStatus.Queued)
            {
                results[i] = Refused(Problem(check));
                continue;
            }

            accepted.Add((i, recipient));
        }

        if (accepted.Count > 0)
        {
            var outcomes = await relay.SendManyAsync(Me, [.. accepted.Select(a => (a.Recipient, envelopes[a.Index].Type, envelopes[a.Index].Content))],
                Context.ConnectionAborted);
            for (var k = 0; k < accepted.Count; k++)
            {
                var (status, envelope) = outcomes[k];
                results[accepted[k].Index] = status == SendStatus.Queued
                    ? new HubBatchSendResult { Id = envelope!.Id, ServerTimestamp = envelope.ServerTimestamp.ToUnixTimeMilliseconds() }
                    : Refused(Problem(status));
            }
        }

        return results;
    }

    private static HubBatchSendResult Refused(string problem) => new() { Problem = problem };

    /// <summary>Queues one ciphertext for every other member of the group, atomically; one send permit per recipient.</summary>
    public async Task<HubGroupSendResult> SendGroup(string groupId, int type, byte[] content)
    {
        var id = GroupService.ParseId(groupId) ?? throw Error(ProblemTypes.InvalidId, "groupId is 16 bytes, base64url");
        ThrowIfRefused(relay.Validate(type, content?.Length ?? 0));
        var outcome = await groups.SendAsync(Me, id, type, content!, Context.ConnectionAborted);
        return outcome.Status switch
        {
            GroupStatus.Done => new HubGroupSendResult
            {
                Recipients = outcome.Names!.Count,
                RecipientNames = [.. outcome.Names],
                Ids = [.. outcome.Ids!],
                ServerTimestamp = outcome.At.ToUnixTimeMilliseconds(),
            },
            GroupStatus.QueueFull => throw Error(MessagingProblemTypes.QueueFull, "a member's queue is full: " + string.Join(", ", outcome.Names!)),
            GroupStatus.RateLimited => throw Error(ProblemTypes.RateLimited, "a group send counts once per recipient; wait before sending more"),
            _ => throw Error(MessagingProblemTypes.NotGroupMember, "no such group, or you are not a member"),
        };
    }

    /// <summary>Deletes these envelopes from my queue; returns how many were deleted.</summary>
    public async Task<int> Ack(long[] ids)
    {
        if (ids is null || ids.Length is 0 or > RelayService.MaxAckBatch || ids.Any(i => i <= 0))
        {
            throw Error(ProblemTypes.InvalidRequest, $"ids must hold 1 to {RelayService.MaxAckBatch} positive envelope ids");
        }

        return await relay.AckAsync(Me, ids, Context.ConnectionAborted);
    }

    /// <summary>The users I may see that are online.</summary>
    public async Task<string[]> GetPresence() => [.. await relay.VisibleOnlineAsync(Me, Context.ConnectionAborted)];

    private static void ThrowIfRefused(SendStatus status)
    {
        if (status != SendStatus.Queued)
        {
            throw new HubException(Problem(status));
        }
    }

    private static string Problem(SendStatus status) => status switch
    {
        SendStatus.InvalidType => ProblemText(ProblemTypes.InvalidRequest, $"type must lie between {EnvelopeTypes.MinClient} and {EnvelopeTypes.MaxClient}"),
        SendStatus.EmptyContent => ProblemText(ProblemTypes.InvalidRequest, "content must not be empty"),
        SendStatus.TooLarge => ProblemText(ProblemTypes.PayloadTooLarge, "content is larger than the server's envelope limit"),
        SendStatus.UnknownRecipient => ProblemText(MessagingProblemTypes.UnknownRecipient, "no account has this username"),
        SendStatus.QueueFull => ProblemText(MessagingProblemTypes.QueueFull, "the recipient's queue is full"),
        SendStatus.RateLimited => ProblemText(ProblemTypes.RateLimited, "too many envelopes; wait before sending more"),
        _ => ProblemText(ProblemTypes.InternalError, "unexpected outcome"),
    };

    private static string ProblemText(string type, string detail) => $"{type}: {detail}";

    private static HubException Error(string type, string detail) => new(ProblemText(type, detail));

    internal static string? GroupIdText(byte[]? id) => id is null ? null : Base64Url.Encode(id);
}
