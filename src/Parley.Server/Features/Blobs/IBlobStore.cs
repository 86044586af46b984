namespace Parley.Server.Features.Blobs;

/// <summary>
/// Where blobs live: sealed attachment bytes the server cannot read, and the SHA-256 verifiers of the
/// tokens that may fetch them. Three implementations (SQLite, PostgreSQL, RAM) pass one contract
/// suite. Each change that races (creating under a quota, the upload, spending a token) is one atomic
/// step of the provider. A blob is deleted when its last token is spent, when its owner deletes it,
/// or by the sweeper once it expired (or its upload was abandoned).
/// </summary>
internal interface IBlobStore
{
    /// <summary>
    /// Records a new blob (not yet uploaded) in one step with the owner's quota check: false, and nothing
    /// stored, when the owner's live blobs and this one would exceed <paramref name="quota"/> bytes (0: no quota).
    /// </summary>
    ValueTask<bool> CreateAsync(NewBlob blob, long quota, CancellationToken cancellationToken);

    /// <summary>The record, or null when unknown or deleted.</summary>
    ValueTask<BlobRecord?> FindAsync(BlobId id, CancellationToken cancellationToken);

    /// <summary>
    /// Stores exactly the blob's size of bytes read from <paramref name="source"/>, as they arrive, for the
    /// owner of a blob not uploaded yet. A source that ends early or runs long stores nothing.
    /// </summary>
    ValueTask<BlobUpload> UploadAsync(BlobId id, string owner, Stream source, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Whether an unspent token with this SHA-256 may fetch the uploaded, unexpired blob.</summary>
    ValueTask<bool> CanFetchAsync(BlobId id, byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Copies the stored bytes to <paramref name="destination"/>; false when the blob is gone.</summary>
    ValueTask<bool> CopyAsync(BlobId id, long size, Stream destination, CancellationToken cancellationToken);

    /// <summary>Spends a token in one step; the last one deletes the blob and its bytes.</summary>
    ValueTask<BlobRelease> ReleaseAsync(BlobId id, byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Deletes the owner's blob now (bytes, record and tokens); false when it is not the owner's or gone.</summary>
    ValueTask<bool> DeleteAsync(BlobId id, string owner, CancellationToken cancellationToken);

    /// <summary>Deletes expired blobs and uploads not finished by <paramref name="uploadCutoff"/> (created before it).</summary>
    ValueTask<int> SweepAsync(DateTimeOffset now, DateTimeOffset uploadCutoff, CancellationToken cancellationToken);

    /// <summary>Blobs held (any state), for tests and operators.</summary>
    ValueTask<long> CountAsync(CancellationToken cancellationToken);
}

internal sealed record NewBlob(BlobId Id, string Owner, long Size, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, IReadOnlyList<byte[]> FetchHashes);

internal sealed record BlobRecord(BlobId Id, string Owner, long Size, bool Uploaded, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, int TokensLeft)
{
    /// <summary>A stable text of every field, for tests that check nothing changed.</summary>
    public string Describe() => string.Join('|', Id, Owner, Size, Uploaded, CreatedAt.ToUnixTimeMilliseconds(), ExpiresAt.ToUnixTimeMilliseconds(), TokensLeft);
}

internal enum BlobUpload
{
    Stored,
    NotFound,

    /// <summary>Uploaded already, or an upload of it is running right now.</summary>
    Conflict,
    Truncated,
    TooLong,
}

internal enum BlobRelease
{
    /// <summary>No such unspent token for a live blob: nothing changed.</summary>
    NotFound,
    Released,

    /// <summary>The last token: the blob is gone.</summary>
    Deleted,
}
