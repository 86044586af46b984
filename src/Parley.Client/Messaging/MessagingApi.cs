using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Parley.Contracts.Messaging;
using Parley.Crypto;

namespace Parley.Client.Messaging;

/// <summary>
/// Typed client for the messaging REST API (docs/messaging-api.md): accounts, login, prekeys, REST
/// sending and queue reads, groups and presence. After <see cref="LoginAsync(string, Curve25519PrivateKey, CancellationToken)"/>
/// every call carries the bearer token. Failures are <see cref="MessagingApiException"/>s.
/// </summary>
public sealed partial class MessagingApi : IDisposable
{
    private const int MaxProblemBytes = 64 * 1024;

    /// <summary>How long a call may take; blob transfers have no limit but fail when they stall.</summary>
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(60);
    private readonly HttpClient _http;

    public MessagingApi(Uri server, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        Server = new Uri(server.GetLeftPart(UriPartial.Authority) + "/");
        _http = new HttpClient(handler ?? Network.ClientHandlers.Create())
        {
            BaseAddress = Server,
            Timeout = Timeout.InfiniteTimeSpan, // each call sets its own (CallTimeout, or none for a blob transfer)
        };
    }

    public Uri Server { get; }

    /// <summary>The bearer token sent with every call (set by login).</summary>
    public string? Token { get; set; }

    public string ServerName => MessagingSignatures.ServerNameOf(Server);

