using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MessagePack;
using Parley.Client.Messaging;
using Parley.Contracts;
using Parley.Contracts.Messaging;
using Parley.Messaging.Tests.Support;
using Parley.Server.Features.Messaging;

namespace Parley.Messaging.Tests;

/// <summary>
/// A table of malformed REST and hub inputs. Each gets a clear error (problem type, or hub error type);
/// afterwards the store is exactly as before and the hub connection still answers (or was closed
/// cleanly, for a frame over the size limit).
/// </summary>
public sealed class MalformedInputTests(SqliteMessaging provider) : IClassFixture<SqliteMessaging>
{
    /// <summary><see cref="GroupId"/>: Alice's group; <see cref="InvitedGroupId"/>: Alice's group that Bob is invited to.</summary>
    internal sealed record Ctx(HttpClient Http, TestUser Alice, TestUser Bob, RegisterRequest Good, string GroupId, string InvitedGroupId);

    internal sealed record RestCase(string Name, HttpStatusCode Status, string Type, Func<Ctx, HttpRequestMessage> Build);

    private static HttpRequestMessage Json(HttpMethod method, string path, string body, string? token, string contentType = "application/json")
    {
        var r = new HttpRequestMessage(method, path) { Content = new StringContent(body, Encoding.UTF8) };
        r.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        r.Headers.ExpectContinue = true; // an early 413 must not race the upload of the body
        if (token is not null)
        {
            r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return r;
    }

    private static HttpRequestMessage Get(string path, string? token) => Bare(HttpMethod.Get, path, token);

    private static HttpRequestMessage Bare(HttpMethod method, string path, string? token)
    {
        var r = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return r;
    }

    private static string Register(Ctx c, Action<JsonObject> change)
    {
        var node = JsonSerializer.SerializeToNode(c.Good, MessagingJsonContext.Default.RegisterRequest)!.AsObject();
        change(node);
        return node.ToJsonString();
    }

    private static HttpRequestMessage Reg(Ctx c, Action<JsonObject> change) => Json(HttpMethod.Post, "api/accounts", Register(c, change), null);

    private static string B64(int length, byte first = 0x05) => AccountKeys.B64u([first, .. new byte[length - 1]]);


    internal static readonly RestCase[] RestCases =
    [
        new("register: not JSON", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, c => Json(HttpMethod.Post, "api/accounts", "{\"username\":", null)),
        new("register: empty body", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, c => Json(HttpMethod.Post, "api/accounts", "", null)),
        new("register: JSON array", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, c => Json(HttpMethod.Post, "api/accounts", "[]", null)),
        new("register: text/plain", HttpStatusCode.UnsupportedMediaType, ProblemTypes.UnsupportedMediaType, c => Json(HttpMethod.Post, "api/accounts", Register(c, _ => { }), null, "text/plain")),
        new("register: unknown member", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, c => Reg(c, n => n["admin"] = true)),
        new("register: a member twice (the last would win)", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            c => Json(HttpMethod.Post, "api/accounts", Register(c, _ => { }).Replace("\"registrationId\":", "\"registrationId\":7,\"registrationId\":", StringComparison.Ordinal), null)),
        new("register: member names in another case", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            c => Json(HttpMethod.Post, "api/accounts", Register(c, _ => { }).Replace("\"username\"", "\"Username\"", StringComparison.Ordinal)
                .Replace("\"identityKey\"", "\"IDENTITYKEY\"", StringComparison.Ordinal), null)),
        new("register: a nested member twice", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            c => Json(HttpMethod.Post, "api/accounts", Register(c, _ => { }).Replace("\"signedPreKey\":{\"id\":", "\"signedPreKey\":{\"id\":9,\"id\":", StringComparison.Ordinal), null)),
        new("register: identity key missing", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, c => Reg(c, n => n.Remove("identityKey"))),
        new("register: identity key with type byte 0x06", HttpStatusCode.BadRequest, MessagingProblemTypes.InvalidKey, c => Reg(c, n => n["identityKey"] = B64(33, 0x06))),
        new("register: identity key of 32 bytes", HttpStatusCode.BadRequest, MessagingProblemTypes.InvalidKey, c => Reg(c, n => n["identityKey"] = B64(32))),
        new("register: identity key of 34 bytes", HttpStatusCode.BadRequest, MessagingProblemTypes.InvalidKey, c => Reg(c, n => n["identityKey"] = B64(34))),
        new("register: identity key not base64url", HttpStatusCode.BadRequest, MessagingProblemTypes.InvalidKey, c => Reg(c, n => n["identityKey"] = "BQ+/" + new string('A', 40))),
        new("register: Kyber key one byte short", HttpStatusCode.BadRequest, MessagingProblemTypes.InvalidKey, c => Reg(c, n => n["kyberLastResortPreKey"]!["publicKey"] = B64(1568, 0x08))),
        new("register: signature of 63 bytes", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, c => Reg(c, n => n["signedPreKey"]!["signature"] = B64(63))),
        new("register: registration id 0", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, c => Reg(c, n => n["registrationId"] = 0)),
        new("register: registration id negative", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, c => Reg(c, n => n["registrationId"] = -1)),
        new("register: registration id as string", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, c => Reg(c, n => n["registrationId"] = "7")),
        new("register: 101 one-time prekeys", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            c => Reg(c, n => n["preKeys"] = new JsonArray([.. Enumerable.Range(1, 101).Select(i => (JsonNode)new JsonObject { ["id"] = i, ["publicKey"] = B64(33) })]))),
        new("register: repeated one-time prekey ids", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            c => Reg(c, n => n["preKeys"] = new JsonArray(new JsonObject { ["id"] = 5, ["publicKey"] = B64(33) }, new JsonObject { ["id"] = 5, ["publicKey"] = B64(33) }))),
        new("register: invite code in open mode", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, c => Reg(c, n => n["inviteCode"] = "whatever-code")),
        new("register: body over the limit", HttpStatusCode.RequestEntityTooLarge, ProblemTypes.PayloadTooLarge, c => Reg(c, n => n["proof"] = new string('A', 400_000))),
        new("challenge: username null", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, c => Json(HttpMethod.Post, "api/auth/challenge", "{\"username\":null}", null)),
        new("challenge: username with a space", HttpStatusCode.BadRequest, MessagingProblemTypes.UsernameInvalid, c => Json(HttpMethod.Post, "api/auth/challenge", "{\"username\":\"a b c\"}", null)),
        new("challenge: username twice", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            c => Json(HttpMethod.Post, "api/auth/challenge", $"{{\"username\":\"{c.Bob.Name}\",\"username\":\"{c.Alice.Name}\"}}", null)),
        new("challenge: username in PascalCase", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            c => Json(HttpMethod.Post, "api/auth/challenge", $"{{\"Username\":\"{c.Alice.Name}\"}}", null)),
        new("send: content twice", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            c => Json(HttpMethod.Post, "api/messages", $"{{\"to\":\"{c.Bob.Name}\",\"type\":2,\"content\":\"AQ\",\"content\":\"Ag\"}}", c.Alice.Token)),
        new("send: member names in another case", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            c => Json(HttpMethod.Post, "api/messages", $"{{\"To\":\"{c.Bob.Name}\",\"TYPE\":2,\"content\":\"AQ\"}}", c.Alice.Token)),
        new("login: nonce not base64url", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            c => Json(HttpMethod.Post, "api/auth/login", $"{{\"username\":\"{c.Alice.Name}\",\"nonce\":\"***\",\"signature\":\"{B64(64)}\"}}", null)),
        new("login: signature of 65 bytes", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            c => Json(HttpMethod.Post, "api/auth/login", $"{{\"username\":\"{c.Alice.Name}\",\"nonce\":\"{B64(32)}\",\"signature\":\"{B64(65)}\"}}", null)),
        new("keys: no token", HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized, c => Get("api/keys", null)),
        new("keys: malformed token", HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized, c => Get("api/keys", "not-a-token")),
        new("keys: unknown token", HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized, c => Get("api/keys", B64(32, 1))),
        new("keys: upload with nothing in it", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            c => Json(HttpMethod.Put, "api/keys", "{\"signedPreKey\":null,\"kyberLastResortPreKey\":null,\"preKeys\":[],\"kyberPreKeys\":null}", c.Alice.Token)),
        new("keys: upload of a null key", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            c => Json(HttpMethod.Put, "api/keys", "{\"signedPreKey\":null,\"kyberLastResortPreKey\":null,\"preKeys\":[null],\"kyberPreKeys\":null}", c.Alice.Token)),
        new("bundle: malformed username", HttpStatusCode.BadRequest, MessagingProblemTypes.UsernameInvalid, c => Get("api/keys/a%20b", c.Alice.Token)),
        new("bundle: unknown user", HttpStatusCode.NotFound, ProblemTypes.NotFound, c => Get("api/keys/nobody-here", c.Alice.Token)),
        new("send: type 0", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            c => Json(HttpMethod.Post, "api/messages", $"{{\"to\":\"{c.Bob.Name}\",\"type\":0,\"content\":\"AQ\"}}", c.Alice.Token)),
        new("send: a server-only type", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            c => Json(HttpMethod.Post, "api/messages", $"{{\"to\":\"{c.Bob.Name}\",\"type\":100,\"content\":\"AQ\"}}", c.Alice.Token)),
        new("send: empty content", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            c => Json(HttpMethod.Post, "api/messages", $"{{\"to\":\"{c.Bob.Name}\",\"type\":2,\"content\":\"\"}}", c.Alice.Token)),
        new("send: content padded base64", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            c => Json(HttpMethod.Post, "api/messages", $"{{\"to\":\"{c.Bob.Name}\",\"type\":2,\"content\":\"AQ==\"}}", c.Alice.Token)),
        new("send: content over the limit", HttpStatusCode.RequestEntityTooLarge, ProblemTypes.PayloadTooLarge,
            c => Json(HttpMethod.Post, "api/messages", $"{{\"to\":\"{c.Bob.Name}\",\"type\":2,\"content\":\"{B64(64 * 1024 + 1, 1)}\"}}", c.Alice.Token)),
        new("send: unknown recipient", HttpStatusCode.NotFound, MessagingProblemTypes.UnknownRecipient,
            c => Json(HttpMethod.Post, "api/messages", "{\"to\":\"nobody-here\",\"type\":2,\"content\":\"AQ\"}", c.Alice.Token)),
        new("send: type as float", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            c => Json(HttpMethod.Post, "api/messages", $"{{\"to\":\"{c.Bob.Name}\",\"type\":2.5,\"content\":\"AQ\"}}", c.Alice.Token)),
        new("ack: no ids", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, c => Json(HttpMethod.Post, "api/messages/ack", "{\"ids\":[]}", c.Bob.Token)),
        new("ack: negative id", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, c => Json(HttpMethod.Post, "api/messages/ack", "{\"ids\":[-4]}", c.Bob.Token)),
        new("queue: limit 0", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, c => Get("api/messages?limit=0", c.Bob.Token)),
        new("queue: after is not a number", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, c => Get("api/messages?after=x", c.Bob.Token)),
        new("status: id is not a number", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, c => Get("api/messages/abc", c.Alice.Token)),
        new("group: empty name", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            c => Json(HttpMethod.Post, "api/groups", $"{{\"name\":\"  \",\"members\":[\"{c.Bob.Name}\"]}}", c.Alice.Token)),
        new("group: name with a zero-width space", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            c => Json(HttpMethod.Post, "api/groups", "{\"name\":\"ops\u200Bteam\",\"members\":[]}", c.Alice.Token)),
        new("group: name with a byte-order mark", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            c => Json(HttpMethod.Post, "api/groups", "{\"name\":\"\uFEFFops\",\"members\":[]}", c.Alice.Token)),
        new("group: name with a line separator", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            c => Json(HttpMethod.Post, "api/groups", "{\"name\":\"ops\u2028team\",\"members\":[]}", c.Alice.Token)),
        new("group: name with a text-direction override", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            c => Json(HttpMethod.Post, "api/groups", "{\"name\":\"ops \u202Enimda\",\"members\":[]}", c.Alice.Token)),
        new("group: name over 64 characters", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            c => Json(HttpMethod.Post, "api/groups", $"{{\"name\":\"{new string('g', 65)}\",\"members\":[]}}", c.Alice.Token)),
        new("group: unknown member", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            c => Json(HttpMethod.Post, "api/groups", "{\"name\":\"g\",\"members\":[\"nobody-here\"]}", c.Alice.Token)),
        new("group: malformed id", HttpStatusCode.BadRequest, ProblemTypes.InvalidId, c => Get("api/groups/xyz", c.Alice.Token)),
        new("group: add by a non-member", HttpStatusCode.NotFound, MessagingProblemTypes.NotGroupMember,
            c => Json(HttpMethod.Post, $"api/groups/{c.GroupId}/members", $"{{\"usernames\":[\"{c.Bob.Name}\"]}}", c.Bob.Token)),
        new("group: invite by an invitee", HttpStatusCode.NotFound, MessagingProblemTypes.NotGroupMember,
            c => Json(HttpMethod.Post, $"api/groups/{c.InvitedGroupId}/members", $"{{\"usernames\":[\"{c.Alice.Name}\"]}}", c.Bob.Token)),
        new("group: send by an invitee", HttpStatusCode.NotFound, MessagingProblemTypes.NotGroupMember,
            c => Json(HttpMethod.Post, $"api/groups/{c.InvitedGroupId}/messages", "{\"type\":7,\"content\":\"AQ\"}", c.Bob.Token)),
        new("group: promote by an invitee", HttpStatusCode.NotFound, MessagingProblemTypes.NotGroupMember,
            c => Bare(HttpMethod.Post, $"api/groups/{c.InvitedGroupId}/admins/{c.Bob.Name}", c.Bob.Token)),
        new("group: an invitee removes the admin", HttpStatusCode.NotFound, MessagingProblemTypes.NotGroupMember,
            c => Bare(HttpMethod.Delete, $"api/groups/{c.InvitedGroupId}/members/{c.Alice.Name}", c.Bob.Token)),
        new("group: promote an invitee", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            c => Bare(HttpMethod.Post, $"api/groups/{c.InvitedGroupId}/admins/{c.Bob.Name}", c.Alice.Token)),
        new("group accept: malformed id", HttpStatusCode.BadRequest, ProblemTypes.InvalidId, c => Bare(HttpMethod.Post, "api/groups/xyz/accept", c.Bob.Token)),
        new("group accept: not invited", HttpStatusCode.NotFound, MessagingProblemTypes.NotGroupMember,
            c => Bare(HttpMethod.Post, $"api/groups/{c.GroupId}/accept", c.Bob.Token)),
        new("group accept: unknown group", HttpStatusCode.NotFound, MessagingProblemTypes.NotGroupMember,
            c => Bare(HttpMethod.Post, $"api/groups/{AccountKeys.B64u(new byte[16])}/accept", c.Bob.Token)),
        new("group accept: no token", HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized, c => Bare(HttpMethod.Post, $"api/groups/{c.InvitedGroupId}/accept", null)),
        new("status batch: no ids", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, c => Json(HttpMethod.Post, "api/messages/status", "{\"ids\":[]}", c.Alice.Token)),
        new("status batch: 1001 ids", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            c => Json(HttpMethod.Post, "api/messages/status", $"{{\"ids\":[{string.Join(',', Enumerable.Range(1, 1001))}]}}", c.Alice.Token)),
        new("status batch: id 0", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, c => Json(HttpMethod.Post, "api/messages/status", "{\"ids\":[5,0]}", c.Alice.Token)),
        new("status batch: ids null", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, c => Json(HttpMethod.Post, "api/messages/status", "{\"ids\":null}", c.Alice.Token)),
        new("status batch: an id as a string", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            c => Json(HttpMethod.Post, "api/messages/status", "{\"ids\":[\"7\"]}", c.Alice.Token)),
        new("status batch: text/plain", HttpStatusCode.UnsupportedMediaType, ProblemTypes.UnsupportedMediaType,
            c => Json(HttpMethod.Post, "api/messages/status", "{\"ids\":[1]}", c.Alice.Token, "text/plain")),
        new("presence allow: malformed username", HttpStatusCode.BadRequest, MessagingProblemTypes.UsernameInvalid,
            c => Bare(HttpMethod.Put, "api/presence/allowed/a%20b", c.Alice.Token)),
        new("presence allow: unknown user", HttpStatusCode.NotFound, ProblemTypes.NotFound, c => Bare(HttpMethod.Put, "api/presence/allowed/nobody-here", c.Alice.Token)),
        new("presence allow: myself", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            c => Bare(HttpMethod.Put, $"api/presence/allowed/{c.Alice.Name.ToUpperInvariant()}", c.Alice.Token)),
        new("presence allow: no token", HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized, c => Bare(HttpMethod.Put, $"api/presence/allowed/{c.Bob.Name}", null)),
        new("presence withdraw: malformed username", HttpStatusCode.BadRequest, MessagingProblemTypes.UsernameInvalid,
            c => Bare(HttpMethod.Delete, "api/presence/allowed/9lives", c.Alice.Token)),
        new("presence withdraw: unknown user", HttpStatusCode.NotFound, ProblemTypes.NotFound,
            c => Bare(HttpMethod.Delete, "api/presence/allowed/nobody-here", c.Alice.Token)),
    ];

    private async Task<(ParleyTestServer Server, Ctx Ctx)> SetupAsync()
    {
        var server = await provider.GetAsync();
        var alice = await TestUser.CreateAsync(server, preKeys: 2, kyberPreKeys: 1);
        var bob = await TestUser.CreateAsync(server, preKeys: 2);
        using var keys = AccountKeys.Generate();
        var good = keys.RegisterRequest(TestUser.NewName("fresh"), alice.Api.ServerName);
        var group = await alice.Api.CreateGroupAsync("mine", []);
        var invited = await alice.Api.CreateGroupAsync("with bob", [bob.Name]);
        return (server, new Ctx(server.CreateClient(), alice, bob, good, group.Id, invited.Id));
    }

    private static async Task<string> SnapshotAsync(ParleyTestServer server, Ctx c)
    {
        var (accounts, preKeys, queue) = (server.Store<IAccountStore>(), server.Store<IPreKeyStore>(), server.Store<IEnvelopeQueue>());
        var (presence, groupStore) = (server.Store<IPresenceStore>(), server.Store<IGroupStore>());
        var groups = await groupStore.GroupsOfAsync(c.Alice.Name, default);
        return string.Join('|', await queue.CountEnvelopesAsync(default), await preKeys.CountPreKeysAsync(c.Alice.Name, default),
            await preKeys.CountPreKeysAsync(c.Bob.Name, default), await accounts.FindAccountAsync(c.Good.Username, default) is null,
            string.Join(',', groups.Select(g => $"{g.Name}:{string.Join('/', g.Members.Concat(g.Invitees).Select(m => m.Username + m.Role))}")),
            string.Join(',', await presence.PresenceViewersAsync(c.Alice.Name, default)), string.Join(',', await presence.PresenceViewersAsync(c.Bob.Name, default)));
    }

    [Fact]
    public void The_table_holds_at_least_thirty_cases() => (RestCases.Length + HubCases.Length).ShouldBeGreaterThanOrEqualTo(30);

    [Fact]
    public async Task Every_malformed_rest_input_gets_its_problem_and_changes_nothing()
    {
        var (server, ctx) = await SetupAsync();
        var failures = new List<string>();
        foreach (var @case in RestCases)
        {
            var before = await SnapshotAsync(server, ctx);
            using var response = await ctx.Http.SendAsync(@case.Build(ctx));
            var body = await response.Content.ReadAsStringAsync();
            string? type = null;
            try
            {
                type = JsonDocument.Parse(body).RootElement.GetProperty("type").GetString();
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException)
            {
            }

            if (response.StatusCode != @case.Status || type != @case.Type || response.Content.Headers.ContentType?.MediaType != "application/problem+json")
            {
                failures.Add($"{@case.Name}: got {(int)response.StatusCode} {type}");
            }

            if (await SnapshotAsync(server, ctx) != before)
            {
                failures.Add($"{@case.Name}: state changed");
            }
        }

        failures.ShouldBeEmpty();
        (await ctx.Http.GetAsync(new Uri("healthz", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    internal sealed record HubCase(string Name, string? Type, string Method, Func<Ctx, object?[]> Args);

    internal static readonly HubCase[] HubCases =
    [
        new("hub send: malformed recipient", MessagingProblemTypes.UsernameInvalid, HubNames.Send, c => ["../etc", 2, new byte[] { 1 }]),
        new("hub send: unknown recipient", MessagingProblemTypes.UnknownRecipient, HubNames.Send, c => ["nobody-here", 2, new byte[] { 1 }]),
        new("hub send: type 0", ProblemTypes.InvalidRequest, HubNames.Send, c => [c.Bob.Name, 0, new byte[] { 1 }]),
        new("hub send: server-only type", ProblemTypes.InvalidRequest, HubNames.Send, c => [c.Bob.Name, EnvelopeTypes.GroupEvent, new byte[] { 1 }]),
        new("hub send: empty content", ProblemTypes.InvalidRequest, HubNames.Send, c => [c.Bob.Name, 2, Array.Empty<byte>()]),
        new("hub send: null content", ProblemTypes.InvalidRequest, HubNames.Send, c => [c.Bob.Name, 2, null]),
        new("hub send: content over the envelope limit", ProblemTypes.PayloadTooLarge, HubNames.Send, c => [c.Bob.Name, 2, new byte[(64 * 1024) + 1]]),
        new("hub send: a string where the type goes", null, HubNames.Send, c => [c.Bob.Name, "two", new byte[] { 1 }]),
        new("hub send: missing argument", null, HubNames.Send, c => [c.Bob.Name, 2]),
        new("hub send group: malformed id", ProblemTypes.InvalidId, HubNames.SendGroup, c => ["not-an-id", 7, new byte[] { 1 }]),
        new("hub send group: not a member", MessagingProblemTypes.NotGroupMember, HubNames.SendGroup, c => [AccountKeys.B64u(new byte[16]), 7, new byte[] { 1 }]),
        new("hub send group: type 0", ProblemTypes.InvalidRequest, HubNames.SendGroup, c => [c.GroupId, 0, new byte[] { 1 }]),
        new("hub send group: null content", ProblemTypes.InvalidRequest, HubNames.SendGroup, c => [c.GroupId, 7, null]),
        new("hub send batch: no envelopes", ProblemTypes.InvalidRequest, HubNames.SendBatch, c => [Array.Empty<HubOutgoingEnvelope>()]),
        new("hub send batch: 257 envelopes", ProblemTypes.InvalidRequest, HubNames.SendBatch,
            c => [Enumerable.Range(0, 257).Select(_ => new HubOutgoingEnvelope { To = c.Bob.Name, Type = 2, Content = [1] }).ToArray()]),
        new("hub send batch: null", ProblemTypes.InvalidRequest, HubNames.SendBatch, c => [null]),
        new("hub send batch: a null envelope", ProblemTypes.InvalidRequest, HubNames.SendBatch,
            c => [new HubOutgoingEnvelope?[] { new() { To = c.Bob.Name, Type = 2, Content = [1] }, null }]),
        new("hub send batch: a string where the envelopes go", null, HubNames.SendBatch, c => ["envelopes"]),
        new("hub ack: no ids", ProblemTypes.InvalidRequest, HubNames.Ack, c => [Array.Empty<long>()]),
        new("hub ack: 1001 ids", ProblemTypes.InvalidRequest, HubNames.Ack, c => [Enumerable.Range(1, 1001).Select(i => (long)i).ToArray()]),
        new("hub ack: id 0", ProblemTypes.InvalidRequest, HubNames.Ack, c => [new long[] { 0 }]),
        new("hub: unknown method", null, "DropDatabase", c => []),
    ];

    [Fact]
    public async Task Every_malformed_hub_call_gets_an_error_and_the_connection_stays_usable()
    {
        var (server, ctx) = await SetupAsync();
        var relay = await ctx.Alice.ConnectAsync();
        var failures = new List<string>();
        foreach (var @case in HubCases)
        {
            var before = await SnapshotAsync(server, ctx);
            var e = await Should.ThrowAsync<Exception>(() => relay.InvokeAsync<object>(@case.Method, @case.Args(ctx)));
            if (@case.Type is not null && (e is not MessagingApiException api || api.Type != @case.Type))
            {
                failures.Add($"{@case.Name}: got {e.GetType().Name} {e.Message}");
            }

            if (@case.Type is null && e is not MessagingApiException)
            {
                failures.Add($"{@case.Name}: got {e.GetType().Name} {e.Message}");
            }

            if (await SnapshotAsync(server, ctx) != before)
            {
                failures.Add($"{@case.Name}: state changed");
            }

            (await relay.GetPresenceAsync()).ShouldNotBeNull(); // still usable
        }

        failures.ShouldBeEmpty();
    }

    [Fact]
    public async Task Malformed_hub_calls_are_not_logged_as_server_errors_and_a_flood_does_not_flood_the_log()
    {
        var server = await provider.StartAsync(new Dictionary<string, string?>());
        await using var alice = await TestUser.CreateAsync(server);
        await using var bob = await TestUser.CreateAsync(server);
        var ctx = new Ctx(server.CreateClient(), alice, bob, null!, AccountKeys.B64u(new byte[16]), AccountKeys.B64u(new byte[16]));
        var relay = await alice.ConnectAsync();
        var connected = server.Logs.Lines.Count;
        foreach (var @case in HubCases)
        {
            await Should.ThrowAsync<Exception>(() => relay.InvokeAsync<object>(@case.Method, @case.Args(ctx)));
        }

        var afterTable = server.Logs.Lines.Count;
        for (var i = 0; i < 300; i++)
        {
            await Should.ThrowAsync<MessagingApiException>(() => relay.SendAsync(bob.Name, 0, [1]));
        }

        (await relay.GetPresenceAsync()).ShouldNotBeNull();
        var oversized = await alice.ConnectAsync();
        await Should.ThrowAsync<Exception>(() => oversized.SendAsync(bob.Name, 2, new byte[200 * 1024]));
        await oversized.Closed.WaitAsync(TimeSpan.FromSeconds(10));

        var lines = server.Logs.Lines.Skip(connected).ToList();
        lines.Where(l => l.StartsWith("Error ", StringComparison.Ordinal) || l.StartsWith("Critical ", StringComparison.Ordinal)
            || l.StartsWith("Warning ", StringComparison.Ordinal) || l.Contains("Exception", StringComparison.Ordinal)
            || l.Contains(".cs:line", StringComparison.Ordinal)).Select(l => l.Split('\n')[0]).Take(3).ShouldBeEmpty();
        lines.ShouldContain(l => l.Contains("Hub call Send refused: urn:parley:problem:", StringComparison.Ordinal));

        // 300 more refusals inside the window add no line; the first line after it counts them.
        server.Logs.Lines.Skip(afterTable).Count(l => l.Contains(" refused", StringComparison.Ordinal)).ShouldBe(0);
        var afterFlood = server.Logs.Lines.Count;
        server.Time!.Advance(Parley.Server.Features.Messaging.HubCallLogging.Window);
        await Should.ThrowAsync<MessagingApiException>(() => relay.SendAsync(bob.Name, 0, [1]));
        var next = server.Logs.Lines.Skip(afterFlood).Single(l => l.Contains("Hub call Send refused", StringComparison.Ordinal));
        int.Parse(System.Text.RegularExpressions.Regex.Match(next, @"\((\d+) other refused").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)
            .ShouldBeGreaterThanOrEqualTo(300);
        next.ShouldStartWith("Debug ");
    }

    [Fact]
    public async Task A_hub_frame_over_the_size_limit_closes_the_connection_cleanly_and_changes_nothing()
    {
        var (server, ctx) = await SetupAsync();
        var relay = await ctx.Alice.ConnectAsync();
        var before = await SnapshotAsync(server, ctx);
        await Should.ThrowAsync<Exception>(() => relay.SendAsync(ctx.Bob.Name, 2, new byte[200 * 1024]));
        await relay.Closed.WaitAsync(TimeSpan.FromSeconds(10));
        (await SnapshotAsync(server, ctx)).ShouldBe(before);
        var again = await ctx.Alice.ConnectAsync();
        (await again.SendAsync(ctx.Bob.Name, 2, [1])).Id.ShouldBeGreaterThan(0);
    }

    internal sealed record FrameCase(string Name, int ErrorId, byte[] Frame, WebSocketMessageType Type = WebSocketMessageType.Binary);

    private static byte[] Pack(params object?[] items) => MessagePackSerializer.Serialize(items, RelayClient.SerializerOptions);

    /// <summary>Frames a well-behaved client never sends, as raw WebSocket messages (docs/messaging-api.md, "Relay socket").</summary>
    internal static readonly FrameCase[] FrameCases =
    [
        new("garbage bytes (0xc1 is no MessagePack code)", 0, [0xc1, 0xff, 0x00, 0x13]),
        new("an empty message", 0, []),
        new("a string, not an array", 0, MessagePackSerializer.Serialize("Send", RelayClient.SerializerOptions)),
        new("an array that claims more elements than it holds", 0, [0x94, 0x01, 0x05]),
        new("an array of one", 0, Pack(1)),
        new("a result frame from the client", 0, Pack(RelayFrames.Result, 5, "x")),
        new("an event frame from the client", 0, Pack(RelayFrames.Event, "Envelopes", Array.Empty<object>())),
        new("invocation id 0", 0, Pack(1, 0, HubNames.GetPresence)),
        new("a negative invocation id", 0, Pack(1, -3, HubNames.GetPresence)),
        new("an invocation id over 2^31-1", 0, Pack(1, 1L << 31, HubNames.GetPresence)),
        new("a string invocation id", 0, Pack(1, "7", HubNames.GetPresence)),
        new("a number where the method goes", 7, Pack(1, 7, 42)),
        new("an unknown method", 8, Pack(1, 8, "DropDatabase")),
        new("Send with one argument", 9, Pack(1, 9, HubNames.Send, "bob")),
        new("Send with a map for the type", 10, Pack(1, 10, HubNames.Send, "bob", new Dictionary<string, int> { ["a"] = 1 }, new byte[] { 1 })),
        new("Send with a string for the content", 11, Pack(1, 11, HubNames.Send, "nobody-here", 2, "text")),
        new("Ack with strings", 12, Pack(1, 12, HubNames.Ack, new[] { "1" })),
        new("GetPresence with an argument", 13, Pack(1, 13, HubNames.GetPresence, 1)),
        new("bytes after the array", 14, [.. Pack(1, 14, HubNames.GetPresence), 0x01]),
        new("a text frame", 0, Encoding.UTF8.GetBytes("[1,15,\"GetPresence\"]"), WebSocketMessageType.Text),
        // Found by fuzz/run.sh relay-frame: a str32 header whose length is over int.MaxValue (here 2^31).
        new("a method name that claims 2 GiB", 16, [0x93, 0x01, 0x10, 0xdb, 0x80, 0x00, 0x00, 0x00]),
    ];

    private static async Task<ClientWebSocket> OpenRawAsync(ParleyTestServer server, string? token, bool inQuery = false)
    {
        var socket = new ClientWebSocket();
        var uri = new UriBuilder(new Uri(server.BaseAddress, MessagingValues.HubPath)) { Scheme = "ws" };
        if (token is not null && inQuery)
        {
            uri.Query = "access_token=" + Uri.EscapeDataString(token);
        }
        else if (token is not null)
        {
            socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        }

        socket.Options.CollectHttpResponseDetails = true;
        await socket.ConnectAsync(uri.Uri, CancellationToken.None);
        return socket;
    }

    /// <summary>The next result or error frame (events are skipped); null when the server closed the socket.</summary>
    private static async Task<object?[]?> NextAnswerAsync(ClientWebSocket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (true)
        {
            using var message = new MemoryStream();
            var buffer = new byte[8192];
            ValueWebSocketReceiveResult read;
            do
            {
                read = await socket.ReceiveAsync(buffer.AsMemory(), timeout.Token);
                message.Write(buffer, 0, read.Count);
            }
            while (!read.EndOfMessage);

            if (read.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            read.MessageType.ShouldBe(WebSocketMessageType.Binary);
            var frame = MessagePackSerializer.Deserialize<object?[]>(message.ToArray(), RelayClient.SerializerOptions);
            if (Convert.ToInt32(frame[0], System.Globalization.CultureInfo.InvariantCulture) != RelayFrames.Event)
            {
                return frame;
            }
        }
    }

    [Fact]
    public async Task Every_malformed_frame_gets_an_error_frame_changes_nothing_and_the_socket_keeps_serving()
    {
        var (server, ctx) = await SetupAsync();
        using var socket = await OpenRawAsync(server, ctx.Alice.Token);
        var failures = new List<string>();
        var id = 100;
        foreach (var @case in FrameCases)
        {
            var before = await SnapshotAsync(server, ctx);
            await socket.SendAsync(@case.Frame, @case.Type, endOfMessage: true, CancellationToken.None);
            var answer = await NextAnswerAsync(socket);
            if (answer is null || answer.Length != 3 || Convert.ToInt32(answer[0], System.Globalization.CultureInfo.InvariantCulture) != RelayFrames.Error
                || Convert.ToInt32(answer[1], System.Globalization.CultureInfo.InvariantCulture) != @case.ErrorId
                || answer[2] is not string text || !text.StartsWith(ProblemTypes.InvalidRequest + ": ", StringComparison.Ordinal))
            {
                failures.Add($"{@case.Name}: got {(answer is null ? "a close" : string.Join(", ", answer))}");
                break;
            }

            if (await SnapshotAsync(server, ctx) != before)
            {
                failures.Add($"{@case.Name}: state changed");
            }

            // The same socket still serves a well-formed call.
            id++;
            await socket.SendAsync(Pack(1, id, HubNames.GetPresence), WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);
            var served = await NextAnswerAsync(socket);
            if (served is not [_, _, object?[]] || Convert.ToInt32(served[0], System.Globalization.CultureInfo.InvariantCulture) != RelayFrames.Result
                || Convert.ToInt32(served[1], System.Globalization.CultureInfo.InvariantCulture) != id)
            {
                failures.Add($"{@case.Name}: the next call got {(served is null ? "a close" : string.Join(", ", served))}");
                break;
            }
        }

        failures.ShouldBeEmpty();
        socket.State.ShouldBe(WebSocketState.Open);
    }

    [Fact]
    public async Task A_message_over_the_limit_closes_the_socket_with_1009_and_changes_nothing()
    {
        var (server, ctx) = await SetupAsync();
        using var socket = await OpenRawAsync(server, ctx.Alice.Token);
        var before = await SnapshotAsync(server, ctx);
        var frame = Pack(1, 1, HubNames.Send, ctx.Bob.Name, 2, new byte[200 * 1024]);
        try
        {
            await socket.SendAsync(frame, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);
        }
        catch (WebSocketException)
        {
            // The server may close before the whole message is out.
        }

        (await NextAnswerAsync(socket)).ShouldBeNull();
        socket.CloseStatus.ShouldBe(WebSocketCloseStatus.MessageTooBig);
        (await SnapshotAsync(server, ctx)).ShouldBe(before);
    }

    [Fact]
    public async Task A_browser_style_socket_with_the_token_in_the_query_speaks_the_documented_frames()
    {
        var (server, ctx) = await SetupAsync();
        var bob = await ctx.Bob.ConnectAsync();
        using var socket = await OpenRawAsync(server, ctx.Alice.Token, inQuery: true);
        await socket.SendAsync(Pack(1, 1, HubNames.Send, ctx.Bob.Name, 2, new byte[] { 7, 7 }), WebSocketMessageType.Binary, true, CancellationToken.None);
        var answer = await NextAnswerAsync(socket);
        answer.ShouldNotBeNull();
        Convert.ToInt32(answer[0], System.Globalization.CultureInfo.InvariantCulture).ShouldBe(RelayFrames.Result);
        var result = (Dictionary<object, object>)answer[2]!;
        var id = Convert.ToInt64(result["Id"], System.Globalization.CultureInfo.InvariantCulture);
        var envelope = await bob.Envelopes.NextAsync();
        while (envelope.Id != id)
        {
            envelope = await bob.Envelopes.NextAsync(); // Bob's group invitation came first
        }

        envelope.Sender.ShouldBe(ctx.Alice.Name);
        envelope.Content.ShouldBe(new byte[] { 7, 7 });

        var refused = await Should.ThrowAsync<WebSocketException>(() => OpenRawAsync(server, "not-a-token", inQuery: true));
        refused.Message.ShouldContain("401");
        var plain = await ctx.Http.GetAsync(new Uri(MessagingValues.HubPath.TrimStart('/'), UriKind.Relative));
        plain.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        plain.Headers.CacheControl?.NoStore.ShouldBe(true); // the socket's branch still gets the security headers

        // With a good token but no upgrade: the relay says what it is. The socket's own branch matches the
        // path as routing did (any case, trailing slash), and nothing below it.
        using var notUpgraded = new HttpRequestMessage(HttpMethod.Get, "API/Hub/");
        notUpgraded.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ctx.Alice.Token);
        var answerPlain = await ctx.Http.SendAsync(notUpgraded);
        answerPlain.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await answerPlain.Content.ReadAsStringAsync()).ShouldContain(ProblemTypes.InvalidRequest);
        var below = await ctx.Http.GetAsync(new Uri("api/hub/more", UriKind.Relative));
        below.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }
}
