using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Parley.Contracts;
using Parley.Contracts.Secrets;
using Parley.Server.Infrastructure.Text;

namespace Parley.Server.Tests.Support;

/// <summary>
/// What a client would send, as opaque random bytes of the right shapes (the real format is the
/// client's business): sealed manifests, keys, verifiers, streams.
/// </summary>
internal sealed class TestSecret
{
    public TestSecret(int manifestBlocks = 1, string? passphrase = null, long? streamBytes = null, int maxViews = 1, int expiresInSeconds = 3600)
    {
        Manifest = RandomNumberGenerator.GetBytes(29 + (256 * manifestBlocks));
        Manifest[0] = 0x01;
        AccessKey = RandomNumberGenerator.GetBytes(32);
        if (passphrase is not null)
        {
            PassphraseProof = SHA256.HashData(Encoding.UTF8.GetBytes("proof:" + passphrase));
            Salt = RandomNumberGenerator.GetBytes(16);
        }

        StreamBytes = streamBytes;
        Stream = streamBytes is { } n ? RandomNumberGenerator.GetBytes(checked((int)n)) : null;
        MaxViews = maxViews;
        ExpiresInSeconds = expiresInSeconds;
    }

    public byte[] Manifest { get; }
    public byte[] AccessKey { get; }
    public byte[]? PassphraseProof { get; }
    public byte[]? Salt { get; }
    public long? StreamBytes { get; }
    public byte[]? Stream { get; }
    public int MaxViews { get; }
    public int ExpiresInSeconds { get; }

    public string AccessKeyText => B64(AccessKey);

    public string? PassphraseProofText => PassphraseProof is null ? null : B64(PassphraseProof);

    public CreateSecretRequest ToRequest() => new(
        B64(Manifest),
        B64(SHA256.HashData(AccessKey)),
        PassphraseProof is null ? null : new PassphraseParameters(PassphraseParameters.Pbkdf2Sha256, B64(Salt!), 600_000, B64(SHA256.HashData(PassphraseProof))),
        ExpiresInSeconds,
        MaxViews,
        StreamBytes);

    public static string B64(ReadOnlySpan<byte> bytes) => Base64Url.Encode(bytes);

    public static string RandomKey() => B64(RandomNumberGenerator.GetBytes(32));

    /// <summary>The sealed length of a stream of <paramref name="plaintext"/> bytes (docs/secret-format.md §3).</summary>
    public static long StreamLength(long plaintext) => 8 + plaintext + (16 * Math.Max(1, (plaintext + 65535) / 65536));
}

/// <summary>A created secret: its id, its manage token, and what created it.</summary>
internal sealed record Created(TestSecret Secret, string Id, string ManageToken, DateTimeOffset ExpiresAt);

/// <summary>The secrets API over real HTTP, as a thin typed layer for tests.</summary>
internal sealed class SecretsHttp(HttpClient http)
{
    public HttpClient Http { get; } = http;

    public async Task<Created> CreateAsync(TestSecret secret)
    {
        using var response = await PostJsonAsync("api/secrets", secret.ToRequest(), ParleyJsonContext.Default.CreateSecretRequest);
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var body = (await response.Content.ReadFromJsonAsync(ParleyJsonContext.Default.CreateSecretResponse))!;
        response.Headers.Location!.ToString().ShouldBe("/api/secrets/" + body.Id);
        body.UploadRequired.ShouldBe(secret.StreamBytes is not null);
        return new Created(secret, body.Id, body.ManageToken, body.ExpiresAt);
    }

    public async Task<Created> CreateUploadedAsync(TestSecret secret)
    {
        var created = await CreateAsync(secret);
        using var response = await UploadAsync(created, secret.Stream!);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return created;
    }

