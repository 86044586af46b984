using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Parley.Contracts;
using Parley.Server.Tests.Support;

namespace Parley.Server.Tests;

/// <summary>
/// Bad input of every kind the API takes, each with the answer it must get. The contract suite sends
/// each case to every provider and checks that nothing changed and the server stays healthy.
/// </summary>
internal static class MalformedInput
{
    internal sealed record Context(SecretsHttp Api, Created Text, Created Streamed);

    internal sealed record Case(string Name, HttpStatusCode Status, string Type, Func<Context, Task<HttpResponseMessage>> Send);

    private static readonly string GoodVerifier = TestSecret.RandomKey();

    /// <summary>A create body as JSON text, with <paramref name="change"/> applied to the members.</summary>
    private static string CreateBody(Action<Dictionary<string, object?>> change)
    {
        var secret = new TestSecret(passphrase: "pw");
        var request = secret.ToRequest();
        var members = new Dictionary<string, object?>
        {
            ["manifest"] = request.Manifest,
            ["accessVerifier"] = request.AccessVerifier,
            ["passphrase"] = new Dictionary<string, object?>
            {
                ["kdf"] = "pbkdf2-sha256", ["salt"] = request.Passphrase!.Salt, ["iterations"] = 600_000, ["verifier"] = request.Passphrase.Verifier,
            },
            ["expiresInSeconds"] = 3600,
            ["maxViews"] = 1,
            ["streamBytes"] = null,
        };
        change(members);
        return JsonSerializer.Serialize(members);
    }

    private static Func<Context, Task<HttpResponseMessage>> Create(Action<Dictionary<string, object?>> change) =>
        c => c.Api.PostRawAsync("api/secrets", CreateBody(change));

    private static Func<Context, Task<HttpResponseMessage>> CreateRaw(string body, string? contentType = "application/json") =>
        c => c.Api.PostRawAsync("api/secrets", body, contentType);

    private static Dictionary<string, object?> Passphrase(Dictionary<string, object?> m) => (Dictionary<string, object?>)m["passphrase"]!;

    private static Func<Context, Task<HttpResponseMessage>> Open(Func<Context, string> body, string contentType = "application/json") =>
        c => c.Api.PostRawAsync($"api/secrets/{c.Text.Id}/open", body(c), contentType);

    private static Task<HttpResponseMessage> Send(Context c, HttpMethod method, string path, Action<HttpRequestMessage>? change = null)
    {
        var request = new HttpRequestMessage(method, path);
        change?.Invoke(request);
        return c.Api.Http.SendAsync(request);
    }

    private static string Noncanonical(string b64u)
    {
        // 32 bytes → 43 chars whose last carries 2 unused bits: set one of them.
        var last = b64u[^1];
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        return b64u[..^1] + Alphabet[Alphabet.IndexOf(last, StringComparison.Ordinal) | 1];
    }

    private static readonly string TooBigManifest = TestSecret.B64([0x01, .. new byte[(1024 * 1024) + 256 + 28]]);

