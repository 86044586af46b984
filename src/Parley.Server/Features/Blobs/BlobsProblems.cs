using Microsoft.AspNetCore.Http.HttpResults;
using Parley.Contracts;
using Parley.Contracts.Blobs;
using Parley.Server.Infrastructure.Http;

namespace Parley.Server.Features.Blobs;

/// <summary>The blob routes' problem details (docs/messaging-api.md, "Blobs"). Details never carry ids or tokens.</summary>
internal static class BlobsProblems
{
    /// <summary>Unknown, expired, deleted, not uploaded yet, not the caller's, or a wrong token: one answer for all, so nothing leaks.</summary>
    public static ProblemHttpResult NotFound() =>
        Problems.Create(404, ProblemTypes.NotFound, "Not found.", "No such blob, or it is no longer available to you.");

    public static ProblemHttpResult AlreadyUploaded() =>
        Problems.Create(409, ProblemTypes.UploadConflict, "The blob is uploaded already.", "A blob's bytes are sent once, in one request.");

    public static ProblemHttpResult TooLarge(long max) =>
        Problems.PayloadTooLarge($"A blob is at most {max} bytes.");

    public static ProblemHttpResult QuotaExceeded(long quota) =>
        Problems.Create(409, BlobProblemTypes.QuotaExceeded, "Too much stored.",
            $"An account's unexpired blobs may hold {quota} bytes at most; wait until recipients fetch or blobs expire.");

    public static ProblemHttpResult BadToken() =>
        Problems.InvalidRequest(BlobHeaders.FetchToken, "must be one fetch token: 32 bytes, base64url");
}
