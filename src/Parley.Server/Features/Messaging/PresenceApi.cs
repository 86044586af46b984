using Parley.Contracts.Messaging;

namespace Parley.Server.Features.Messaging;

/// <summary>The REST side of presence (docs/messaging-api.md, "Presence"): who is online, and whom I let see me.</summary>
internal sealed class PresenceApi(PresenceService presence, IMessagingStore store)
{
    /// <summary><c>GET /api/presence</c>: the users I may see that are online.</summary>
    public async Task<IResult> OnlineAsync(HttpContext context) =>
        TypedResults.Json(new PresenceResponse(await presence.VisibleOnlineAsync(context.User.Name(), context.RequestAborted)),
            MessagingJsonContext.Default.PresenceResponse);

    /// <summary><c>GET /api/presence/allowed</c>: the users who may see my presence.</summary>
    public async Task<IResult> AllowedAsync(HttpContext context) =>
        TypedResults.Json(new PresenceAllowedResponse(await presence.AllowedAsync(context.User.Name(), context.RequestAborted)),
            MessagingJsonContext.Default.PresenceAllowedResponse);

    /// <summary><c>PUT /api/presence/allowed/{username}</c>: let this user see my presence.</summary>
    public async Task<IResult> AllowAsync(string username, HttpContext context)
    {
        var (viewer, problem) = await ViewerAsync(username, context);
        if (problem is not null)
        {
            return problem;
        }

        await presence.AllowAsync(context.User.Name(), viewer!, context.RequestAborted);
        return TypedResults.NoContent();
    }

    /// <summary><c>DELETE /api/presence/allowed/{username}</c>: this user stops seeing my presence, at once.</summary>
    public async Task<IResult> WithdrawAsync(string username, HttpContext context)
    {
        var (viewer, problem) = await ViewerAsync(username, context);
        if (problem is not null)
        {
            return problem;
        }

        await presence.WithdrawAsync(context.User.Name(), viewer!, context.RequestAborted);
        return TypedResults.NoContent();
    }

    /// <summary>The route's username as a viewer: valid, not the caller, an account.</summary>
    private async Task<(string? Viewer, IResult? Problem)> ViewerAsync(string username, HttpContext context)
    {
        var viewer = Usernames.Canonical(username);
        if (viewer is null)
        {
            return (null, MessagingProblems.UsernameInvalid());
        }

        if (viewer == context.User.Name())
        {
            return (null, MessagingProblems.Invalid("username", "is your own; you always see yourself"));
        }

        return await store.FindAccountAsync(viewer, context.RequestAborted) is null
            ? (null, MessagingProblems.NotFound("account"))
            : (viewer, null);
    }
}
