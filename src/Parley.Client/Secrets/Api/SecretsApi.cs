using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Parley.Contracts;
using Parley.Contracts.Requests;
using Parley.Contracts.Secrets;

namespace Parley.Client.Secrets.Api;

/// <summary>
/// Typed client for the secrets HTTP API (docs/api.md). Every failure is a
/// <see cref="SecretsApiException"/> whose <see cref="ApiFailure"/> comes from the problem's
/// <c>type</c>. Uploads and downloads stream: memory stays bounded whatever the size.
/// </summary>
public sealed class SecretsApi : IDisposable
{
    private const int MaxProblemBytes = 64 * 1024;
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(60);
    private static readonly MediaTypeHeaderValue OctetStream = new("application/octet-stream");

    private readonly HttpClient _http;
    private readonly bool _ownsClient;

    /// <summary>A client for the server at <paramref name="server"/> (a base address; see <see cref="SecretLinks.NormalizeServer"/>).</summary>
    public SecretsApi(string server, HttpMessageHandler? handler = null)
    {
        Server = SecretLinks.NormalizeServer(server);
        handler ??= Network.ClientHandlers.Create();
        _http = new HttpClient(handler, disposeHandler: true)
        {
            BaseAddress = new Uri(Server + "/"),
            Timeout = Timeout.InfiniteTimeSpan, // uploads and downloads of any size; calls get CallTimeout
        };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("parley", "1"));
        _ownsClient = true;
    }

    /// <summary>The base address, without a trailing '/'.</summary>
    public string Server { get; }

    /// <summary>How long a download may go without receiving a byte before it fails as a network error.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public Task<SecretsConfigResponse> GetConfigAsync(CancellationToken cancellationToken = default) =>
        SendJsonAsync(HttpMethod.Get, "api/config", null, ParleyJsonContext.Default.SecretsConfigResponse, cancellationToken);

    public Task<CreateSecretResponse> CreateAsync(CreateSecretRequest request, CancellationToken cancellationToken = default) =>
        SendJsonAsync(HttpMethod.Post, "api/secrets", JsonContent.Create(request, ParleyJsonContext.Default.CreateSecretRequest),
            ParleyJsonContext.Default.CreateSecretResponse, cancellationToken);

    /// <summary><c>GET /api/secrets/{id}</c>, with <c>Parley-Access</c> when <paramref name="accessKey"/> is given.</summary>
    public Task<SecretLookResponse> LookAsync(string id, string? accessKey, CancellationToken cancellationToken = default) =>
        SendJsonAsync(HttpMethod.Get, SecretPath(id), null, ParleyJsonContext.Default.SecretLookResponse, cancellationToken,
            accessKey is null ? null : r => r.Headers.Add(SecretHeaders.Access, accessKey));

    public Task<OpenSecretResponse> OpenAsync(string id, OpenSecretRequest request, CancellationToken cancellationToken = default) =>
        SendJsonAsync(HttpMethod.Post, SecretPath(id) + "/open", JsonContent.Create(request, ParleyJsonContext.Default.OpenSecretRequest),
            ParleyJsonContext.Default.OpenSecretResponse, cancellationToken);

    /// <summary><c>DELETE /api/secrets/{id}/recipients</c>: destroys every link of a secret for several recipients.</summary>
    public Task DestroyAllAsync(string id, string manageToken, CancellationToken cancellationToken = default) =>
        DeleteAsync(SecretPath(id) + "/recipients", manageToken, cancellationToken);

    public Task<SecretStatusResponse> GetStatusAsync(string id, string manageToken, CancellationToken cancellationToken = default) =>
        SendJsonAsync(HttpMethod.Get, SecretPath(id) + "/manage", null, ParleyJsonContext.Default.SecretStatusResponse, cancellationToken,
            r => r.Headers.Authorization = Bearer(manageToken));

    public Task DestroyAsync(string id, string manageToken, CancellationToken cancellationToken = default) =>
        DeleteAsync(SecretPath(id), manageToken, cancellationToken);

    private async Task DeleteAsync(string path, string token, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, path);
        request.Headers.Authorization = Bearer(token);
        using var response = await SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken, CallTimeout).ConfigureAwait(false);
        await EnsureStatusAsync(response, HttpStatusCode.NoContent, cancellationToken).ConfigureAwait(false);
    }

    /// <summary><c>POST /api/requests</c> (docs/api.md, "Requests").</summary>
    public Task<CreateRequestResponse> CreateRequestAsync(CreateRequestRequest request, CancellationToken cancellationToken = default) =>
        SendJsonAsync(HttpMethod.Post, "api/requests", JsonContent.Create(request, RequestsJsonContext.Default.CreateRequestRequest),
            RequestsJsonContext.Default.CreateRequestResponse, cancellationToken);

    /// <summary><c>GET /api/requests/{id}</c> with the send token; changes nothing.</summary>
    public Task<RequestLookResponse> LookAtRequestAsync(string id, string sendToken, CancellationToken cancellationToken = default) =>
        SendJsonAsync(HttpMethod.Get, RequestPath(id), null, RequestsJsonContext.Default.RequestLookResponse, cancellationToken,
            r => r.Headers.Add(SecretHeaders.Access, Token(sendToken)));

    /// <summary><c>POST /api/requests/{id}/answer</c>: the request's one answer.</summary>
    public Task<AnswerRequestResponse> AnswerRequestAsync(string id, AnswerRequestRequest answer, CancellationToken cancellationToken = default) =>
        SendJsonAsync(HttpMethod.Post, RequestPath(id) + "/answer", JsonContent.Create(answer, RequestsJsonContext.Default.AnswerRequestRequest),
            RequestsJsonContext.Default.AnswerRequestResponse, cancellationToken);

    /// <summary><c>GET /api/requests/{id}/answer</c> with the request token: where the answer is.</summary>
    public Task<RequestAnswerResponse> GetRequestAnswerAsync(string id, string requestToken, CancellationToken cancellationToken = default) =>
        SendJsonAsync(HttpMethod.Get, RequestPath(id) + "/answer", null, RequestsJsonContext.Default.RequestAnswerResponse, cancellationToken,
            r => r.Headers.Authorization = Bearer(requestToken));

    public Task<RequestStatusResponse> GetRequestStatusAsync(string id, string requestToken, CancellationToken cancellationToken = default) =>
        SendJsonAsync(HttpMethod.Get, RequestPath(id) + "/manage", null, RequestsJsonContext.Default.RequestStatusResponse, cancellationToken,
            r => r.Headers.Authorization = Bearer(requestToken));

    public Task DestroyRequestAsync(string id, string requestToken, CancellationToken cancellationToken = default) =>
        DeleteAsync(RequestPath(id), requestToken, cancellationToken);

    /// <summary>
    /// Uploads the sealed file stream: the whole body in one request, or with
    /// <paramref name="partSize"/> in <c>Content-Range</c> parts (for proxies that cap request
    /// bodies). Reads <paramref name="source"/> exactly once, forward only. Reports bytes sent.
    /// </summary>
    public async Task UploadStreamAsync(string id, string manageToken, Stream source, long totalBytes, long? partSize = null,
        IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(totalBytes);
        if (partSize is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(partSize));
        }

        var counting = new ProgressStream(source, progress, leaveOpen: true);
        long position = 0;
        while (position < totalBytes)
        {
            var length = partSize is { } p ? Math.Min(p, totalBytes - position) : totalBytes;
            using var request = new HttpRequestMessage(HttpMethod.Put, SecretPath(id) + "/stream");
            request.Headers.Authorization = Bearer(manageToken);
            request.Headers.ExpectContinue = true; // a refusal comes back before the body is sent
            var content = new StreamContent(new ProgressStream(counting, null, leaveOpen: true, limit: length), 81920);
            content.Headers.ContentType = OctetStream;
            content.Headers.ContentLength = length;
            if (partSize is not null)
            {
                content.Headers.ContentRange = new ContentRangeHeaderValue(position, position + length - 1, totalBytes);
            }

            request.Content = content;
            using var response = await SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken, null).ConfigureAwait(false);
            position += length;
            if (position < totalBytes)
            {
                await EnsureStatusAsync(response, HttpStatusCode.NoContent, cancellationToken).ConfigureAwait(false);
                if (!response.Headers.TryGetValues(SecretHeaders.Received, out var values)
                    || !long.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var received)
                    || received != position)
                {
                    throw Unexpected("The server did not confirm the uploaded part.", (int)response.StatusCode);
                }
            }
            else
            {
                var done = await ReadJsonAsync(response, HttpStatusCode.OK, ParleyJsonContext.Default.UploadCompleteResponse, cancellationToken).ConfigureAwait(false);
                if (!done.Complete)
                {
                    throw Unexpected("The server did not confirm the complete upload.", (int)response.StatusCode);
                }
            }
        }
    }

    /// <summary>
    /// Starts downloading the sealed file stream. The returned stream owns the response; it reports
    /// bytes received to <paramref name="progress"/> and fails with <see cref="ApiFailure.Network"/>
    /// when the connection drops or stalls.
    /// </summary>
    public async Task<Stream> DownloadStreamAsync(string id, string downloadToken, long expectedBytes, IProgress<long>? progress = null,
        CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, SecretPath(id) + "/stream");
        request.Headers.Authorization = Bearer(downloadToken);
        var response = await SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken, CallTimeout).ConfigureAwait(false);
        try
        {
            await EnsureStatusAsync(response, HttpStatusCode.OK, cancellationToken).ConfigureAwait(false);
            if (response.Content.Headers.ContentLength is { } length && length != expectedBytes)
            {
                throw Unexpected("The server sent a file stream of the wrong length.", 200);
            }

            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            return new ProgressStream(body, progress, leaveOpen: false, owner: response, idleTimeout: IdleTimeout, limit: expectedBytes + 1);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>Asks the server to drop the stream now that it has been decrypted (best effort by nature).</summary>
    public Task DeleteStreamAsync(string id, string downloadToken, CancellationToken cancellationToken = default) =>
        DeleteAsync(SecretPath(id) + "/stream", downloadToken, cancellationToken);

    public void Dispose()
    {
        if (_ownsClient)
        {
            _http.Dispose();
        }
    }

    private static string SecretPath(string id) => "api/secrets/" + SecretLinks.RequireId(id);

    private static string RequestPath(string id) => "api/requests/" + SecretLinks.RequireId(id);

    private static AuthenticationHeaderValue Bearer(string token) => new("Bearer", Token(token));

    private static string Token(string token) =>
        Base64UrlStrict.TryDecode(token, SecretFormat.ManageTokenSize, out _)
            ? token
            : throw new ArgumentException("A token is 32 bytes of base64url.", nameof(token));

    private async Task<T> SendJsonAsync<T>(HttpMethod method, string path, HttpContent? content, JsonTypeInfo<T> type,
        CancellationToken cancellationToken, Action<HttpRequestMessage>? configure = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        configure?.Invoke(request);
        using var response = await SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken, CallTimeout).ConfigureAwait(false);
        var expected = method == HttpMethod.Post && (path is "api/secrets" or "api/requests" || path.EndsWith("/answer", StringComparison.Ordinal))
            ? HttpStatusCode.Created
            : HttpStatusCode.OK;
        return await ReadJsonAsync(response, expected, type, cancellationToken).ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, HttpCompletionOption completion,
        CancellationToken cancellationToken, TimeSpan? timeout)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout is { } t)
        {
            cts.CancelAfter(t);
        }

        try
        {
            return await _http.SendAsync(request, completion, cts.Token).ConfigureAwait(false);
        }
        catch (HttpRequestException e) when (FindLocal(e) is { } local)
        {
            // Reading the local source failed (a file changed while it was sent): not a network error.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(local).Throw();
            throw;
        }
        catch (Network.ProxyException e)
        {
            throw new SecretsApiException(ApiFailure.Network, $"Could not reach the server at {Server}: {e.Message}", e);
        }
        catch (HttpRequestException e)
        {
            throw new SecretsApiException(ApiFailure.Network, $"Could not reach the server at {Server}: {Describe(e)}", e);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SecretsApiException(ApiFailure.Network, $"The server at {Server} did not answer in time.", e);
        }
        catch (IOException e)
        {
            throw new SecretsApiException(ApiFailure.Network, $"The connection to {Server} failed: {e.Message}", e);
        }
    }

    private static Exception? FindLocal(Exception e)
    {
        for (var inner = e.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is InvalidDataException or SecretFormatException or UnauthorizedAccessException or FileNotFoundException)
            {
                return inner;
            }
        }

        return null;
    }

    private static string Describe(HttpRequestException e) =>
        e.HttpRequestError switch
        {
            HttpRequestError.ConnectionError => "connection refused or unreachable",
            HttpRequestError.NameResolutionError => "the host name could not be resolved",
            HttpRequestError.SecureConnectionError => "the TLS connection failed",
            _ => e.InnerException?.Message ?? e.Message,
        };

    private static async Task<T> ReadJsonAsync<T>(HttpResponseMessage response, HttpStatusCode expected, JsonTypeInfo<T> type,
        CancellationToken cancellationToken)
    {
        await EnsureStatusAsync(response, expected, cancellationToken).ConfigureAwait(false);
        try
        {
            var value = await response.Content.ReadFromJsonAsync(type, cancellationToken).ConfigureAwait(false);
            return value ?? throw Unexpected("The server sent an empty answer.", (int)response.StatusCode);
        }
        catch (JsonException e)
        {
            throw new SecretsApiException(ApiFailure.UnexpectedResponse, "The server's answer does not follow the Parley API.", e)
            {
                Status = (int)response.StatusCode,
            };
        }
    }

    private static async Task EnsureStatusAsync(HttpResponseMessage response, HttpStatusCode expected, CancellationToken cancellationToken)
    {
        if (response.StatusCode == expected)
        {
            return;
        }

        throw await ProblemAsync(response, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<SecretsApiException> ProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        JsonElement problem = default;
        var isProblem = false;
        if (response.Content.Headers.ContentType?.MediaType is "application/problem+json" or "application/json")
        {
            try
            {
                var bytes = await ReadLimitedAsync(response.Content, cancellationToken).ConfigureAwait(false);
                problem = JsonDocument.Parse(bytes).RootElement;
                isProblem = problem.ValueKind == JsonValueKind.Object;
            }
            catch (Exception e) when (e is JsonException or IOException or HttpRequestException)
            {
                isProblem = false;
            }
        }

        var type = isProblem && problem.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        var failure = SecretsApiException.FailureFor(type) ?? status switch
        {
            413 => ApiFailure.PayloadTooLarge,
            429 => ApiFailure.RateLimited,
            >= 500 => ApiFailure.ServerError,
            _ => ApiFailure.UnexpectedResponse,
        };
        var detail = isProblem && problem.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
        var message = failure == ApiFailure.UnexpectedResponse
            ? $"The server answered {status} {response.ReasonPhrase}, which the Parley API does not explain here."
            : detail ?? $"The server answered {status} ({type ?? response.ReasonPhrase}).";
        return new SecretsApiException(failure, message)
        {
            Status = status,
            ProblemType = type,
            AttemptsLeft = isProblem ? Int(problem, "attemptsLeft") : null,
            OpenedAt = isProblem ? Times(problem, "openedAt") : [],
            At = isProblem ? Time(problem, "expiredAt") ?? Time(problem, "destroyedAt") ?? Time(problem, "burnedAt") ?? Time(problem, "answeredAt") : null,
            Received = isProblem && problem.TryGetProperty("received", out var r) && r.TryGetInt64(out var rv) ? rv : null,
            RetryAfter = response.Headers.RetryAfter?.Delta,
            Errors = isProblem ? Errors(problem) : new Dictionary<string, string[]>(),
        };
    }

    private static async Task<byte[]> ReadLimitedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int n;
        while ((n = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + n > MaxProblemBytes)
            {
                throw new IOException("Problem document too large.");
            }

            buffer.Write(chunk, 0, n);
        }

        return buffer.ToArray();
    }

    private static int? Int(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.TryGetInt32(out var i) ? i : null;

    private static DateTimeOffset? Time(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.TryGetDateTimeOffset(out var t) ? t : null;

    private static DateTimeOffset[] Times(JsonElement e, string name)
    {
        if (!e.TryGetProperty(name, out var v))
        {
            return [];
        }

        if (v.ValueKind == JsonValueKind.String && v.TryGetDateTimeOffset(out var one))
        {
            return [one];
        }

        return v.ValueKind == JsonValueKind.Array
            ? [.. v.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String && x.TryGetDateTimeOffset(out _)).Select(x => x.GetDateTimeOffset())]
            : [];
    }

    private static Dictionary<string, string[]> Errors(JsonElement e)
    {
        var result = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (e.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
        {
            foreach (var member in errors.EnumerateObject())
            {
                result[member.Name] = member.Value.ValueKind == JsonValueKind.Array
                    ? [.. member.Value.EnumerateArray().Select(x => x.ToString())]
                    : [member.Value.ToString()];
            }
        }

        return result;
    }

    private static SecretsApiException Unexpected(string message, int status) =>
        new(ApiFailure.UnexpectedResponse, message) { Status = status };
}
