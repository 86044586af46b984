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

    ValueTask CreateAsync(NewSecret secret, CancellationToken cancellationToken);

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

    /// <summary>Destroys a secret that has not ended yet: content, stream and download grants go at once.</summary>
    ValueTask<bool> DestroyAsync(SecretId id, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Appends exactly <paramref name="length"/> bytes read from <paramref name="source"/> to the stream of an
    /// uploading secret whose upload stands at <paramref name="offset"/>. Writes as bytes arrive; a source
    /// that ends early or runs long leaves the upload exactly where it stood.
    /// </summary>
    ValueTask<AppendResult> AppendStreamAsync(SecretId id, long offset, long length, Stream source,
        CancellationToken cancellationToken);

    /// <summary>Copies <paramref name="length"/> stream bytes from <paramref name="offset"/>; false when the stream is gone.</summary>
    ValueTask<bool> CopyStreamAsync(SecretId id, long offset, long length, Stream destination,
        CancellationToken cancellationToken);

    /// <summary>The download grant with this token hash, if it belongs to the secret and has not expired.</summary>
    ValueTask<bool> HasDownloadGrantAsync(SecretId id, byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Ends a download grant; deletes the stream when the secret has ended and no live grant is left.</summary>
    ValueTask<bool> EndDownloadGrantAsync(SecretId id, byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Deletes what has run out (see <see cref="SweepPolicy"/>).</summary>
    ValueTask<SweepResult> SweepAsync(SweepPolicy policy, CancellationToken cancellationToken);

    /// <summary>Records held (any state), for tests and operators.</summary>
    ValueTask<long> CountAsync(CancellationToken cancellationToken);
}

internal sealed record PassphraseRecord(byte[] Salt, int Iterations, byte[] Verifier);

internal sealed record NewSecret(
    SecretId Id,
    byte[] ManageHash,
    byte[] AccessVerifier,
    PassphraseRecord? Passphrase,
    byte[] Manifest,
    long? StreamBytes,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    int MaxViews,
    int MaxPassphraseAttempts);

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
    DateTimeOffset? BurnedAt)
{
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
        PassphraseFailures, MaxPassphraseAttempts, DestroyedAt?.ToUnixTimeMilliseconds(), BurnedAt?.ToUnixTimeMilliseconds());
}

internal sealed record ClaimedView(byte[] Manifest, int ViewsLeft, long? StreamBytes);

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
