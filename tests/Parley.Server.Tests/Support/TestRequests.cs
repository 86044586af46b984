using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Parley.Contracts.Requests;
using Parley.Server.Features.Requests;
using Parley.Server.Features.Secrets;

namespace Parley.Server.Tests.Support;

/// <summary>
/// What a requester sends, as random tokens of the right shapes (the key agreement is the clients'
/// business; the server sees only tokens, hashes and E).
/// </summary>
internal sealed class TestRequest(string? label = "VPN password for ACME", int expiresInSeconds = 3600)
{
    public byte[] RequestToken { get; } = RandomNumberGenerator.GetBytes(32);

    public byte[] SendToken { get; } = RandomNumberGenerator.GetBytes(32);

    public string? Label { get; } = label;

    public int ExpiresInSeconds { get; } = expiresInSeconds;

    public string RequestTokenText => TestSecret.B64(RequestToken);

    public string SendTokenText => TestSecret.B64(SendToken);

    public CreateRequestRequest ToRequest() =>
        new(TestSecret.B64(SHA256.HashData(RequestToken)), TestSecret.B64(SHA256.HashData(SendToken)), Label, ExpiresInSeconds);
}

/// <summary>A created request: its id, expiry, and what created it.</summary>
internal sealed record CreatedRequest(TestRequest Request, string Id, DateTimeOffset ExpiresAt);

/// <summary>An answer as a responder sends it: the secret's content and an ephemeral public key.</summary>
internal sealed class TestAnswer(TestSecret secret)
{
    public TestSecret Secret { get; } = secret;

    public byte[] EphemeralKey { get; } = RandomNumberGenerator.GetBytes(32);

    public AnswerRequestRequest ToRequest(CreatedRequest request) => ToRequest(request.Request.SendTokenText);

    public AnswerRequestRequest ToRequest(string sendToken)
    {
        var s = Secret.ToRequest();
        return new AnswerRequestRequest(sendToken, TestSecret.B64(EphemeralKey), s.Manifest, s.AccessVerifier!, s.StreamBytes);
    }
}

/// <summary>The requests API over real HTTP, as a thin typed layer for tests.</summary>
internal sealed class RequestsHttp(HttpClient http)
{
    public HttpClient Http { get; } = http;

    public SecretsHttp Secrets { get; } = new(http);

    public async Task<CreatedRequest> CreateAsync(TestRequest request)
    {
        using var response = await Secrets.PostJsonAsync("api/requests", request.ToRequest(), RequestsJsonContext.Default.CreateRequestRequest);
        var body = await response.ShouldBeJsonAsync(HttpStatusCode.Created, RequestsJsonContext.Default.CreateRequestResponse);
        response.Headers.Location!.ToString().ShouldBe("/api/requests/" + body.Id);
        return new CreatedRequest(request, body.Id, body.ExpiresAt);
    }

    public Task<HttpResponseMessage> LookAsync(string id, string? sendToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"api/requests/{id}");
        if (sendToken is not null)
        {
            request.Headers.TryAddWithoutValidation("Parley-Access", sendToken);
        }

        return Http.SendAsync(request);
    }

    public Task<HttpResponseMessage> LookAsync(CreatedRequest r) => LookAsync(r.Id, r.Request.SendTokenText);

    public Task<HttpResponseMessage> AnswerAsync(string id, AnswerRequestRequest body) =>
        Secrets.PostJsonAsync($"api/requests/{id}/answer", body, RequestsJsonContext.Default.AnswerRequestRequest);

    public Task<HttpResponseMessage> AnswerAsync(CreatedRequest r, TestAnswer answer) => AnswerAsync(r.Id, answer.ToRequest(r));

    /// <summary>Posts an answer that must be accepted; returns the answer's secret as a <see cref="Created"/> (upload token as manage token).</summary>
    public async Task<Created> AnswerOkAsync(CreatedRequest r, TestAnswer answer)
    {
        using var response = await AnswerAsync(r, answer);
        var body = await response.ShouldBeJsonAsync(HttpStatusCode.Created, RequestsJsonContext.Default.AnswerRequestResponse);
        response.Headers.Location!.ToString().ShouldBe("/api/secrets/" + body.SecretId);
        body.UploadRequired.ShouldBe(answer.Secret.StreamBytes is not null);
        body.ExpiresAt.ShouldBe(r.ExpiresAt);
        return new Created(answer.Secret, body.SecretId, body.UploadToken, body.ExpiresAt);
    }

    public Task<HttpResponseMessage> OpenAnswerAsync(string id, string requestToken) =>
        Http.SendAsync(Bearer(new HttpRequestMessage(HttpMethod.Get, $"api/requests/{id}/answer"), requestToken));

    public Task<HttpResponseMessage> OpenAnswerAsync(CreatedRequest r) => OpenAnswerAsync(r.Id, r.Request.RequestTokenText);

    public Task<HttpResponseMessage> StatusAsync(string id, string requestToken) =>
        Http.SendAsync(Bearer(new HttpRequestMessage(HttpMethod.Get, $"api/requests/{id}/manage"), requestToken));

    public async Task<RequestStatusResponse> StatusOfAsync(CreatedRequest r)
    {
        using var response = await StatusAsync(r.Id, r.Request.RequestTokenText);
        return await response.ShouldBeJsonAsync(HttpStatusCode.OK, RequestsJsonContext.Default.RequestStatusResponse);
    }

    public Task<HttpResponseMessage> DestroyAsync(string id, string requestToken) =>
        Http.SendAsync(Bearer(new HttpRequestMessage(HttpMethod.Delete, $"api/requests/{id}"), requestToken));

    public Task<HttpResponseMessage> DestroyAsync(CreatedRequest r) => DestroyAsync(r.Id, r.Request.RequestTokenText);

    private static HttpRequestMessage Bearer(HttpRequestMessage request, string token)
    {
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        return request;
    }
}

internal static class RequestServerExtensions
{
    public static IRequestStore RequestStore(this ParleyTestServer server) =>
        (IRequestStore)server.Services.GetService(typeof(IRequestStore))!;

    public static RequestsSweeper RequestSweeper(this ParleyTestServer server) =>
        (RequestsSweeper)server.Services.GetService(typeof(RequestsSweeper))!;

    public static RequestsHttp Requests(this ParleyTestServer server) => new(server.Client);

    public static async Task<RequestRecord> RequestRecordAsync(this ParleyTestServer server, string id)
    {
        SecretId.TryParse(id, out var requestId).ShouldBeTrue();
        return (await server.RequestStore().FindAsync(requestId, CancellationToken.None)).ShouldNotBeNull();
    }
}
