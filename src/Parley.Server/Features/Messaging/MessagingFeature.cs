using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Parley.Contracts.Messaging;
using Parley.Server.Features.Messaging.Storage;
using Parley.Server.Infrastructure.Http;
using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Features.Messaging;

/// <summary>
/// End-to-end messaging: accounts bound to identity keys, challenge-response login, the prekey
/// directory, the relay (hub and REST) with durable queues, presence and groups (docs/messaging-api.md).
/// </summary>
public static class MessagingFeature
{
    public const string Policy = "parley-account";
    public const string RegisterLimit = "msg-register";
    public const string LoginLimit = "msg-login";
    public const string AccountLimit = "msg-account";

    public static IServiceCollection AddMessaging(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MessagingOptions>().BindConfiguration(MessagingOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MessagingOptions>, MessagingOptionsValidator>();
        services.AddSchema(MessagingSchema.Schema);
        // One object per provider implements every messaging store (they share its database); each interface resolves to it.
        services.AddProviderStore<IAccountStore, SqliteMessagingStore, PostgresMessagingStore, MemoryMessagingStore>();
        services.AddProviderStore<IPreKeyStore, SqliteMessagingStore, PostgresMessagingStore, MemoryMessagingStore>();
        services.AddProviderStore<IEnvelopeQueue, SqliteMessagingStore, PostgresMessagingStore, MemoryMessagingStore>();
        services.AddProviderStore<IPresenceStore, SqliteMessagingStore, PostgresMessagingStore, MemoryMessagingStore>();
        services.AddProviderStore<IGroupStore, SqliteMessagingStore, PostgresMessagingStore, MemoryMessagingStore>();
        services.AddSingleton<MessagingMetrics>();
        services.AddSingleton<MessagingLimits>();
        services.AddSingleton<RelayConnections>();
        services.AddSingleton<RelayWakeBus>();
        services.AddHostedService(sp => sp.GetRequiredService<RelayWakeBus>());
        services.AddSingleton<Health.IReadinessCheck, RedisReadiness>();
        services.AddSingleton<RelayEvents>();
        services.AddSingleton<PresenceService>();
        services.AddSingleton<RelayService>();
        services.AddSingleton<GroupService>();
        services.AddSingleton<MessagingServerName>();
        services.AddHostedService(sp => sp.GetRequiredService<MessagingServerName>());
        services.AddSingleton<AccountsApi>();
        services.AddSingleton<RelayApi>();
        services.AddSingleton<PresenceApi>();
        services.AddSingleton<MessagingSweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<MessagingSweeper>());

        // One registered scheme would become the default and run on every request, the secret routes'
        // own bearer tokens included; the messaging policy names its scheme instead.
        AppContext.SetSwitch("Microsoft.AspNetCore.Authentication.SuppressAutoDefaultScheme", true);
        services.AddAuthentication()
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, MessagingAuthenticationHandler>(
                MessagingAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder().AddPolicy(Policy, p => p
            .AddAuthenticationSchemes(MessagingAuthenticationHandler.SchemeName)
            .RequireAuthenticatedUser());

        services.AddSingleton<HubCallLogging>();
        // Hosting's request lines are Information, hidden by the default level; enabled at any level it gives every
        // request an Activity and a log scope, which a relay socket keeps for its whole life (docs/benchmarks.md).
        services.AddLogging(l => l.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None));
        services.AddSingleton<BearerTokenCheck>();
        services.AddSingleton<RelayHub>();
        services.AddHostedService<RelayKeepAlive>();

        services.Configure<RateLimiterOptions>(o =>
        {
            o.AddPolicy(RegisterLimit, c => ByAddress(c, m => m.RegistrationsPerHour, TimeSpan.FromHours(1)));
            o.AddPolicy(LoginLimit, c => ByAddress(c, m => m.LoginsPerMinute, TimeSpan.FromMinutes(1)));
            o.AddPolicy(AccountLimit, c => ByAccount(c, m => m.RequestsPerMinute, TimeSpan.FromMinutes(1)));
        });
        return services;
    }

