using System.Net;
using System.Text.Json;
using Parley.Contracts;
using Parley.Server.Tests.Support;

namespace Parley.Server.Tests;

/// <summary>
/// Bad input of every kind the request routes take, each with the answer it must get. The contract
/// suite sends each case to every provider, with one waiting and one answered request in place, and
/// checks that neither they nor the secrets changed and that the server stays healthy.
/// </summary>
internal static class MalformedRequests
{
    internal sealed record Context(RequestsHttp Api, CreatedRequest Waiting, CreatedRequest Answered);

    internal sealed record Case(string Name, HttpStatusCode Status, string Type, Func<Context, Task<HttpResponseMessage>> Send);

    private static readonly string GoodKey = TestSecret.RandomKey();

    private static string CreateBody(Action<Dictionary<string, object?>> change)
    {
        var r = new TestRequest().ToRequest();
        var members = new Dictionary<string, object?>
        {
            ["tokenVerifier"] = r.TokenVerifier,
            ["sendVerifier"] = r.SendVerifier,
            ["label"] = r.Label,
            ["expiresInSeconds"] = r.ExpiresInSeconds,
        };
        change(members);
        return JsonSerializer.Serialize(members);
    }

    private static Func<Context, Task<HttpResponseMessage>> Create(Action<Dictionary<string, object?>> change) =>
        c => c.Api.Secrets.PostRawAsync("api/requests", CreateBody(change));

    private static Func<Context, Task<HttpResponseMessage>> CreateRaw(string body, string? contentType = "application/json") =>
        c => c.Api.Secrets.PostRawAsync("api/requests", body, contentType);

    /// <summary>An answer to the waiting request (with its right send token) as JSON text, with <paramref name="change"/> applied.</summary>
    private static string AnswerBody(Context c, Action<Context, Dictionary<string, object?>> change)
    {
        var a = new TestAnswer(new TestSecret()).ToRequest(c.Waiting);
        var members = new Dictionary<string, object?>
        {
            ["sendToken"] = a.SendToken,
            ["ephemeralKey"] = a.EphemeralKey,
            ["manifest"] = a.Manifest,
            ["accessVerifier"] = a.AccessVerifier,
            ["streamBytes"] = a.StreamBytes,
        };
        change(c, members);
        return JsonSerializer.Serialize(members);
    }

    private static Func<Context, Task<HttpResponseMessage>> Answer(Action<Context, Dictionary<string, object?>> change,
        string contentType = "application/json") =>
        c => c.Api.Secrets.PostRawAsync($"api/requests/{c.Waiting.Id}/answer", AnswerBody(c, change), contentType);

    private static Func<Context, Task<HttpResponseMessage>> Answer(Action<Dictionary<string, object?>> change) => Answer((_, m) => change(m));

    private static Func<Context, Task<HttpResponseMessage>> Send(HttpMethod method, Func<Context, string> path, string? authorization = null) =>
        c =>
        {
            var request = new HttpRequestMessage(method, path(c));
            if (authorization is not null)
            {
                request.Headers.TryAddWithoutValidation("Authorization", authorization);
            }

            return c.Api.Http.SendAsync(request);
        };

    private static string Noncanonical(string b64u)
    {
        // 32 bytes → 43 chars whose last carries 2 unused bits: set one of them.
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        return b64u[..^1] + Alphabet[Alphabet.IndexOf(b64u[^1], StringComparison.Ordinal) | 1];
    }

    private static readonly string TooBigManifest = TestSecret.B64([0x01, .. new byte[(1024 * 1024) + 256 + 28]]);

