using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Parley.Contracts.Blobs;
using Parley.Server.Features.Messaging;
using Parley.Server.Infrastructure.Http;
using Parley.Server.Infrastructure.Text;

namespace Parley.Server.Features.Blobs;

/// <summary>
/// The handlers of the blob routes (docs/messaging-api.md, "Blobs"). Every caller is a logged-in account;
/// only the uploader sends the bytes or deletes early, and only the holder of an unspent fetch token reads
/// them. Each handler validates all input before any state change.
/// </summary>
internal sealed class BlobsApi(IBlobStore store, IOptions<BlobsOptions> options, TimeProvider time, ILogger<BlobsApi> logger)
{
    private const int TokenBytes = 32;
    private readonly BlobsOptions _o = options.Value;

    public IResult Limits() => TypedResults.Json(new BlobLimitsResponse(_o.MaxBlobBytes, (int)_o.DefaultExpiry.TotalSeconds,
        (int)_o.MaxExpiry.TotalSeconds, _o.MaxFetchTokens, _o.MaxStoredBytesPerAccount), BlobsJsonContext.Default.BlobLimitsResponse);

    public async Task<IResult> CreateAsync(HttpContext context)
    {
        // Room for the largest list of verifiers (44 characters and punctuation each) and the rest.
        var (request, problem) = await JsonBody.ReadAsync(context.Request, BlobsJsonContext.Default.CreateBlobRequest, 1024 + (48L * _o.MaxFetchTokens));
        if (problem is not null)
        {
            return problem;
        }

        var r = request!;
        if (r.Size > _o.MaxBlobBytes)
        {
            return BlobsProblems.TooLarge(_o.MaxBlobBytes);
        }

        var errors = new Dictionary<string, string[]>();
        if (r.Size < 1)
        {
            errors["size"] = ["must be a positive number of bytes"];
        }

        var expiry = r.ExpiresInSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : _o.DefaultExpiry;
        if (expiry < TimeSpan.FromMinutes(1) || expiry > _o.MaxExpiry)
        {
            errors["expiresInSeconds"] = [$"must lie between 60 and {(long)_o.MaxExpiry.TotalSeconds}, or be null for {(long)_o.DefaultExpiry.TotalSeconds}"];
        }

        var hashes = new List<byte[]>();
        if (r.FetchVerifiers.Count is < 1 || r.FetchVerifiers.Count > _o.MaxFetchTokens)
        {
            errors["fetchVerifiers"] = [$"must hold 1 to {_o.MaxFetchTokens} verifiers"];
        }
        else
        {
            foreach (var verifier in r.FetchVerifiers)
            {
                var hash = new byte[SHA256.HashSizeInBytes];
                if (verifier is null || !Base64Url.TryDecodeExact(verifier, hash))
                {
                    errors["fetchVerifiers"] = ["each is SHA-256 of a fetch token: 32 bytes, base64url"];
                    break;
                }

                hashes.Add(hash);
            }

            if (!errors.ContainsKey("fetchVerifiers") && hashes.Select(Convert.ToHexString).Distinct().Count() != hashes.Count)
            {
                errors["fetchVerifiers"] = ["must not repeat"];
            }
        }

        if (errors.Count > 0)
        {
            return Problems.InvalidRequest("The request has invalid members.", errors);
        }

        var now = time.GetUtcNow();
        var expiresAt = DateTimeOffset.FromUnixTimeMilliseconds((now + expiry).ToUnixTimeMilliseconds());
        var id = BlobId.New();
        if (!await store.CreateAsync(new NewBlob(id, context.User.Name(), r.Size, now, expiresAt, hashes), _o.MaxStoredBytesPerAccount,
                context.RequestAborted))
        {
            BlobsLog.QuotaExceeded(logger, _o.MaxStoredBytesPerAccount);
            return BlobsProblems.QuotaExceeded(_o.MaxStoredBytesPerAccount);
        }

        BlobsLog.Created(logger, r.Size, hashes.Count, (long)expiry.TotalSeconds);
        context.Response.Headers.Location = "/api/blobs/" + id;
        return TypedResults.Json(new CreateBlobResponse(id.Text, expiresAt), BlobsJsonContext.Default.CreateBlobResponse,
            statusCode: StatusCodes.Status201Created);
    }

