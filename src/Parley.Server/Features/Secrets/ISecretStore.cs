namespace Parley.Server.Features.Secrets;

/// <summary>
/// Where secrets live. Three implementations (SQLite, PostgreSQL, RAM) pass one contract suite.
/// Every state change that races (claiming a view, counting a wrong passphrase, destroying) is one
/// atomic step of the provider. Stores hold only what docs/api.md lets the server know: sealed
/// bytes and hashes.
/// </summary>
internal interface ISecretStore
{
    /// <summary>True when the store answers.</summary>
    ValueTask<bool> PingAsync(CancellationToken cancellationToken);

    ValueTask CreateAsync(SecretToStore secret, CancellationToken cancellationToken);

    /// <summary>
    /// Creates every link of a secret for several recipients in one atomic step: all of them or none.
    /// They share <see cref="SecretToStore.Bundle"/> (the first link's id) and one file stream.
    /// </summary>
    ValueTask CreateBundleAsync(IReadOnlyList<SecretToStore> links, CancellationToken cancellationToken);

    /// <summary>The links of a bundle in their order (any state); empty when unknown or purged.</summary>
    ValueTask<IReadOnlyList<SecretRecord>> FindBundleAsync(SecretId bundle, CancellationToken cancellationToken);

    /// <summary>The record without its content; null when unknown or purged.</summary>
    ValueTask<SecretRecord?> FindAsync(SecretId id, CancellationToken cancellationToken);

    /// <summary>
    /// Claims one view in one atomic step, only while the secret is available at <paramref name="now"/>
    /// and both verifiers match; when the secret has a stream, records the download grant in the same
    /// step. Null when nothing was claimed (the caller re-reads the record to say why).
    /// </summary>
    ValueTask<ClaimedView?> TryClaimAsync(SecretId id, byte[] accessVerifier, byte[]? passphraseVerifier,
        DateTimeOffset now, DownloadGrant grant, CancellationToken cancellationToken);