    public static readonly Case[] Cases =
    [
        // --- create: JSON shape
        new("create: not JSON", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, CreateRaw("{\"manifest\":")),
        new("create: empty body", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, CreateRaw("")),
        new("create: JSON null", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, CreateRaw("null")),
        new("create: JSON array", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, CreateRaw("[1,2]")),
        new("create: missing manifest", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Create(m => m.Remove("manifest"))),
        new("create: missing maxViews", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Create(m => m.Remove("maxViews"))),
        new("create: extra member", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Create(m => m["admin"] = true)),
        new("create: manifest is a number", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Create(m => m["manifest"] = 42)),
        new("create: manifest is null", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Create(m => m["manifest"] = null)),
        new("create: expiry as a string", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Create(m => m["expiresInSeconds"] = "3600")),
        new("create: expiry as a fraction", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Create(m => m["expiresInSeconds"] = 3600.5)),
        new("create: views beyond int", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Create(m => m["maxViews"] = 1e20)),
        new("create: a member twice (the last would win)", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            CreateRaw(CreateBody(_ => { }).Replace("\"maxViews\":1", "\"maxViews\":1,\"maxViews\":10", StringComparison.Ordinal))),
        new("create: a nested member twice", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            CreateRaw(CreateBody(_ => { }).Replace("\"iterations\":600000", "\"iterations\":600000,\"iterations\":600000", StringComparison.Ordinal))),
        new("create: member names in another case", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            CreateRaw(CreateBody(_ => { }).Replace("\"manifest\"", "\"Manifest\"", StringComparison.Ordinal)
                .Replace("\"accessVerifier\"", "\"ACCESSVERIFIER\"", StringComparison.Ordinal))),
        // --- create: bytes
        new("create: manifest not base64url", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Create(m => m["manifest"] = "!!!not-base64!!!")),
        new("create: manifest with padding", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Create(m => m["manifest"] = (string)m["manifest"]! + "==")),
        new("create: manifest in standard base64", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            Create(m => m["manifest"] = "+/" + ((string)m["manifest"]!)[2..])),
        new("create: manifest with whitespace", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            Create(m => m["manifest"] = ((string)m["manifest"]!).Insert(8, " \n"))),
        new("create: manifest with a control character", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            Create(m => m["manifest"] = ((string)m["manifest"]!).Insert(8, "\u0000"))),
        new("create: manifest of the wrong shape", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Create(m => m["manifest"] = TestSecret.RandomKey())),
        new("create: manifest with another version byte", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            Create(m => m["manifest"] = TestSecret.B64([0x02, .. new byte[284]]))),
        new("create: manifest over the size limit", HttpStatusCode.RequestEntityTooLarge, ProblemTypes.PayloadTooLarge, Create(m => m["manifest"] = TooBigManifest)),
        new("create: huge body", HttpStatusCode.RequestEntityTooLarge, ProblemTypes.PayloadTooLarge, CreateRaw(new string('x', 3 * 1024 * 1024))),
        new("create: verifier of 31 bytes", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Create(m => m["accessVerifier"] = TestSecret.B64(new byte[31]))),
        new("create: verifier of 33 bytes", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Create(m => m["accessVerifier"] = TestSecret.B64(new byte[33]))),
        new("create: verifier not canonical", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Create(m => m["accessVerifier"] = Noncanonical(GoodVerifier))),
        new("create: verifier empty", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Create(m => m["accessVerifier"] = "")),
        // --- create: choices and sizes
        new("create: negative expiry", HttpStatusCode.BadRequest, ProblemTypes.InvalidChoice, Create(m => m["expiresInSeconds"] = -3600)),
        new("create: zero expiry", HttpStatusCode.BadRequest, ProblemTypes.InvalidChoice, Create(m => m["expiresInSeconds"] = 0)),
        new("create: absurd expiry", HttpStatusCode.BadRequest, ProblemTypes.InvalidChoice, Create(m => m["expiresInSeconds"] = int.MaxValue)),
        new("create: expiry not offered", HttpStatusCode.BadRequest, ProblemTypes.InvalidChoice, Create(m => m["expiresInSeconds"] = 7)),
        new("create: zero views", HttpStatusCode.BadRequest, ProblemTypes.InvalidChoice, Create(m => m["maxViews"] = 0)),
        new("create: negative views", HttpStatusCode.BadRequest, ProblemTypes.InvalidChoice, Create(m => m["maxViews"] = -1)),
        new("create: absurd views", HttpStatusCode.BadRequest, ProblemTypes.InvalidChoice, Create(m => m["maxViews"] = 1_000_000)),
        new("create: stream length the format cannot have", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Create(m => m["streamBytes"] = 8 + 65_553)),
        new("create: negative stream length", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Create(m => m["streamBytes"] = -1)),
        new("create: stream over the size limit", HttpStatusCode.RequestEntityTooLarge, ProblemTypes.PayloadTooLarge,
            Create(m => m["streamBytes"] = TestSecret.StreamLength(3L * 1024 * 1024 * 1024))),
        new("create: unknown passphrase kdf", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Create(m => Passphrase(m)["kdf"] = "md5")),
        new("create: passphrase salt of 15 bytes", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Create(m => Passphrase(m)["salt"] = TestSecret.B64(new byte[15]))),
        new("create: too few passphrase iterations", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Create(m => Passphrase(m)["iterations"] = 1000)),
        new("create: absurd passphrase iterations", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Create(m => Passphrase(m)["iterations"] = int.MaxValue)),
        new("create: passphrase without verifier", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Create(m => Passphrase(m).Remove("verifier"))),
        // --- create: content types
        new("create: text/plain body", HttpStatusCode.UnsupportedMediaType, ProblemTypes.UnsupportedMediaType, CreateRaw(CreateBody(_ => { }), "text/plain")),
        new("create: no content type", HttpStatusCode.UnsupportedMediaType, ProblemTypes.UnsupportedMediaType, CreateRaw(CreateBody(_ => { }), null)),
        new("create: latin-1 JSON", HttpStatusCode.UnsupportedMediaType, ProblemTypes.UnsupportedMediaType,
            CreateRaw(CreateBody(_ => { }), "application/json; charset=iso-8859-1")),
        new("create: form post", HttpStatusCode.UnsupportedMediaType, ProblemTypes.UnsupportedMediaType,
            CreateRaw("manifest=x", "application/x-www-form-urlencoded")),
        // --- ids and routes
        new("look: id of 21 characters", HttpStatusCode.BadRequest, ProblemTypes.InvalidId, c => c.Api.LookAsync(c.Text.Id[..21])),
        new("look: id of 23 characters", HttpStatusCode.BadRequest, ProblemTypes.InvalidId, c => c.Api.LookAsync(c.Text.Id + "A")),
        new("look: id not canonical", HttpStatusCode.BadRequest, ProblemTypes.InvalidId, c => c.Api.LookAsync(c.Text.Id[..21] + "B")),
        new("look: id with an encoded control character", HttpStatusCode.BadRequest, ProblemTypes.InvalidId, c => c.Api.LookAsync(c.Text.Id[..20] + "%1FA")),
        new("look: id with an encoded DEL", HttpStatusCode.BadRequest, ProblemTypes.InvalidId, c => c.Api.LookAsync(c.Text.Id[..20] + "%7FA")),
        new("look: id with an encoded path separator", HttpStatusCode.BadRequest, ProblemTypes.InvalidId, c => c.Api.LookAsync("..%2F..%2Fapi%2Fconfig")),
        new("look: id with unicode", HttpStatusCode.BadRequest, ProblemTypes.InvalidId, c => c.Api.LookAsync(c.Text.Id[..20] + "%C3%A9")),
        new("look: malformed access header", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, c => c.Api.LookAsync(c.Text.Id, "short")),
        new("open: unknown id", HttpStatusCode.NotFound, ProblemTypes.NotFound, c => c.Api.OpenAsync(TestSecret.B64(new byte[16]), c.Text.Secret.AccessKeyText)),
        new("open: malformed id", HttpStatusCode.BadRequest, ProblemTypes.InvalidId, c => c.Api.OpenAsync("abc", c.Text.Secret.AccessKeyText)),
        new("route: unknown path", HttpStatusCode.NotFound, ProblemTypes.NotFound, c => Send(c, HttpMethod.Get, "api/nothing-here")),
        new("route: wrong method", HttpStatusCode.MethodNotAllowed, ProblemTypes.MethodNotAllowed, c => Send(c, HttpMethod.Patch, $"api/secrets/{c.Text.Id}")),
        // --- open
        new("open: access key of 31 bytes", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            Open(_ => $"{{\"accessKey\":\"{TestSecret.B64(new byte[31])}\",\"passphraseProof\":null}}")),
        new("open: access key not base64url", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            Open(_ => "{\"accessKey\":\"%%%%\",\"passphraseProof\":null}")),
        new("open: access key not canonical", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            Open(c => $"{{\"accessKey\":\"{Noncanonical(c.Text.Secret.AccessKeyText)}\",\"passphraseProof\":null}}")),
        new("open: missing access key", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest, Open(_ => "{\"passphraseProof\":null}")),
        new("open: extra member", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            Open(c => $"{{\"accessKey\":\"{c.Text.Secret.AccessKeyText}\",\"passphraseProof\":null,\"force\":true}}")),
        new("open: access key twice", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            Open(c => $"{{\"accessKey\":\"{TestSecret.RandomKey()}\",\"accessKey\":\"{c.Text.Secret.AccessKeyText}\",\"passphraseProof\":null}}")),
        new("open: access key in PascalCase", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            Open(c => $"{{\"AccessKey\":\"{c.Text.Secret.AccessKeyText}\",\"passphraseProof\":null}}")),
        new("open: malformed passphrase proof", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            Open(c => $"{{\"accessKey\":\"{c.Text.Secret.AccessKeyText}\",\"passphraseProof\":\"abc\"}}")),
        new("open: wrong content type", HttpStatusCode.UnsupportedMediaType, ProblemTypes.UnsupportedMediaType,
            Open(c => $"{{\"accessKey\":\"{c.Text.Secret.AccessKeyText}\",\"passphraseProof\":null}}", "text/plain")),
        // --- manage
        new("manage: no token", HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized, c => Send(c, HttpMethod.Delete, $"api/secrets/{c.Text.Id}")),
        new("manage: basic auth", HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized, c => Send(c, HttpMethod.Delete, $"api/secrets/{c.Text.Id}",
            r => r.Headers.Authorization = new AuthenticationHeaderValue("Basic", c.Text.ManageToken))),
        new("manage: another secret's token", HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized, c => c.Api.DestroyAsync(c.Text.Id, c.Streamed.ManageToken)),
        // --- upload
        new("upload: wrong content type", HttpStatusCode.UnsupportedMediaType, ProblemTypes.UnsupportedMediaType,
            c => c.Api.UploadAsync(c.Streamed.Id, c.Streamed.ManageToken, c.Streamed.Secret.Stream!, contentType: "application/json")),
        new("upload: Content-Range without total", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            c => c.Api.UploadAsync(c.Streamed, c.Streamed.Secret.Stream![..100], "bytes 0-99")),
        new("upload: Content-Range backwards", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            c => c.Api.UploadAsync(c.Streamed, c.Streamed.Secret.Stream![..100], $"bytes 99-0/{c.Streamed.Secret.StreamBytes}")),
        new("upload: Content-Range with letters", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            c => c.Api.UploadAsync(c.Streamed, c.Streamed.Secret.Stream![..100], "bytes 0x0-99/ten")),
        new("upload: Content-Range of another total", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            c => c.Api.UploadAsync(c.Streamed, c.Streamed.Secret.Stream![..100], $"bytes 0-99/{c.Streamed.Secret.StreamBytes + 1}")),
        new("upload: part that does not start where the upload stands", HttpStatusCode.Conflict, ProblemTypes.UploadConflict,
            c => c.Api.UploadAsync(c.Streamed, c.Streamed.Secret.Stream![100..200], $"bytes 100-199/{c.Streamed.Secret.StreamBytes}")),
        new("upload: body shorter than its Content-Range", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            c => c.Api.UploadAsync(c.Streamed, c.Streamed.Secret.Stream![..50], $"bytes 0-99/{c.Streamed.Secret.StreamBytes}")),
        new("upload: truncated stream", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            c => c.Api.UploadAsync(c.Streamed, c.Streamed.Secret.Stream![..^1], chunked: true)),
        new("upload: stream with extra bytes", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            c => c.Api.UploadAsync(c.Streamed, [.. c.Streamed.Secret.Stream!, 0], chunked: true)),
        new("upload: secret without a stream", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            c => c.Api.UploadAsync(c.Text.Id, c.Text.ManageToken, new byte[10])),
        new("upload: no token", HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized,
            c => c.Api.UploadAsync(c.Streamed.Id, "", c.Streamed.Secret.Stream!)),
        // --- download
        new("download: made-up token", HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized, c => c.Api.DownloadAsync(c.Streamed.Id, TestSecret.RandomKey())),
        new("download: manage token instead", HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized, c => c.Api.DownloadAsync(c.Streamed.Id, c.Streamed.ManageToken)),
        new("download end: made-up token", HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized, c => c.Api.EndDownloadAsync(c.Streamed.Id, TestSecret.RandomKey())),
    ];
}