    public static readonly Case[] Cases =
    [
        // --- create: JSON shape
        new("create: not JSON", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, CreateRaw("{\"tokenVerifier\":")),
        new("create: empty body", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, CreateRaw("")),
        new("create: JSON null", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, CreateRaw("null")),
        new("create: JSON string", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, CreateRaw("\"request\"")),
        new("create: missing tokenVerifier", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Create(m => m.Remove("tokenVerifier"))),
        new("create: missing sendVerifier", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Create(m => m.Remove("sendVerifier"))),
        new("create: missing label (null must be sent)", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Create(m => m.Remove("label"))),
        new("create: extra member", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Create(m => m["publicKey"] = GoodKey)),
        new("create: a member twice (the last would win)", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            CreateRaw(CreateBody(m => m["label"] = "VPN").Replace("\"label\":\"VPN\"", "\"label\":\"VPN\",\"label\":\"Bank\"", StringComparison.Ordinal))),
        new("create: member names in another case", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            CreateRaw(CreateBody(_ => { }).Replace("\"tokenVerifier\"", "\"TokenVerifier\"", StringComparison.Ordinal))),
        new("create: tokenVerifier is a number", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Create(m => m["tokenVerifier"] = 42)),
        new("create: expiry as a string", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Create(m => m["expiresInSeconds"] = "3600")),
        new("create: expiry as a fraction", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Create(m => m["expiresInSeconds"] = 3600.5)),
        // --- create: bytes
        new("create: tokenVerifier of 31 bytes", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            Create(m => m["tokenVerifier"] = TestSecret.B64(new byte[31]))),
        new("create: sendVerifier of 33 bytes", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            Create(m => m["sendVerifier"] = TestSecret.B64(new byte[33]))),
        new("create: tokenVerifier not canonical", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            Create(m => m["tokenVerifier"] = Noncanonical(GoodKey))),
        new("create: sendVerifier with padding", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Create(m => m["sendVerifier"] = GoodKey + "=")),
        new("create: sendVerifier in standard base64", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            Create(m => m["sendVerifier"] = "+/" + GoodKey[2..])),
        new("create: tokenVerifier empty", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Create(m => m["tokenVerifier"] = "")),
        // --- create: label
        new("create: empty label", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Create(m => m["label"] = "")),
        new("create: blank label", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Create(m => m["label"] = " \t ")),
        new("create: label over 200 characters", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Create(m => m["label"] = new string('é', 201))),
        new("create: label with a control character", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Create(m => m["label"] = "VPN\u0007 password")),
        new("create: label with a newline", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Create(m => m["label"] = "line one\nline two")),
        new("create: label with a text-direction override", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            Create(m => m["label"] = "invoice \u202Efdp.exe")),
        new("create: label with a zero-width space", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Create(m => m["label"] = "pay\u200Bpal")),
        new("create: label with a byte-order mark", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Create(m => m["label"] = "\uFEFFVPN password")),
        new("create: label with a line separator", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Create(m => m["label"] = "VPN\u2028password")),
        new("create: label with a paragraph separator", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Create(m => m["label"] = "VPN\u2029password")),
        new("create: label with a zero-width joiner", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Create(m => m["label"] = "ad\u200Dmin")),
        new("create: label with a word joiner", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Create(m => m["label"] = "bank\u2060 login")),
        new("create: label with a tag character", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Create(m => m["label"] = "VPN\U000E0041")),
        new("create: label with a lone surrogate", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, CreateRaw(CreateBody(m => m["label"] = "x")
            .Replace("\"label\":\"x\"", "\"label\":\"\\ud800x\"", StringComparison.Ordinal))),
        new("create: label is a number", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Create(m => m["label"] = 7)),
        // --- create: choices, sizes, content types
        new("create: zero expiry", HttpStatusCode.BadRequest, ProblemTypes.InvalidChoice, Create(m => m["expiresInSeconds"] = 0)),
        new("create: negative expiry", HttpStatusCode.BadRequest, ProblemTypes.InvalidChoice, Create(m => m["expiresInSeconds"] = -3600)),
        new("create: expiry not offered", HttpStatusCode.BadRequest, ProblemTypes.InvalidChoice, Create(m => m["expiresInSeconds"] = 7)),
        new("create: absurd expiry", HttpStatusCode.BadRequest, ProblemTypes.InvalidChoice, Create(m => m["expiresInSeconds"] = int.MaxValue)),
        new("create: huge body", HttpStatusCode.RequestEntityTooLarge, ProblemTypes.PayloadTooLarge, CreateRaw(new string('x', 64 * 1024))),
        new("create: text/plain body", HttpStatusCode.UnsupportedMediaType, ProblemTypes.UnsupportedMediaType, CreateRaw(CreateBody(_ => { }), "text/plain")),
        new("create: no content type", HttpStatusCode.UnsupportedMediaType, ProblemTypes.UnsupportedMediaType, CreateRaw(CreateBody(_ => { }), null)),
        // --- look
        new("look: id of 21 characters", HttpStatusCode.BadRequest, ProblemTypes.InvalidId, c => c.Api.LookAsync(c.Waiting.Id[..21], c.Waiting.Request.SendTokenText)),
        new("look: id not canonical", HttpStatusCode.BadRequest, ProblemTypes.InvalidId,
            c => c.Api.LookAsync(c.Waiting.Id[..21] + "B", c.Waiting.Request.SendTokenText)),
        new("look: id with an encoded path separator", HttpStatusCode.BadRequest, ProblemTypes.InvalidId,
            c => c.Api.LookAsync("..%2F..%2Fapi%2Fconfig", c.Waiting.Request.SendTokenText)),
        new("look: malformed send token", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, c => c.Api.LookAsync(c.Waiting.Id, "short")),
        new("look: unknown id", HttpStatusCode.NotFound, ProblemTypes.NotFound,
            c => c.Api.LookAsync(TestSecret.B64(new byte[16]), c.Waiting.Request.SendTokenText)),
        // --- answer: JSON shape and bytes
        new("answer: not JSON", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            c => c.Api.Secrets.PostRawAsync($"api/requests/{c.Waiting.Id}/answer", "{\"sendToken\"")),
        new("answer: missing sendToken", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Answer(m => m.Remove("sendToken"))),
        new("answer: missing ephemeralKey", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Answer(m => m.Remove("ephemeralKey"))),
        new("answer: missing streamBytes (null must be sent)", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Answer(m => m.Remove("streamBytes"))),
        new("answer: a member twice", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            c => c.Api.Secrets.PostRawAsync($"api/requests/{c.Waiting.Id}/answer",
                AnswerBody(c, (_, _) => { }).Replace("\"streamBytes\":null", "\"streamBytes\":null,\"streamBytes\":null", StringComparison.Ordinal))),
        new("answer: member names in another case", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            c => c.Api.Secrets.PostRawAsync($"api/requests/{c.Waiting.Id}/answer",
                AnswerBody(c, (_, _) => { }).Replace("\"sendToken\"", "\"SENDTOKEN\"", StringComparison.Ordinal))),
        new("answer: extra member", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Answer(m => m["maxViews"] = 5)),
        new("answer: sendToken of 31 bytes", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Answer(m => m["sendToken"] = TestSecret.B64(new byte[31]))),
        new("answer: sendToken not canonical", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            Answer((c, m) => m["sendToken"] = Noncanonical(c.Waiting.Request.SendTokenText))),
        new("answer: ephemeralKey of 33 bytes", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            Answer(m => m["ephemeralKey"] = TestSecret.B64(new byte[33]))),
        new("answer: ephemeralKey not base64url", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Answer(m => m["ephemeralKey"] = "%%%%")),
        new("answer: manifest of the wrong shape", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Answer(m => m["manifest"] = GoodKey)),
        new("answer: manifest with another version byte", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            Answer(m => m["manifest"] = TestSecret.B64([0x02, .. new byte[284]]))),
        new("answer: manifest over the size limit", HttpStatusCode.RequestEntityTooLarge, ProblemTypes.PayloadTooLarge,
            Answer(m => m["manifest"] = TooBigManifest)),
        new("answer: accessVerifier of 31 bytes", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            Answer(m => m["accessVerifier"] = TestSecret.B64(new byte[31]))),
        new("answer: stream length the format cannot have", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            Answer(m => m["streamBytes"] = 8 + 65_553)),
        new("answer: negative stream length", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Answer(m => m["streamBytes"] = -1)),
        new("answer: stream over the size limit", HttpStatusCode.RequestEntityTooLarge, ProblemTypes.PayloadTooLarge,
            Answer(m => m["streamBytes"] = TestSecret.StreamLength(3L * 1024 * 1024 * 1024))),
        new("answer: wrong content type", HttpStatusCode.UnsupportedMediaType, ProblemTypes.UnsupportedMediaType, Answer((_, _) => { }, "text/plain")),
        new("answer: huge body", HttpStatusCode.RequestEntityTooLarge, ProblemTypes.PayloadTooLarge,
            c => c.Api.Secrets.PostRawAsync($"api/requests/{c.Waiting.Id}/answer", new string('x', 3 * 1024 * 1024))),
        // --- answer: the right shape, the wrong request
        new("answer: another request's send token", HttpStatusCode.NotFound, ProblemTypes.NotFound,
            Answer((c, m) => m["sendToken"] = c.Answered.Request.SendTokenText)),
        new("answer: the requester's token instead of the send token", HttpStatusCode.NotFound, ProblemTypes.NotFound,
            Answer((c, m) => m["sendToken"] = c.Waiting.Request.RequestTokenText)),
        new("answer: unknown id", HttpStatusCode.NotFound, ProblemTypes.NotFound,
            c => c.Api.AnswerAsync(TestSecret.B64(new byte[16]), new TestAnswer(new TestSecret()).ToRequest(c.Waiting))),
        new("answer: malformed id", HttpStatusCode.BadRequest, ProblemTypes.InvalidId,
            c => c.Api.AnswerAsync("abc", new TestAnswer(new TestSecret()).ToRequest(c.Waiting))),
        new("answer: to the answered request", HttpStatusCode.Conflict, Contracts.Requests.RequestProblemTypes.AlreadyAnswered,
            c => c.Api.AnswerAsync(c.Answered, new TestAnswer(new TestSecret()))),
        // --- requester routes
        new("answer fetch: no token", HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized, Send(HttpMethod.Get, c => $"api/requests/{c.Answered.Id}/answer")),
        new("answer fetch: the send token", HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized,
            c => c.Api.OpenAnswerAsync(c.Answered.Id, c.Answered.Request.SendTokenText)),
        new("answer fetch: another request's token", HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized,
            c => c.Api.OpenAnswerAsync(c.Answered.Id, c.Waiting.Request.RequestTokenText)),
        new("status: basic auth", HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized,
            c => Send(HttpMethod.Get, _ => $"api/requests/{c.Waiting.Id}/manage", "Basic " + c.Waiting.Request.RequestTokenText)(c)),
        new("status: malformed token", HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized,
            c => c.Api.StatusAsync(c.Waiting.Id, c.Waiting.Request.RequestTokenText[..40])),
        new("status: malformed id", HttpStatusCode.BadRequest, ProblemTypes.InvalidId, c => c.Api.StatusAsync("%C3%A9", c.Waiting.Request.RequestTokenText)),
        new("destroy: no token", HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized, Send(HttpMethod.Delete, c => $"api/requests/{c.Waiting.Id}")),
        new("destroy: the send token", HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized,
            c => c.Api.DestroyAsync(c.Answered.Id, c.Answered.Request.SendTokenText)),
        new("destroy: unknown id", HttpStatusCode.NotFound, ProblemTypes.NotFound, c => c.Api.DestroyAsync(TestSecret.B64(new byte[16]), c.Waiting.Request.RequestTokenText)),
        new("route: wrong method", HttpStatusCode.MethodNotAllowed, ProblemTypes.MethodNotAllowed, Send(HttpMethod.Put, c => $"api/requests/{c.Waiting.Id}")),
        new("route: wrong method on the answer", HttpStatusCode.MethodNotAllowed, ProblemTypes.MethodNotAllowed,
            Send(HttpMethod.Delete, c => $"api/requests/{c.Waiting.Id}/answer")),
    ];
}