    public async Task<IResult> UploadAsync(string id, HttpContext context)
    {
        // Up to the largest blob from the start, so that a refused body can still be drained and answered;
        // the exact size is set once the blob is known.
        var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false })
        {
            sizeFeature.MaxRequestBodySize = _o.MaxBlobBytes;
        }

        if (!BlobId.TryParse(id, out var blobId))
        {
            return Problems.InvalidId();
        }

        var request = context.Request;
        if (!JsonBody.HasMediaType(request.ContentType, "application/octet-stream", allowCharset: false))
        {
            return Problems.UnsupportedMediaType("application/octet-stream");
        }

        var record = await store.FindAsync(blobId, context.RequestAborted);
        var now = time.GetUtcNow();
        if (record is null || record.Owner != context.User.Name() || record.ExpiresAt <= now)
        {
            return BlobsProblems.NotFound();
        }

        if (record.Uploaded)
        {
            return BlobsProblems.AlreadyUploaded();
        }

        if (request.ContentLength is { } length && length != record.Size)
        {
            return Problems.InvalidRequest("Content-Length", $"must be {record.Size}, the size announced");
        }

        if (sizeFeature is { IsReadOnly: false })
        {
            // Kestrel counts chunked framing toward the limit; the store never reads more than one byte past the size.
            sizeFeature.MaxRequestBodySize = record.Size + (record.Size / 16) + (64 * 1024);
        }

        var outcome = await store.UploadAsync(blobId, record.Owner, request.Body, now, context.RequestAborted);
        switch (outcome)
        {
            case BlobUpload.Stored:
                BlobsLog.Uploaded(logger, record.Size);
                return TypedResults.NoContent();
            case BlobUpload.Truncated:
                BlobsLog.UploadRefused(logger, outcome);
                return Problems.InvalidRequest("body", $"ended before the {record.Size} bytes announced; nothing was stored");
            case BlobUpload.TooLong:
                BlobsLog.UploadRefused(logger, outcome);
                return Problems.InvalidRequest("body", $"is longer than the {record.Size} bytes announced; nothing was stored");
            case BlobUpload.Conflict:
                BlobsLog.UploadRefused(logger, outcome);
                return BlobsProblems.AlreadyUploaded();
            default:
                return BlobsProblems.NotFound();
        }
    }

    public async Task<IResult> DownloadAsync(string id, HttpContext context)
    {
        if (!BlobId.TryParse(id, out var blobId))
        {
            return Problems.InvalidId();
        }

        if (!TryFetchTokenHash(context.Request, out var hash) || hash is null)
        {
            return BlobsProblems.BadToken();
        }

        if (!await store.CanFetchAsync(blobId, hash, time.GetUtcNow(), context.RequestAborted)
            || await store.FindAsync(blobId, context.RequestAborted) is not { } record)
        {
            return BlobsProblems.NotFound();
        }

        return new BlobResult(store, blobId, record.Size);
    }

    public async Task<IResult> DeleteAsync(string id, HttpContext context)
    {
        if (!BlobId.TryParse(id, out var blobId))
        {
            return Problems.InvalidId();
        }

        if (!TryFetchTokenHash(context.Request, out var hash))
        {
            return BlobsProblems.BadToken();
        }

        if (hash is null)
        {
            return await store.DeleteAsync(blobId, context.User.Name(), context.RequestAborted) ? TypedResults.NoContent() : BlobsProblems.NotFound();
        }

        var released = await store.ReleaseAsync(blobId, hash, time.GetUtcNow(), context.RequestAborted);
        if (released == BlobRelease.NotFound)
        {
            return BlobsProblems.NotFound();
        }

        BlobsLog.Released(logger, released == BlobRelease.Deleted);
        return TypedResults.NoContent();
    }

    /// <summary>SHA-256 of the request's fetch token: null without the header; false when it is malformed or repeated.</summary>
    private static bool TryFetchTokenHash(HttpRequest request, out byte[]? hash)
    {
        hash = null;
        var header = request.Headers[BlobHeaders.FetchToken];
        if (header.Count == 0)
        {
            return true;
        }

        Span<byte> token = stackalloc byte[TokenBytes];
        if (header.Count > 1 || !Base64Url.TryDecodeExact(header[0], token))
        {
            return false;
        }

        hash = SHA256.HashData(token);
        CryptographicOperations.ZeroMemory(token);
        return true;
    }

    /// <summary>Streams a blob to the response without buffering it.</summary>
    private sealed class BlobResult(IBlobStore store, BlobId id, long size) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/octet-stream";
            response.ContentLength = size;
            if (HttpMethods.IsHead(httpContext.Request.Method))
            {
                return;
            }

            if (!await store.CopyAsync(id, size, response.Body, httpContext.RequestAborted) && !response.HasStarted)
            {
                response.ContentLength = null;
                await BlobsProblems.NotFound().ExecuteAsync(httpContext);
            }
        }
    }
}
