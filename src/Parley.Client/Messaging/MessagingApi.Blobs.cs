using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Parley.Client.Secrets.Api;
using Parley.Contracts.Blobs;

namespace Parley.Client.Messaging;

/// <summary>
/// The blob routes (docs/messaging-api.md, "Blobs"): announce, upload, fetch and release the sealed
/// bytes of an attachment. Bytes move as streams, never whole in memory; a transfer has no overall
/// time limit but fails when no byte moves for <see cref="TransferIdleTimeout"/>.
/// </summary>
public sealed partial class MessagingApi
{
    private static readonly TimeSpan TransferIdleTimeout = TimeSpan.FromSeconds(60);

    public Task<BlobLimitsResponse> GetBlobLimitsAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, "api/blobs/limits", null, BlobsJsonContext.Default.BlobLimitsResponse, cancellationToken);

    /// <summary>Announces a blob of <c>size</c> sealed bytes that the holders of these fetch tokens (given as SHA-256 verifiers) may fetch.</summary>
    public Task<CreateBlobResponse> CreateBlobAsync(CreateBlobRequest request, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, "api/blobs", JsonContent.Create(request, BlobsJsonContext.Default.CreateBlobRequest),
            BlobsJsonContext.Default.CreateBlobResponse, cancellationToken);

    /// <summary>
    /// Sends the blob's bytes: exactly <paramref name="length"/> bytes read once, forward only, from
    /// <paramref name="content"/>. A failure of the source itself (the file changed while it was sealed)
    /// is rethrown as it is, not as a network failure.
    /// </summary>
    public async Task UploadBlobAsync(string id, Stream content, long length, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        using var request = new HttpRequestMessage(HttpMethod.Put, BlobPath(id));
        request.Headers.ExpectContinue = true; // a refusal comes back before the bytes are sent
        request.Content = new StreamContent(new ProgressStream(content, progress, leaveOpen: true, limit: length, failure: NetworkFailure), 81920);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        request.Content.Headers.ContentLength = length;
        HttpResponseMessage response;
        try
        {
            response = await SendRequestAsync(request, HttpCompletionOption.ResponseContentRead, null, cancellationToken).ConfigureAwait(false);
        }
        catch (MessagingApiException e) when (LocalFailure(e) is { } local)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(local).Throw();
            throw;
        }

        using (response)
        {
            await EnsureAsync(response, HttpStatusCode.NoContent, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Starts fetching a blob with a fetch token. The stream owns the response, reports bytes received and
    /// fails (network) when the connection drops or stalls, or when the server sends other than
    /// <paramref name="expectedBytes"/>; it never reads more than one byte past them.
    /// </summary>
    public async Task<Stream> FetchBlobAsync(string id, string fetchToken, long expectedBytes, IProgress<long>? progress = null,
        CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, BlobPath(id));
        request.Headers.Add(BlobHeaders.FetchToken, fetchToken);
        var response = await SendRequestAsync(request, HttpCompletionOption.ResponseHeadersRead, CallTimeout, cancellationToken).ConfigureAwait(false);
        try
        {
            await EnsureAsync(response, HttpStatusCode.OK, cancellationToken).ConfigureAwait(false);
            if (response.Content.Headers.ContentLength is { } length && length != expectedBytes)
            {
                throw new MessagingApiException((int)response.StatusCode, "urn:parley:client:unexpected-response",
                    "the server sent a blob of another size than the message announced");
            }

            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            return new ProgressStream(body, progress, leaveOpen: false, limit: expectedBytes + 1, owner: response,
                idleTimeout: TransferIdleTimeout, failure: NetworkFailure);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>Spends a fetch token: this recipient is done; the server deletes the blob when every recipient is.</summary>
    public async Task ReleaseBlobAsync(string id, string fetchToken, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, BlobPath(id));
        request.Headers.Add(BlobHeaders.FetchToken, fetchToken);
        using var response = await SendRequestAsync(request, HttpCompletionOption.ResponseContentRead, CallTimeout, cancellationToken).ConfigureAwait(false);
        await EnsureAsync(response, HttpStatusCode.NoContent, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The uploader deletes its blob now, whoever has fetched it.</summary>
    public Task DeleteBlobAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync<object>(HttpMethod.Delete, BlobPath(id), null, null, cancellationToken);

    private static string BlobPath(string id) =>
        id is { Length: 22 } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            ? "api/blobs/" + id
            : throw new ArgumentException("A blob id is 22 base64url characters.", nameof(id));

    private static async Task EnsureAsync(HttpResponseMessage response, HttpStatusCode expected, CancellationToken cancellationToken)
    {
        if (response.StatusCode != expected)
        {
            throw response.IsSuccessStatusCode
                ? new MessagingApiException((int)response.StatusCode, "urn:parley:client:unexpected-response", response.ReasonPhrase)
                : await ProblemAsync(response, cancellationToken).ConfigureAwait(false);
        }
    }

    private static MessagingApiException NetworkFailure(string message, Exception inner) => new(message, inner);

    private static Exception? LocalFailure(Exception e)
    {
        for (var inner = e.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is InvalidDataException or UnauthorizedAccessException or FileNotFoundException)
            {
                return inner;
            }
        }

        return null;
    }
}
