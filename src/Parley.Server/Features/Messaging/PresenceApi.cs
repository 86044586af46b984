using Parley.Contracts.Messaging;

namespace Parley.Server.Features.Messaging;

/// <summary>The REST side of presence (docs/messaging-api.md, "Presence"): who is online, and whom I let see me.</summary>
internal sealed class PresenceApi(PresenceService presence, IAccountStore store)
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
    public Task<IResult> AllowAsync(string username, HttpContext context) => ChangeAsync(username, context, presence.AllowAsync);

    /// <summary><c>DELETE /api/presence/allowed/{username}</c>: this user stops seeing my presence, at once.</summary>
    public Task<IResult> WithdrawAsync(string username, HttpContext context) => ChangeAsync(username, context, presence.WithdrawAsync);

    /// <summary>Checks the route's username (valid, not the caller's own, an account), then applies the change to it.</summary>
    private async Task<IResult> ChangeAsync(string username, HttpContext context, Func<string, string, CancellationToken, Task> change)
    {
        var viewer = Usernames.Canonical(username);
        if (viewer is null)
        {
            return MessagingProblems.UsernameInvalid();
        }

        var me = context.User.Name();
        if (viewer == me)
        {
            return MessagingProblems.Invalid("username", "is your own; you always see yourself");
        }

        if (await store.FindAccountAsync(viewer, context.RequestAborted) is null)
        {
            return MessagingProblems.NotFound("account");
        }

        await change(me, viewer, context.RequestAborted);
        return TypedResults.NoContent();
    }
}