    public Task<MessagingConfigResponse> GetConfigAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, "api/messaging/config", null, MessagingJsonContext.Default.MessagingConfigResponse, cancellationToken);

    public Task<AccountResponse> RegisterAsync(RegisterRequest request, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, "api/accounts", Json(request, MessagingJsonContext.Default.RegisterRequest),
            MessagingJsonContext.Default.AccountResponse, cancellationToken);

    public Task<AccountResponse> GetAccountAsync(string username, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, "api/accounts/" + Uri.EscapeDataString(username), null, MessagingJsonContext.Default.AccountResponse, cancellationToken);

    public Task DeleteAccountAsync(CancellationToken cancellationToken = default) =>
        SendAsync<object>(HttpMethod.Delete, "api/accounts/me", null, null, cancellationToken);

    public Task<ChallengeResponse> ChallengeAsync(string username, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, "api/auth/challenge", Json(new ChallengeRequest(username), MessagingJsonContext.Default.ChallengeRequest),
            MessagingJsonContext.Default.ChallengeResponse, cancellationToken);

    public Task<LoginResponse> LoginAsync(LoginRequest request, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, "api/auth/login", Json(request, MessagingJsonContext.Default.LoginRequest),
            MessagingJsonContext.Default.LoginResponse, cancellationToken);

    /// <summary>Challenge, sign with the identity key, log in; keeps the token for later calls.</summary>
    public async Task<LoginResponse> LoginAsync(string username, Curve25519PrivateKey identity, CancellationToken cancellationToken = default)
    {
        var challenge = await ChallengeAsync(username, cancellationToken).ConfigureAwait(false);
        var nonce = System.Buffers.Text.Base64Url.DecodeFromChars(challenge.Nonce);
        // Sign for the server we believe we talk to, whatever name the challenge claims.
        var signature = MessagingSignatures.SignLogin(identity, ServerName, username, nonce);
        var login = await LoginAsync(new LoginRequest(username, challenge.Nonce, AccountKeys.B64u(signature)), cancellationToken).ConfigureAwait(false);
        Token = login.Token;
        return login;
    }

    public Task LogoutAsync(CancellationToken cancellationToken = default) =>
        SendAsync<object>(HttpMethod.Post, "api/auth/logout", null, null, cancellationToken);

    public Task<PreKeyBundleResponse> GetBundleAsync(string username, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, "api/keys/" + Uri.EscapeDataString(username), null, MessagingJsonContext.Default.PreKeyBundleResponse, cancellationToken);

    public Task UploadPreKeysAsync(UploadPreKeysRequest request, CancellationToken cancellationToken = default) =>
        SendAsync<object>(HttpMethod.Put, "api/keys", Json(request, MessagingJsonContext.Default.UploadPreKeysRequest), null, cancellationToken);

    public Task<PreKeyCountResponse> CountPreKeysAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, "api/keys", null, MessagingJsonContext.Default.PreKeyCountResponse, cancellationToken);

    public Task<SendMessageResponse> SendAsync(string to, int type, ReadOnlySpan<byte> content, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, "api/messages", Json(new SendMessageRequest(to, type, AccountKeys.B64u(content)), MessagingJsonContext.Default.SendMessageRequest),
            MessagingJsonContext.Default.SendMessageResponse, cancellationToken);

    public Task<QueueResponse> ReadQueueAsync(long after = 0, int limit = 100, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, $"api/messages?after={after}&limit={limit}", null, MessagingJsonContext.Default.QueueResponse, cancellationToken);

    public Task<AckResponse> AckAsync(IReadOnlyList<long> ids, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, "api/messages/ack", Json(new AckRequest(ids), MessagingJsonContext.Default.AckRequest),
            MessagingJsonContext.Default.AckResponse, cancellationToken);

    public Task<MessageStatusResponse> GetStatusAsync(long id, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, $"api/messages/{id}", null, MessagingJsonContext.Default.MessageStatusResponse, cancellationToken);

    /// <summary>
    /// Which of these envelopes I sent still wait in their recipient's queue (1 to 1000 positive ids). An id
    /// left out was acknowledged or expired — or is not mine, or unknown: the server tells nothing about those.
    /// </summary>
    public Task<QueuedQueryResponse> QueryQueuedAsync(IReadOnlyList<long> ids, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, "api/messages/status", Json(new QueuedQueryRequest(ids), MessagingJsonContext.Default.QueuedQueryRequest),
            MessagingJsonContext.Default.QueuedQueryResponse, cancellationToken);

    public Task<PresenceResponse> GetPresenceAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, "api/presence", null, MessagingJsonContext.Default.PresenceResponse, cancellationToken);

    /// <summary>Lets <paramref name="username"/> see when I am online (under the server's <c>contacts</c> presence rule).</summary>
    public Task AllowPresenceAsync(string username, CancellationToken cancellationToken = default) =>
        SendAsync<object>(HttpMethod.Put, "api/presence/allowed/" + Uri.EscapeDataString(username), null, null, cancellationToken);

    /// <summary>
    /// <paramref name="username"/> stops seeing when I am online, at once — also if it could because I sent it
    /// messages, and it stays so until <see cref="AllowPresenceAsync"/>.
    /// </summary>
    public Task DisallowPresenceAsync(string username, CancellationToken cancellationToken = default) =>
        SendAsync<object>(HttpMethod.Delete, "api/presence/allowed/" + Uri.EscapeDataString(username), null, null, cancellationToken);

    /// <summary>The users who may see when I am online.</summary>
    public Task<PresenceAllowedResponse> ListPresenceAllowedAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, "api/presence/allowed", null, MessagingJsonContext.Default.PresenceAllowedResponse, cancellationToken);

    public Task<GroupResponse> CreateGroupAsync(string name, IReadOnlyList<string> members, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, "api/groups", Json(new CreateGroupRequest(name, members), MessagingJsonContext.Default.CreateGroupRequest),
            MessagingJsonContext.Default.GroupResponse, cancellationToken);

    public Task<GroupListResponse> ListGroupsAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, "api/groups", null, MessagingJsonContext.Default.GroupListResponse, cancellationToken);

    public Task<GroupResponse> GetGroupAsync(string groupId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, "api/groups/" + groupId, null, MessagingJsonContext.Default.GroupResponse, cancellationToken);

    /// <summary>An admin invites users; each becomes a member when it accepts (<see cref="AcceptGroupInvitationAsync"/>).</summary>
    public Task<GroupResponse> AddMembersAsync(string groupId, IReadOnlyList<string> usernames, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, $"api/groups/{groupId}/members", Json(new AddMembersRequest(usernames), MessagingJsonContext.Default.AddMembersRequest),
            MessagingJsonContext.Default.GroupResponse, cancellationToken);

    /// <summary>An invitee accepts the group's invitation and becomes a member.</summary>
    public Task<GroupResponse> AcceptGroupInvitationAsync(string groupId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, $"api/groups/{groupId}/accept", null, MessagingJsonContext.Default.GroupResponse, cancellationToken);

    /// <summary>
    /// An admin removes a member or revokes an invitation; with its own name (or <c>"me"</c>), a member leaves
    /// and an invitee declines.
    /// </summary>
    public Task RemoveMemberAsync(string groupId, string username, CancellationToken cancellationToken = default) =>
        SendAsync<object>(HttpMethod.Delete, $"api/groups/{groupId}/members/{Uri.EscapeDataString(username)}", null, null, cancellationToken);

    public Task<GroupResponse> PromoteAsync(string groupId, string username, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, $"api/groups/{groupId}/admins/{Uri.EscapeDataString(username)}", null, MessagingJsonContext.Default.GroupResponse, cancellationToken);

    public Task<SendGroupMessageResponse> SendGroupAsync(string groupId, int type, ReadOnlySpan<byte> content, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, $"api/groups/{groupId}/messages",
            Json(new SendGroupMessageRequest(type, AccountKeys.B64u(content)), MessagingJsonContext.Default.SendGroupMessageRequest),
            MessagingJsonContext.Default.SendGroupMessageResponse, cancellationToken);

    private static JsonContent Json<T>(T value, JsonTypeInfo<T> typeInfo) => JsonContent.Create(value, typeInfo);

    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? content, JsonTypeInfo<T>? result, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        using var response = await SendRequestAsync(request, HttpCompletionOption.ResponseContentRead, CallTimeout, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw await ProblemAsync(response, cancellationToken).ConfigureAwait(false);
        }

        if (result is null)
        {
            return default!;
        }

        return await response.Content.ReadFromJsonAsync(result, cancellationToken).ConfigureAwait(false)
            ?? throw new MessagingApiException((int)response.StatusCode, "urn:parley:client:unexpected-response", "empty body");
    }

    /// <summary>Sends with the bearer token; a transport failure or a call that outlasts <paramref name="timeout"/> is a network failure.</summary>
    private async Task<HttpResponseMessage> SendRequestAsync(HttpRequestMessage request, HttpCompletionOption completion, TimeSpan? timeout,
        CancellationToken cancellationToken)
    {
        if (Token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout is { } t)
        {
            cts.CancelAfter(t);
        }

        try
        {
            return await _http.SendAsync(request, completion, cts.Token).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new MessagingApiException("The server could not be reached.", e);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new MessagingApiException("The server did not answer in time.", e);
        }
    }

    private static async Task<MessagingApiException> ProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        try
        {
            var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            if (bytes.Length <= MaxProblemBytes)
            {
                using var doc = JsonDocument.Parse(bytes);
                var type = doc.RootElement.TryGetProperty("type", out var t) ? t.GetString() : null;
                var detail = doc.RootElement.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
                if (type is not null)
                {
                    return new MessagingApiException(status, type, detail);
                }
            }
        }
        catch (JsonException)
        {
        }

        return new MessagingApiException(status, "urn:parley:client:unexpected-response", response.ReasonPhrase);
    }

    public void Dispose() => _http.Dispose();
}
