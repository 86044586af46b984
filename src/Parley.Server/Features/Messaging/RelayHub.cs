using System.Net.WebSockets;
using MessagePack;
using Microsoft.Extensions.Options;
using Parley.Contracts;
using Parley.Contracts.Messaging;
using Parley.Server.Infrastructure.Http;
using Parley.Server.Infrastructure.Storage;
using Parley.Server.Infrastructure.Text;

namespace Parley.Server.Features.Messaging;

/// <summary>
/// The relay socket at <c>/api/hub</c>: a plain WebSocket whose binary messages are MessagePack arrays
/// (<see cref="RelayFrames"/>, docs/messaging-api.md). On connect the caller's queue drains in order, then
/// envelopes arrive as they are sent; the caller acknowledges what it has stored, and only that deletes.
/// Calls run one at a time per connection; a call that fails, a malformed frame, an unknown method or a
/// text frame gets an error frame whose text starts with a problem type, and the connection stays usable.
/// Only a message over the size limit closes it (status 1009).
/// </summary>
internal sealed class RelayHub(RelayService relay, GroupService groups, RelayConnections connections, IAccountStore store, BearerTokenCheck tokens,
    TimeProvider time, HubCallLogging calls, StoreFaultLog storeFaults, IOptions<MessagingOptions> options, IHostApplicationLifetime lifetime,
    Microsoft.AspNetCore.Diagnostics.IExceptionHandler errors, ILogger<RelayHub> logger)
{
    /// <summary>A socket silent this long is pinged (<see cref="RelayKeepAlive"/>).</summary>
    public static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(15);

    /// <summary>A pinged socket silent this long after the ping is dropped.</summary>
    public static readonly TimeSpan KeepAliveTimeout = TimeSpan.FromSeconds(30);

    private readonly int _maxMessage = options.Value.MaxHubMessageBytes;

    public async Task HandleAsync(HttpContext context)
    {
        if (await AdmitAsync(context) is not { } caller)
        {
            return;
        }

        var tokenHashHex = Convert.ToHexString(caller.Hash);
        var socket = await RelaySocket.AcceptAsync(context);
        var connection = new RelayConnection(socket, caller.Username, caller.Hash, caller.ExpiresAt, connections);
        var first = connections.Add(connection);
        // The token was checked at the upgrade, but the client sees the socket open before the
        // connection is registered: a logout or account deletion in between found nothing to close.
        // Now that it is registered (a later revocation will find it), look at the revocations this
        // node has seen since the check (its own and, with Redis, every node's); the store is asked
        // only when the check is older than what the node remembers.
        var revocation = connections.RevocationOf(tokenHashHex, connection.User, caller.CheckedAt);
        bool revoked;
        try
        {
            revoked = revocation == Revocation.Revoked || (revocation == Revocation.Unknown
                && await store.FindTokenAsync(connection.TokenHash, time.GetUtcNow(), CancellationToken.None) is null);
        }
        catch (Exception e) when (StoreFault.Classify(e) is { } fault)
        {
            // The store went away between the upgrade and this check: the socket cannot be trusted yet, and
            // its slot must not stay taken. One line for the operator; the client reconnects.
            storeFaults.Refused(fault, e);
            revoked = true;
        }

        if (revoked)
        {
            connections.Remove(connection);
            socket.Abort();
            return;
        }

        connection.Start();
        MessagingLog.Connected(logger, connection.User);
        var frames = new WebSocketFrameReader(_maxMessage);
        try
        {
            if (first)
            {
                await relay.AnnouncePresenceAsync(connection.User, online: true, connection.Id);
            }

            // One call at a time: read a message, run it, answer, read the next. The loop awaits the socket's
            // bytes itself, so a waiting socket holds this method's one state machine and nothing per read.
            var input = socket.Input;
            while (true)
            {
                var read = await input.ReadAsync(CancellationToken.None);
                if (read.IsCanceled)
                {
                    return; // aborted (revoked, expired, silent), or Kestrel stopping the connection
                }

                var buffer = read.Buffer;
                var happened = frames.Read(ref buffer);
                // Examined never moves back: after a partial header a refusal may end before where the last read ended.
                input.AdvanceTo(buffer.Start, happened is FrameEvent.NeedMore or FrameEvent.ProtocolError or FrameEvent.TooBig ? buffer.End : buffer.Start);
                if (happened != FrameEvent.NeedMore)
                {
                    socket.Heard(); // whole frames only: a frame trickled a byte at a time is not a sign of life
                }

                switch (happened)
                {
                    case FrameEvent.NeedMore when read.IsCompleted:
                        return; // the client went away
                    case FrameEvent.NeedMore:
                        continue;
                    case FrameEvent.Ping:
                        var ping = frames.Payload.ToArray();
                        frames.Release();
                        await socket.PongAsync(ping);
                        continue;
                    case FrameEvent.Pong:
                        frames.Release();
                        continue;
                    case FrameEvent.Close:
                        frames.Release();
                        await connection.CloseAsync(WebSocketCloseStatus.NormalClosure, string.Empty);
                        return;
                    case FrameEvent.ProtocolError:
                        await connection.CloseAsync(WebSocketCloseStatus.ProtocolError, frames.Problem!);
                        return;
                    case FrameEvent.TooBig:
                        calls.Refused("(frame)", ProblemTypes.PayloadTooLarge);
                        await connection.CloseAsync(WebSocketCloseStatus.MessageTooBig, $"a message may be at most {_maxMessage} bytes");
                        return;
                }

                var call = frames.MessageType == WebSocketMessageType.Text
                    ? Call.Refused(0, "(frame)", ProblemTypes.InvalidRequest, "messages are binary: one MessagePack array each")
                    : Call.Parse(frames.Payload);
                frames.Release(); // the call holds copies of what it needs
                socket.Running(true);
                await RunAsync(connection, call);
                socket.Running(false);
            }
        }
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away (or was closed by a revocation): nothing to report.
        }
        finally
        {
            socket.Ended();
            frames.Dispose();
            connection.Stop();
            MessagingLog.Disconnected(logger, connection.User);
            if (connections.Remove(connection))
            {
                await relay.AnnouncePresenceAsync(connection.User, online: false, connection.Id);
            }
        }
    }

    /// <summary>
    /// The checks before the upgrade, in the order the REST routes would make them (token, then the request
    /// itself, then this node's state): the caller, or null once a refusal has been written. The socket is
    /// mapped ahead of the authentication, authorization and exception-handling middleware (each would
    /// keep a frame and state alive for the socket's whole life), so it checks the token and turns store
    /// faults into problem answers here.
    /// </summary>
    private async Task<CheckedToken?> AdmitAsync(HttpContext context)
    {
        try
        {
            if (BearerTokenCheck.Presented(context.Request, allowQuery: true) is not { } presented)
            {
                await Problems.Unauthorized().ExecuteAsync(context);
                return null;
            }

            var (caller, refusal) = await tokens.CheckAsync(presented, context.RequestAborted);
            if (caller is null)
            {
                MessagingLog.BearerRefused(logger, refusal!);
                await Problems.Unauthorized().ExecuteAsync(context);
                return null;
            }

            if (!RelaySocket.IsUpgrade(context))
            {
                await Problems.InvalidRequest("the relay is a WebSocket: send an upgrade request").ExecuteAsync(context);
                return null;
            }

            if (lifetime.ApplicationStopping.IsCancellationRequested)
            {
                // Draining (SIGTERM): the open sockets were closed; new ones go to another node.
                context.Response.Headers.RetryAfter = "1";
                await Results.Problem(statusCode: 503, title: "This node is shutting down.", detail: "connect again (to another node)",
                    type: ProblemTypes.NodeUnavailable).ExecuteAsync(context);
                return null;
            }

            if (connections.Of(caller.Username).Length >= options.Value.MaxConnectionsPerAccount)
            {
                // Each socket may hold a live queue (RelayConnection.LiveCapacityBytes): their number is bounded too.
                await MessagingLimits.RateLimited($"This account has {options.Value.MaxConnectionsPerAccount} relay connections open on this node; close one first.")
                    .ExecuteAsync(context);
                return null;
            }

            return caller;
        }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            // What the exception handler would have answered further down the pipeline (a store fault: 503).
            await errors.TryHandleAsync(context, e, context.RequestAborted);
            return null;
        }
    }

    private async Task RunAsync(RelayConnection connection, Call call)
    {
        using var buffer = new PooledBufferWriter();
        try
        {
            if (call.Problem is not null)
            {
                throw new RelayCallException(call.Problem);
            }

            var me = connection.User;
            switch (call.Method)
            {
                case HubNames.Send:
                    RelayWire.Result(buffer, call.Id, await Send(me, call.Text, call.Number, call.Bytes));
                    break;
                case HubNames.SendBatch:
                    RelayWire.Result(buffer, call.Id, await SendBatch(me, call.Batch));
                    break;
                case HubNames.SendGroup:
                    RelayWire.Result(buffer, call.Id, await SendGroup(me, call.Text, call.Number, call.Bytes));
                    break;
                case HubNames.Ack:
                    RelayWire.Result(buffer, call.Id, await Ack(me, call.Ids));
                    break;
                default:
                    RelayWire.Result(buffer, call.Id, (string[])[.. await relay.VisibleOnlineAsync(me, CancellationToken.None)]);
                    break;
            }
        }
        catch (RelayCallException e)
        {
            calls.Refused(call.Method, e.Message);
            RelayWire.Error(Reset(buffer), call.Id, e.Message);
        }
        catch (Exception e) when (StoreFault.Classify(e) is { } fault)
        {
            // The disk or the database, not a bug: the caller hears which, the operator gets one line.
            storeFaults.Refused(fault, e);
            var problem = Problems.StoreFault(fault);
            RelayWire.Error(Reset(buffer), call.Id, ProblemText(problem.Type!, problem.Detail!));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            calls.Failed(call.Method, e);
            RelayWire.Error(Reset(buffer), call.Id, ProblemText(ProblemTypes.InternalError, "the call failed on the server"));
        }

        await connection.SendAsync(buffer.Written);
    }

    private static PooledBufferWriter Reset(PooledBufferWriter buffer)
    {
        buffer.Clear();
        return buffer;
    }

    /// <summary>Queues one envelope for <paramref name="to"/>.</summary>
    private async Task<HubSendResult> Send(string me, string? to, int type, byte[]? content)
    {
        var recipient = Usernames.Canonical(to) ?? throw Error(MessagingProblemTypes.UsernameInvalid, "to is not a valid username");
        ThrowIfRefused(relay.Check(me, type, content?.Length ?? 0));
        var (status, envelope) = await relay.SendAsync(me, recipient, type, content!, CancellationToken.None);
        ThrowIfRefused(status);
        return new HubSendResult { Id = envelope!.Id, ServerTimestamp = envelope.ServerTimestamp.ToUnixTimeMilliseconds() };
    }

    /// <summary>
    /// Queues several envelopes in one call (in array order), each with its own outcome: one refused
    /// envelope does not stop the others.
    /// </summary>
    private async Task<HubBatchSendResult[]> SendBatch(string me, HubOutgoingEnvelope[]? envelopes)
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

            var check = relay.Check(me, e.Type, e.Content?.Length ?? 0);
            if (check != SendStatus.Queued)
            {
                results[i] = Refused(Problem(check));
                continue;
            }

            accepted.Add((i, recipient));
        }

        if (accepted.Count > 0)
        {
            var outcomes = await relay.SendManyAsync(me, [.. accepted.Select(a => (a.Recipient, envelopes[a.Index].Type, envelopes[a.Index].Content))],
                CancellationToken.None);
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
    private async Task<HubGroupSendResult> SendGroup(string me, string? groupId, int type, byte[]? content)
    {
        var id = GroupService.ParseId(groupId) ?? throw Error(ProblemTypes.InvalidId, "groupId is 16 bytes, base64url");
        ThrowIfRefused(relay.Validate(type, content?.Length ?? 0));
        var outcome = await groups.SendAsync(me, id, type, content!, CancellationToken.None);
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
    private async Task<int> Ack(string me, long[]? ids)
    {
        if (ids is null || ids.Length is 0 or > RelayService.MaxAckBatch || ids.Any(i => i <= 0))
        {
            throw Error(ProblemTypes.InvalidRequest, $"ids must hold 1 to {RelayService.MaxAckBatch} positive envelope ids");
        }

        return await relay.AckAsync(me, ids, CancellationToken.None);
    }

    private static void ThrowIfRefused(SendStatus status)
    {
        if (status != SendStatus.Queued)
        {
            throw new RelayCallException(Problem(status));
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

    internal static string ProblemText(string type, string detail) => $"{type}: {detail}";

    private static RelayCallException Error(string type, string detail) => new(ProblemText(type, detail));

    internal static string? GroupIdText(byte[]? id) => id is null ? null : Base64Url.Encode(id);

    /// <summary>
    /// One invocation frame, read before the call runs (the message buffer goes back to the pool first).
    /// <see cref="Problem"/> set: the frame is refused with that text. Internal so that the fuzz harness can drive
    /// <see cref="Parse"/> directly: it must answer every byte string with a call or a refusal, never an exception.
    /// </summary>
    internal readonly record struct Call(int Id, string Method, string? Problem, string? Text = null, int Number = 0, byte[]? Bytes = null,
        HubOutgoingEnvelope[]? Batch = null, long[]? Ids = null)
    {
        public static Call Refused(int id, string method, string type, string detail) => new(id, method, ProblemText(type, detail));

        public static Call Parse(ReadOnlyMemory<byte> frame)
        {
            var id = 0;
            var method = "(frame)";
            try
            {
                var reader = new MessagePackReader(frame);
                if (reader.End || reader.NextMessagePackType != MessagePackType.Array)
                {
                    return Refused(0, method, ProblemTypes.InvalidRequest, "a message is one MessagePack array: [1, id, method, args...]");
                }

                var count = reader.ReadArrayHeader();
                if (count < 3 || reader.NextMessagePackType != MessagePackType.Integer || reader.ReadInt64() != RelayFrames.Invocation)
                {
                    return Refused(0, method, ProblemTypes.InvalidRequest, "a client sends invocations only: [1, id, method, args...]");
                }

                var rawId = reader.NextMessagePackType == MessagePackType.Integer ? reader.ReadInt64() : 0;
                if (rawId is < 1 or > int.MaxValue)
                {
                    return Refused(0, method, ProblemTypes.InvalidRequest, "an invocation id is an integer from 1 to 2147483647");
                }

                id = (int)rawId;
                var name = reader.NextMessagePackType == MessagePackType.String ? reader.ReadString() : null;
                method = name switch
                {
                    HubNames.Send or HubNames.SendBatch or HubNames.SendGroup or HubNames.Ack or HubNames.GetPresence => name,
                    _ => "(unknown)",
                };
                var arguments = count - 3;
                var call = method switch
                {
                    HubNames.Send or HubNames.SendGroup when arguments == 3 =>
                        new Call(id, method, null, Text: ReadString(ref reader), Number: reader.ReadInt32(), Bytes: ReadBytes(ref reader)),
                    HubNames.SendBatch when arguments == 1 =>
                        new Call(id, method, null, Batch: MessagePackSerializer.Deserialize<HubOutgoingEnvelope[]?>(ref reader, RelayWire.Options)),
                    HubNames.Ack when arguments == 1 => new Call(id, method, null, Ids: MessagePackSerializer.Deserialize<long[]?>(ref reader, RelayWire.Options)),
                    HubNames.GetPresence when arguments == 0 => new Call(id, method, null),
                    "(unknown)" => Refused(id, method, ProblemTypes.InvalidRequest, "unknown method"),
                    _ => Refused(id, method, ProblemTypes.InvalidRequest, $"{method} takes {Arity(method)} argument(s)"),
                };
                return call.Problem is null && !reader.End
                    ? Refused(id, method, ProblemTypes.InvalidRequest, "one MessagePack array per message, nothing after it")
                    : call;
            }
            // ArgumentOutOfRangeException: MessagePack's reader takes a str/bin/array 32-bit length of 2^31 or more
            // for a negative int and slices with it (found by fuzz/run.sh relay-frame).
            catch (Exception e) when (e is MessagePackSerializationException or EndOfStreamException or InvalidOperationException or OverflowException
                or ArgumentOutOfRangeException)
            {
                return Refused(id, method, ProblemTypes.InvalidRequest, "malformed frame or an argument of the wrong type");
            }
        }

        private static int Arity(string method) => method switch
        {
            HubNames.Send or HubNames.SendGroup => 3,
            HubNames.GetPresence => 0,
            _ => 1,
        };

        private static string? ReadString(ref MessagePackReader reader) => reader.TryReadNil() ? null : reader.ReadString();

        // bin only: MessagePackReader would also take a str as bytes (the old "raw" type).
        private static byte[]? ReadBytes(ref MessagePackReader reader) =>
            reader.TryReadNil() ? null
            : reader.NextMessagePackType == MessagePackType.Binary ? System.Buffers.BuffersExtensions.ToArray(reader.ReadBytes()!.Value)
            : throw new MessagePackSerializationException("content is bin");
    }
}