    public static RouteGroupBuilder MapMessagingEndpoints(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api").WithTags("Messaging").AnswerHeadLikeGet();
        api.MapGet("/messaging/config", (AccountsApi a) => a.Config()).WithName("GetMessagingConfig").Produces<MessagingConfigResponse>();

        api.MapPost("/accounts", (HttpContext c, AccountsApi a) => a.RegisterAsync(c)).WithName("Register")
            .RequireRateLimiting(RegisterLimit).Accepts<RegisterRequest>("application/json").Produces<AccountResponse>(201)
            .ProducesProblem(400).ProducesProblem(403).ProducesProblem(409).ProducesProblem(413).ProducesProblem(415).ProducesProblem(421)
            .ProducesProblem(429).ProducesProblem(503);
        api.MapPost("/auth/challenge", (HttpContext c, AccountsApi a) => a.ChallengeAsync(c)).WithName("GetChallenge")
            .RequireRateLimiting(LoginLimit).Accepts<ChallengeRequest>("application/json").Produces<ChallengeResponse>()
            .ProducesProblem(400).ProducesProblem(415).ProducesProblem(421).ProducesProblem(429).ProducesProblem(503);
        api.MapPost("/auth/login", (HttpContext c, AccountsApi a) => a.LoginAsync(c)).WithName("Login")
            .RequireRateLimiting(LoginLimit).Accepts<LoginRequest>("application/json").Produces<LoginResponse>()
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(415).ProducesProblem(429).ProducesProblem(503);

        var authed = api.MapGroup("").RequireAuthorization(Policy).RequireRateLimiting(AccountLimit).ProducesProblem(401).ProducesProblem(429);
        authed.MapPost("/auth/logout", (HttpContext c, AccountsApi a) => a.LogoutAsync(c)).WithName("Logout").Produces(204);
        authed.MapGet("/accounts/{username}", (string username, HttpContext c, AccountsApi a) => a.GetAccountAsync(username, c))
            .WithName("GetAccount").Produces<AccountResponse>().ProducesProblem(404);
        authed.MapDelete("/accounts/me", (HttpContext c, AccountsApi a) => a.DeleteAccountAsync(c)).WithName("DeleteAccount").Produces(204);
        authed.MapGet("/keys", (HttpContext c, AccountsApi a) => a.CountPreKeysAsync(c)).WithName("CountPreKeys").Produces<PreKeyCountResponse>();
        authed.MapPut("/keys", (HttpContext c, AccountsApi a) => a.UploadPreKeysAsync(c)).WithName("UploadPreKeys")
            .Accepts<UploadPreKeysRequest>("application/json").Produces(204).ProducesProblem(400).ProducesProblem(409).ProducesProblem(413);
        authed.MapGet("/keys/{username}", (string username, HttpContext c, AccountsApi a, MessagingLimits l) => a.GetBundleAsync(username, c, l))
            .WithName("GetPreKeyBundle").GetOnly().Produces<PreKeyBundleResponse>().ProducesProblem(400).ProducesProblem(404);

        authed.MapPost("/messages", (HttpContext c, RelayApi r) => r.SendAsync(c)).WithName("SendMessage")
            .Accepts<SendMessageRequest>("application/json").Produces<SendMessageResponse>(201)
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(409).ProducesProblem(413).ProducesProblem(415);
        authed.MapGet("/messages", (HttpContext c, RelayApi r) => r.ReadQueueAsync(c)).WithName("ReadQueue").Produces<QueueResponse>().ProducesProblem(400);
        authed.MapPost("/messages/ack", (HttpContext c, RelayApi r) => r.AckAsync(c)).WithName("AckMessages")
            .Accepts<AckRequest>("application/json").Produces<AckResponse>().ProducesProblem(400);
        authed.MapGet("/messages/{id}", (string id, HttpContext c, RelayApi r) => r.StatusAsync(id, c)).WithName("MessageStatus")
            .Produces<MessageStatusResponse>().ProducesProblem(400);
        authed.MapPost("/messages/status", (HttpContext c, RelayApi r) => r.QueuedAsync(c)).WithName("QueryQueuedMessages")
            .Accepts<QueuedQueryRequest>("application/json").Produces<QueuedQueryResponse>().ProducesProblem(400).ProducesProblem(413).ProducesProblem(415);

        authed.MapGet("/presence", (HttpContext c, PresenceApi p) => p.OnlineAsync(c)).WithName("GetPresence").Produces<PresenceResponse>();
        authed.MapGet("/presence/allowed", (HttpContext c, PresenceApi p) => p.AllowedAsync(c)).WithName("ListPresenceAllowed")
            .Produces<PresenceAllowedResponse>();
        authed.MapPut("/presence/allowed/{username}", (string username, HttpContext c, PresenceApi p) => p.AllowAsync(username, c))
            .WithName("AllowPresence").Produces(204).ProducesProblem(400).ProducesProblem(404);
        authed.MapDelete("/presence/allowed/{username}", (string username, HttpContext c, PresenceApi p) => p.WithdrawAsync(username, c))
            .WithName("WithdrawPresence").Produces(204).ProducesProblem(400).ProducesProblem(404);

        var groups = authed.MapGroup("/groups");
        groups.MapPost("/", (HttpContext c, RelayApi r) => r.CreateGroupAsync(c)).WithName("CreateGroup")
            .Accepts<CreateGroupRequest>("application/json").Produces<GroupResponse>(201).ProducesProblem(400).ProducesProblem(409);
        groups.MapGet("/", (HttpContext c, RelayApi r) => r.ListGroupsAsync(c)).WithName("ListGroups").Produces<GroupListResponse>();
        groups.MapGet("/{id}", (string id, HttpContext c, RelayApi r) => r.GetGroupAsync(id, c)).WithName("GetGroup")
            .Produces<GroupResponse>().ProducesProblem(400).ProducesProblem(404);
        groups.MapPost("/{id}/members", (string id, HttpContext c, RelayApi r) => r.InviteAsync(id, c)).WithName("InviteGroupMembers")
            .Accepts<AddMembersRequest>("application/json").Produces<GroupResponse>().ProducesProblem(400).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        groups.MapPost("/{id}/accept", (string id, HttpContext c, RelayApi r) => r.AcceptAsync(id, c)).WithName("AcceptGroupInvitation")
            .Produces<GroupResponse>().ProducesProblem(400).ProducesProblem(404);
        groups.MapDelete("/{id}/members/{username}", (string id, string username, HttpContext c, RelayApi r) => r.RemoveMemberAsync(id, username, c))
            .WithName("RemoveGroupMember").Produces(204).ProducesProblem(400).ProducesProblem(403).ProducesProblem(404);
        groups.MapPost("/{id}/admins/{username}", (string id, string username, HttpContext c, RelayApi r) => r.PromoteAsync(id, username, c))
            .WithName("PromoteGroupMember").Produces<GroupResponse>().ProducesProblem(400).ProducesProblem(403).ProducesProblem(404);
        groups.MapPost("/{id}/messages", (string id, HttpContext c, RelayApi r) => r.SendGroupAsync(id, c)).WithName("SendGroupMessage")
            .Accepts<SendGroupMessageRequest>("application/json").Produces<SendGroupMessageResponse>(201)
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(409).ProducesProblem(413).ProducesProblem(429);

        return api;
    }