    /// <summary>Counts a wrong access key against a secret that can still be opened.</summary>
    ValueTask RecordWrongAccessAsync(SecretId id, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Counts a wrong passphrase (right access key) in one atomic step; the attempt that reaches the
    /// secret's limit burns it (content and stream deleted). Null when the secret was no longer available.
    /// </summary>
    ValueTask<PassphraseFailure?> RecordWrongPassphraseAsync(SecretId id, byte[] accessVerifier, DateTimeOffset now,
        CancellationToken cancellationToken);

    /// <summary>
    /// Destroys a secret that has not ended yet: content and download grants go at once, and the stream
    /// too unless another link of the same bundle still holds it.
    /// </summary>
    ValueTask<bool> DestroyAsync(SecretId id, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Appends exactly <paramref name="length"/> bytes read from <paramref name="source"/> to the stream of an
    /// uploading secret whose upload stands at <paramref name="offset"/>. Writes as bytes arrive; a source
    /// that ends early or runs long leaves the upload exactly where it stood. For a bundle,
    /// <paramref name="id"/> is the bundle's id and every link of it advances together.
    /// </summary>
    ValueTask<AppendResult> AppendStreamAsync(SecretId id, long offset, long length, Stream source,
        CancellationToken cancellationToken);

    /// <summary>Copies <paramref name="length"/> bytes of the record's (or its bundle's) stream from <paramref name="offset"/>; false when the stream is gone.</summary>
    ValueTask<bool> CopyStreamAsync(SecretRecord record, long offset, long length, Stream destination,
        CancellationToken cancellationToken);

    /// <summary>The download grant with this token hash, if it belongs to the secret and has not expired.</summary>
    ValueTask<bool> HasDownloadGrantAsync(SecretId id, byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Ends a download grant; when the secret has ended and no live grant is left it lets go of the
    /// stream, which is deleted once no link of its bundle holds it.
    /// </summary>
    ValueTask<bool> EndDownloadGrantAsync(SecretId id, byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Deletes what has run out (see <see cref="SweepPolicy"/>).</summary>
    ValueTask<SweepResult> SweepAsync(SweepPolicy policy, CancellationToken cancellationToken);

    /// <summary>Records held (any state), for tests and operators.</summary>
    ValueTask<long> CountAsync(CancellationToken cancellationToken);
}

internal sealed record PassphraseRecord(byte[] Salt, int Iterations, byte[] Verifier);

/// <summary>
/// A secret to store. A link of a secret for several recipients also has its <see cref="Bundle"/> (the
/// first link's id), its place in it, the creator's label for it, and its wrapped content key.
/// </summary>
internal sealed record SecretToStore(
    SecretId Id,
    byte[] ManageHash,
    byte[] AccessVerifier,
    PassphraseRecord? Passphrase,
    byte[] Manifest,
    long? StreamBytes,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    int MaxViews,
    int MaxPassphraseAttempts,
    SecretId? Bundle = null,
    int Position = 0,
    string? Label = null,
    byte[]? WrappedKey = null)
{
    /// <summary>The bundle this secret belongs to: its own id for a secret with one recipient.</summary>
    public SecretId BundleId => Bundle ?? Id;
}

/// <summary>Where a secret stands in its life.</summary>
internal enum SecretPhase
{
    Uploading,
    Available,
    Opened,
    Expired,
    Destroyed,
    Burned,
}

internal sealed record SecretRecord(
    SecretId Id,
    byte[] ManageHash,
    byte[] AccessVerifier,
    PassphraseRecord? Passphrase,
    int ManifestBytes,
    long? StreamBytes,
    long StreamReceived,
    bool StreamStored,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    int MaxViews,
    int ViewsLeft,
    IReadOnlyList<DateTimeOffset> OpenedAt,
    int FailedAttempts,
    int PassphraseFailures,
    int MaxPassphraseAttempts,
    DateTimeOffset? DestroyedAt,
    DateTimeOffset? BurnedAt,
    SecretId? Bundle = null,
    int Position = 0,
    string? Label = null,
    byte[]? WrappedKey = null)
{
    /// <summary>The bundle this secret belongs to: its own id for a secret with one recipient.</summary>
    public SecretId BundleId => Bundle ?? Id;

    /// <summary>True for a link of a secret with several recipients.</summary>
    public bool IsRecipientLink => WrappedKey is not null;

    public bool UploadComplete => StreamBytes is not { } total || StreamReceived >= total;

    /// <summary>The phase at <paramref name="now"/>; an ending event outranks expiry.</summary>
    public SecretPhase PhaseAt(DateTimeOffset now) =>
        DestroyedAt is not null ? SecretPhase.Destroyed
        : BurnedAt is not null ? SecretPhase.Burned
        : ViewsLeft <= 0 ? SecretPhase.Opened
        : now >= ExpiresAt ? SecretPhase.Expired
        : !UploadComplete ? SecretPhase.Uploading
        : SecretPhase.Available;

    /// <summary>A stable text of every field, for tests that check nothing changed.</summary>
    public string Describe() => string.Join('|',
        Id, Convert.ToHexString(ManageHash), Convert.ToHexString(AccessVerifier),
        Passphrase is null ? "-" : $"{Convert.ToHexString(Passphrase.Salt)}/{Passphrase.Iterations}/{Convert.ToHexString(Passphrase.Verifier)}",
        ManifestBytes, StreamBytes, StreamReceived, StreamStored, CreatedAt.ToUnixTimeMilliseconds(), ExpiresAt.ToUnixTimeMilliseconds(),
        MaxViews, ViewsLeft, string.Join(',', OpenedAt.Select(t => t.ToUnixTimeMilliseconds())), FailedAttempts,
        PassphraseFailures, MaxPassphraseAttempts, DestroyedAt?.ToUnixTimeMilliseconds(), BurnedAt?.ToUnixTimeMilliseconds(),
        BundleId, Position, Label, WrappedKey is null ? "-" : Convert.ToHexString(WrappedKey));
}

/// <summary>What a claimed view hands out: the manifest, and for a recipient's link its wrapped content key.</summary>
internal sealed record ClaimedView(byte[] Manifest, int ViewsLeft, long? StreamBytes, byte[]? WrappedKey = null);

internal readonly record struct DownloadGrant(byte[] TokenHash, DateTimeOffset ExpiresAt);

internal sealed record PassphraseFailure(int AttemptsLeft, DateTimeOffset? BurnedAt);

internal enum AppendStatus
{
    Appended,
    NotFound,
    NotUploading,
    Conflict,
    Busy,
    Truncated,
    TooLong,
}

internal readonly record struct AppendResult(AppendStatus Status, long Received);

internal sealed record SweepPolicy(DateTimeOffset Now, TimeSpan UploadWindow, TimeSpan TombstoneRetention);

internal sealed record SweepResult(int AbandonedUploads, int ContentsDeleted, int StreamsDeleted, int GrantsExpired, int TombstonesPurged)
{
    public int Total => AbandonedUploads + ContentsDeleted + StreamsDeleted + GrantsExpired + TombstonesPurged;
}