    public Task<HttpResponseMessage> PostJsonAsync<T>(string path, T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        Http.PostAsync(path, JsonContent.Create(value, type));

    public Task<HttpResponseMessage> PostRawAsync(string path, string body, string? contentType = "application/json")
    {
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = contentType is null ? null : MediaTypeHeaderValue.Parse(contentType);
        // Expect: 100-continue lets a server refuse a body it will not read before the client sends it.
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.ExpectContinue = body.Length > 64 * 1024;
        return Http.SendAsync(request);
    }

    public Task<HttpResponseMessage> OpenAsync(string id, string accessKey, string? passphraseProof = null) =>
        PostJsonAsync($"api/secrets/{id}/open", new OpenSecretRequest(accessKey, passphraseProof), ParleyJsonContext.Default.OpenSecretRequest);

    public Task<HttpResponseMessage> OpenAsync(Created c) => OpenAsync(c.Id, c.Secret.AccessKeyText, c.Secret.PassphraseProofText);

    public Task<HttpResponseMessage> LookAsync(string id, string? accessKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"api/secrets/{id}");
        if (accessKey is not null)
        {
            request.Headers.Add(SecretHeaders.Access, accessKey);
        }

        return Http.SendAsync(request);
    }

    public Task<HttpResponseMessage> StatusAsync(string id, string token) =>
        Http.SendAsync(WithBearer(new HttpRequestMessage(HttpMethod.Get, $"api/secrets/{id}/manage"), token));

    public async Task<SecretStatusResponse> StatusOfAsync(Created c)
    {
        using var response = await StatusAsync(c.Id, c.ManageToken);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync(ParleyJsonContext.Default.SecretStatusResponse))!;
    }

    public Task<HttpResponseMessage> DestroyAsync(string id, string token) =>
        Http.SendAsync(WithBearer(new HttpRequestMessage(HttpMethod.Delete, $"api/secrets/{id}"), token));

    public Task<HttpResponseMessage> UploadAsync(Created c, byte[] body, string? contentRange = null, bool chunked = false) =>
        UploadAsync(c.Id, c.ManageToken, body, contentRange, chunked);

    public Task<HttpResponseMessage> UploadAsync(string id, string token, byte[] body, string? contentRange = null, bool chunked = false,
        string contentType = "application/octet-stream")
    {
        HttpContent content = chunked ? new UnsizedContent(body) : new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);

        if (contentRange is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Range", contentRange);
        }

        return Http.SendAsync(WithBearer(new HttpRequestMessage(HttpMethod.Put, $"api/secrets/{id}/stream") { Content = content }, token));
    }

    public Task<HttpResponseMessage> DownloadAsync(string id, string token, string? range = null)
    {
        var request = WithBearer(new HttpRequestMessage(HttpMethod.Get, $"api/secrets/{id}/stream"), token);
        if (range is not null)
        {
            request.Headers.TryAddWithoutValidation("Range", range);
        }

        return Http.SendAsync(request);
    }

    public Task<HttpResponseMessage> EndDownloadAsync(string id, string token) =>
        Http.SendAsync(WithBearer(new HttpRequestMessage(HttpMethod.Delete, $"api/secrets/{id}/stream"), token));

    private static HttpRequestMessage WithBearer(HttpRequestMessage request, string token)
    {
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        return request;
    }
}

/// <summary>A body sent with chunked transfer encoding: its length is not announced.</summary>
internal sealed class UnsizedContent(byte[] body) : HttpContent
{
    protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) => stream.WriteAsync(body).AsTask();

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}

internal static class ResponseAssertions
{
    /// <summary>Asserts an RFC 9457 answer with this status and stable type; returns its members.</summary>
    public static async Task<JsonElement> ShouldBeProblemAsync(this HttpResponseMessage response, HttpStatusCode status, string type)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(status, text);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json", text);
        var json = JsonDocument.Parse(text).RootElement.Clone();
        json.GetProperty("type").GetString().ShouldBe(type, text);
        json.GetProperty("status").GetInt32().ShouldBe((int)status);
        json.GetProperty("title").GetString().ShouldNotBeNullOrWhiteSpace();
        return json;
    }

    public static async Task<T> ShouldBeJsonAsync<T>(this HttpResponseMessage response, HttpStatusCode status,
        System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(status, text);
        return JsonSerializer.Deserialize(text, type)!;
    }
}
