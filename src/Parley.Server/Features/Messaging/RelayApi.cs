using Parley.Contracts;
using Parley.Contracts.Messaging;
using Parley.Server.Infrastructure.Http;
using Parley.Server.Infrastructure.Storage;
using Parley.Server.Infrastructure.Text;

namespace Parley.Server.Features.Messaging;

/// <summary>The REST side of the relay and of groups (docs/messaging-api.md), for clients without a hub connection.</summary>
internal sealed class RelayApi(RelayService relay, GroupService groups, IEnvelopeQueue store, IGroupStore groupStore, TimeProvider time, MessagingMetrics metrics,
    StoreMetrics storeMetrics)
{
    /// <summary>Most ids one <c>POST /api/messages/status</c> asks about.</summary>
    public const int MaxStatusBatch = 1000;

    private const int SmallBody = 64 * 1024;
    private const string MeAlias = "me";

    private long SendBodyLimit => Base64Url.EncodedLength(relay.Options.MaxEnvelopeBytes) + 1024;

    public async Task<IResult> SendAsync(HttpContext context)
    {
        var (request, problem) = await JsonBody.ReadAsync(context.Request, MessagingJsonContext.Default.SendMessageRequest, SendBodyLimit);
        if (problem is not null)
        {
            return problem;
        }

        var recipient = Usernames.Canonical(request!.To);
        if (recipient is null)
        {
            return MessagingProblems.Invalid("to", "must be a valid username");
        }

        var content = Base64Url.TryDecode(request.Content, relay.Options.MaxEnvelopeBytes);
        if (content is null)
        {
            return request.Content.Length > Base64Url.EncodedLength(relay.Options.MaxEnvelopeBytes)
                ? MessagingProblems.PayloadTooLarge(relay.Options.MaxEnvelopeBytes)
                : MessagingProblems.Invalid("content", "must be base64url without padding");
        }

        var me = context.User.Name();
        var status = relay.Check(me, request.Type, content.Length);
        StoredEnvelope? envelope = null;
        if (status == SendStatus.Queued)
        {
            (status, envelope) = await relay.SendAsync(me, recipient, request.Type, content, context.RequestAborted);
        }

        return status == SendStatus.Queued
            ? TypedResults.Json(new SendMessageResponse(envelope!.Id, envelope.ServerTimestamp), MessagingJsonContext.Default.SendMessageResponse,
                statusCode: StatusCodes.Status201Created)
            : Refused(status);
    }

    public static IResult Refused(SendStatus status) => status switch
    {
        SendStatus.InvalidType => MessagingProblems.Invalid("type", $"must lie between {EnvelopeTypes.MinClient} and {EnvelopeTypes.MaxClient}"),
        SendStatus.EmptyContent => MessagingProblems.Invalid("content", "must not be empty"),
        SendStatus.UnknownRecipient => MessagingProblems.UnknownRecipient(),
        SendStatus.QueueFull => MessagingProblems.QueueFull(),
        SendStatus.RateLimited => MessagingLimits.RateLimited("Too many envelopes; wait before sending more."),
        _ => MessagingProblems.PayloadTooLarge(0),
    };

    public async Task<IResult> ReadQueueAsync(HttpContext context)
    {
        var query = context.Request.Query;
        long after = 0;
        var limit = 100;
        if ((query["after"] is { Count: > 0 } a && (a.Count > 1 || !long.TryParse(a[0], System.Globalization.NumberStyles.None, null, out after)))
            || (query["limit"] is { Count: > 0 } l && (l.Count > 1 || !int.TryParse(l[0], System.Globalization.NumberStyles.None, null, out limit)
                || limit is < 1 or > 500)))
        {
            return MessagingProblems.Invalid("query", "after is a non-negative envelope id; limit lies between 1 and 500");
        }

        IReadOnlyList<StoredEnvelope> page;
        using (storeMetrics.Time(StoreOperations.EnvelopeRead))
        {
            page = await store.ReadQueueAsync(context.User.Name(), after, limit + 1, time.GetUtcNow(), context.RequestAborted);
        }

        var envelopes = page.Take(limit).Select(e => new EnvelopeResponse(e.Id, e.Sender, e.Type, RelayHub.GroupIdText(e.GroupId),
            e.ServerTimestamp, Base64Url.Encode(e.Content))).ToList();
        metrics.Delivered(envelopes.Count);
        return TypedResults.Json(new QueueResponse(envelopes, page.Count > limit), MessagingJsonContext.Default.QueueResponse);
    }

    public async Task<IResult> AckAsync(HttpContext context)
    {
        var (request, problem) = await JsonBody.ReadAsync(context.Request, MessagingJsonContext.Default.AckRequest, SmallBody);
        if (problem is not null)
        {
            return problem;
        }

        if (request!.Ids.Count is 0 or > RelayService.MaxAckBatch || request.Ids.Any(i => i <= 0))
        {
            return MessagingProblems.Invalid("ids", $"must hold 1 to {RelayService.MaxAckBatch} positive envelope ids");
        }

        var deleted = await relay.AckAsync(context.User.Name(), request.Ids, context.RequestAborted);
        return TypedResults.Json(new AckResponse(deleted), MessagingJsonContext.Default.AckResponse);
    }

    /// <summary><c>POST /api/messages/status</c>: which of these envelopes of mine still wait; nothing about anyone else's.</summary>
    public async Task<IResult> QueuedAsync(HttpContext context)
    {
        var (request, problem) = await JsonBody.ReadAsync(context.Request, MessagingJsonContext.Default.QueuedQueryRequest, SmallBody);
        if (problem is not null)
        {
            return problem;
        }

        if (request!.Ids.Count is 0 or > MaxStatusBatch || request.Ids.Any(i => i <= 0))
        {
            return MessagingProblems.Invalid("ids", $"must hold 1 to {MaxStatusBatch} positive envelope ids");
        }

        var queued = await store.QueuedOfAsync(context.User.Name(), request.Ids, time.GetUtcNow(), context.RequestAborted);
        return TypedResults.Json(new QueuedQueryResponse(queued), MessagingJsonContext.Default.QueuedQueryResponse);
    }

    public async Task<IResult> StatusAsync(string id, HttpContext context)
    {
        if (!long.TryParse(id, System.Globalization.NumberStyles.None, null, out var envelopeId) || envelopeId <= 0)
        {
            return MessagingProblems.Invalid("id", "must be a positive envelope id");
        }

        var queued = await store.QueuedOfAsync(context.User.Name(), [envelopeId], time.GetUtcNow(), context.RequestAborted);
        return TypedResults.Json(new MessageStatusResponse(envelopeId, queued.Count == 1 ? MessagingValues.StateQueued : MessagingValues.StateGone),
            MessagingJsonContext.Default.MessageStatusResponse);
    }

    // --- groups

    public async Task<IResult> CreateGroupAsync(HttpContext context)
    {
        var (request, problem) = await JsonBody.ReadAsync(context.Request, MessagingJsonContext.Default.CreateGroupRequest, SmallBody);
        if (problem is not null)
        {
            return problem;
        }

        if (VisibleText.Problem(request!.Name, GroupService.MaxNameLength) is { } why)
        {
            return MessagingProblems.Invalid("name", why);
        }

        var members = CanonicalList(request.Members, "members", out var invalid);
        if (invalid is not null)
        {
            return invalid;
        }

        var outcome = await groups.CreateAsync(context.User.Name(), request.Name, members!, context.RequestAborted);
        return outcome.Status == GroupStatus.Done
            ? TypedResults.Json(GroupService.ToContract(outcome.Group!), MessagingJsonContext.Default.GroupResponse, statusCode: StatusCodes.Status201Created)
            : GroupProblem(outcome);
    }

    public async Task<IResult> ListGroupsAsync(HttpContext context) =>
        TypedResults.Json(new GroupListResponse([.. (await groupStore.GroupsOfAsync(context.User.Name(), context.RequestAborted)).Select(GroupService.ToContract)]),
            MessagingJsonContext.Default.GroupListResponse);

    public async Task<IResult> GetGroupAsync(string id, HttpContext context)
    {
        var groupId = GroupService.ParseId(id);
        if (groupId is null)
        {
            return Problems.InvalidId();
        }

        var group = await groups.GetAsync(context.User.Name(), groupId, context.RequestAborted);
        return group is null ? MessagingProblems.NotGroupMember() : TypedResults.Json(GroupService.ToContract(group), MessagingJsonContext.Default.GroupResponse);
    }

    public async Task<IResult> InviteAsync(string id, HttpContext context)
    {
        var groupId = GroupService.ParseId(id);
        if (groupId is null)
        {
            return Problems.InvalidId();
        }

        var (request, problem) = await JsonBody.ReadAsync(context.Request, MessagingJsonContext.Default.AddMembersRequest, SmallBody);
        if (problem is not null)
        {
            return problem;
        }

        var members = CanonicalList(request!.Usernames, "usernames", out var invalid);
        if (invalid is not null)
        {
            return invalid;
        }

        if (members!.Count == 0)
        {
            return MessagingProblems.Invalid("usernames", "must name at least one user");
        }

        return Answer(await groups.InviteAsync(context.User.Name(), groupId, members, context.RequestAborted));
    }

    public async Task<IResult> AcceptAsync(string id, HttpContext context)
    {
        var groupId = GroupService.ParseId(id);
        return groupId is null ? Problems.InvalidId() : Answer(await groups.AcceptAsync(context.User.Name(), groupId, context.RequestAborted));
    }

    public async Task<IResult> RemoveMemberAsync(string id, string username, HttpContext context)
    {
        var groupId = GroupService.ParseId(id);
        if (groupId is null)
        {
            return Problems.InvalidId();
        }

        // "me" (never a username: too short, and reserved) names the caller, who leaves or declines.
        var subject = username == MeAlias ? context.User.Name() : Usernames.Canonical(username);
        if (subject is null)
        {
            return MessagingProblems.UsernameInvalid();
        }

        var outcome = await groups.RemoveAsync(context.User.Name(), groupId, subject, context.RequestAborted);
        return outcome.Status == GroupStatus.Done ? TypedResults.NoContent() : GroupProblem(outcome);
    }

    public async Task<IResult> PromoteAsync(string id, string username, HttpContext context)
    {
        var groupId = GroupService.ParseId(id);
        if (groupId is null)
        {
            return Problems.InvalidId();
        }

        var subject = Usernames.Canonical(username);
        if (subject is null)
        {
            return MessagingProblems.UsernameInvalid();
        }

        return Answer(await groups.PromoteAsync(context.User.Name(), groupId, subject, context.RequestAborted));
    }

    public async Task<IResult> SendGroupAsync(string id, HttpContext context)
    {
        var groupId = GroupService.ParseId(id);
        if (groupId is null)
        {
            return Problems.InvalidId();
        }

        var (request, problem) = await JsonBody.ReadAsync(context.Request, MessagingJsonContext.Default.SendGroupMessageRequest, SendBodyLimit);
        if (problem is not null)
        {
            return problem;
        }

        var content = Base64Url.TryDecode(request!.Content, relay.Options.MaxEnvelopeBytes);
        if (content is null)
        {
            return request.Content.Length > Base64Url.EncodedLength(relay.Options.MaxEnvelopeBytes)
                ? MessagingProblems.PayloadTooLarge(relay.Options.MaxEnvelopeBytes)
                : MessagingProblems.Invalid("content", "must be base64url without padding");
        }

        var status = relay.Validate(request.Type, content.Length);
        if (status != SendStatus.Queued)
        {
            return Refused(status);
        }

        var outcome = await groups.SendAsync(context.User.Name(), groupId, request.Type, content, context.RequestAborted);
        return outcome.Status == GroupStatus.Done
            ? TypedResults.Json(new SendGroupMessageResponse(outcome.At, outcome.Names!.Count, outcome.Names, outcome.Ids!),
                MessagingJsonContext.Default.SendGroupMessageResponse, statusCode: StatusCodes.Status201Created)
            : GroupProblem(outcome);
    }

    private IResult Answer(GroupOutcome outcome) =>
        outcome.Status is GroupStatus.Done or GroupStatus.NoChange
            ? TypedResults.Json(GroupService.ToContract(outcome.Group!), MessagingJsonContext.Default.GroupResponse)
            : GroupProblem(outcome);

    private IResult GroupProblem(GroupOutcome outcome) => outcome.Status switch
    {
        GroupStatus.NotAdmin => MessagingProblems.NotGroupAdmin(),
        GroupStatus.UnknownUser => MessagingProblems.Invalid("usernames", "not registered or not a member: " + string.Join(", ", outcome.Names ?? [])),
        GroupStatus.GroupFull => MessagingProblems.GroupFull(relay.Options.MaxGroupMembers),
        GroupStatus.QueueFull => MessagingProblems.QueueFull(outcome.Names),
        GroupStatus.RateLimited => MessagingLimits.RateLimited("A group send counts once per recipient; wait before sending more."),
        _ => MessagingProblems.NotGroupMember(),
    };

    /// <summary>Most usernames one request may list: above any group size the options allow (10,000), so only abuse is refused.</summary>
    private const int MaxListedNames = 10_000;

    private static List<string>? CanonicalList(IReadOnlyList<string>? names, string member, out IResult? problem)
    {
        problem = null;
        if (names is null || names.Count > MaxListedNames)
        {
            problem = MessagingProblems.Invalid(member, "must be a list of usernames");
            return null;
        }

        var result = new List<string>(names.Count);
        for (var i = 0; i < names.Count; i++)
        {
            var canonical = Usernames.Canonical(names[i]);
            if (canonical is null)
            {
                problem = MessagingProblems.Invalid($"{member}[{i}]", "is not a valid username");
                return null;
            }

            result.Add(canonical);
        }

        return result;
    }
}