    /// <summary>
    /// The relay socket (docs/messaging-api.md, "Relay socket"): a branch of its own ahead of the API's
    /// middleware. Every middleware a request passes keeps its frame (and state: the principal, the
    /// authorization result, the request's service scope) for as long as the request lasts, and a socket's
    /// request lasts as long as the socket: the branch checks the token itself (<see cref="RelayHub"/>), so
    /// an idle socket holds only what Kestrel and the socket need (docs/benchmarks.md). Sockets close when
    /// the server stops.
    /// </summary>
    public static WebApplication UseRelaySocket(this WebApplication app)
    {
        var hub = app.Services.GetRequiredService<RelayHub>();
        var connections = app.Services.GetRequiredService<RelayConnections>();
        app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(connections.AbortAll);
        app.Services.GetRequiredService<MessagingMetrics>().ObserveRelay(() => connections.ConnectionCount, () => connections.OnlineUserCount);
        app.MapWhen(IsRelaySocket, socket =>
        {
            socket.Run(hub.HandleAsync);
        });
        return app;
    }

    /// <summary>The path as routing would match it: any case, with or without a trailing slash.</summary>
    private static bool IsRelaySocket(HttpContext context) =>
        context.Request.Path.StartsWithSegments(MessagingValues.HubPath, StringComparison.OrdinalIgnoreCase, out var rest)
        && (!rest.HasValue || rest.Value == "/");

    private static RateLimitPartition<string> ByAddress(HttpContext context, Func<MessagingOptions, int> permits, TimeSpan window)
    {
        var limit = permits(context.RequestServices.GetRequiredService<IOptions<MessagingOptions>>().Value);
        if (limit == 0)
        {
            return RateLimitPartition.GetNoLimiter(string.Empty);
        }

        var time = context.RequestServices.GetRequiredService<TimeProvider>();
        var key = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        return RateLimitPartition.Get(key, _ => new Infrastructure.RateLimiting.ClockedFixedWindowLimiter(limit, window, time));
    }

    private static RateLimitPartition<string> ByAccount(HttpContext context, Func<MessagingOptions, int> permits, TimeSpan window)
    {
        var limit = permits(context.RequestServices.GetRequiredService<IOptions<MessagingOptions>>().Value);
        if (limit == 0 || context.User.Identity?.IsAuthenticated != true)
        {
            return RateLimitPartition.GetNoLimiter(string.Empty);
        }

        var time = context.RequestServices.GetRequiredService<TimeProvider>();
        return RateLimitPartition.Get("user:" + context.User.Name(), _ => new Infrastructure.RateLimiting.ClockedFixedWindowLimiter(limit, window, time));
    }
}
