namespace Parley.Contracts.Blobs;

// Wire contracts of the blob store (docs/messaging-api.md, "Blobs"): opaque sealed attachments that
// recipients fetch with a token they received end to end. Binary members are base64url without padding.

/// <summary>
/// <c>POST /api/blobs</c>: announce a blob of <see cref="Size"/> bytes. <see cref="FetchVerifiers"/> holds
/// SHA-256 of each recipient's fetch token (the tokens themselves travel inside the encrypted message),
/// so the server learns how many may fetch it, never who.
/// </summary>
public sealed record CreateBlobRequest(long Size, int? ExpiresInSeconds, IReadOnlyList<string> FetchVerifiers);

public sealed record CreateBlobResponse(string Id, DateTimeOffset ExpiresAt);

/// <summary><c>GET /api/blobs/limits</c>: the operator's limits.</summary>
public sealed record BlobLimitsResponse(long MaxBlobBytes, int DefaultExpirySeconds, int MaxExpirySeconds, int MaxFetchTokens, long MaxStoredBytesPerAccount);

/// <summary>Header names of the blob routes.</summary>
public static class BlobHeaders
{
    /// <summary>A recipient's fetch token (32 bytes, base64url) on <c>GET</c> and <c>DELETE /api/blobs/{id}</c>.</summary>
    public const string FetchToken = "Parley-Fetch-Token";
}

/// <summary>Problem types of the blob routes (besides the shared ones in <see cref="ProblemTypes"/>).</summary>
public static class BlobProblemTypes
{
    /// <summary>409: the account's stored blobs would exceed <c>MaxStoredBytesPerAccount</c>.</summary>
    public const string QuotaExceeded = ProblemTypes.Prefix + "blob-quota-exceeded";
}
