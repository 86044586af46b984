using Parley.Server.Features.Webhooks;

namespace Parley.Server.Features.Secrets;

/// <summary>
/// Where secrets live. Three implementations (SQLite, PostgreSQL, RAM) pass one contract suite.
/// Every state change that races (claiming a view, counting a wrong passphrase, destroying) is one
/// atomic step of the provider. Stores hold only what docs/api.md lets the server know: sealed
/// bytes and hashes.
/// <para>
/// Webhooks (docs/webhooks.md): a secret created with <see cref="SecretToStore.Webhook"/> gets its target in
/// the same atomic step, and every state change below queues the events it reports for the secret's target
/// in its own atomic step, only when the change happened: a claim <see cref="SubjectEvent.Opened"/> (and
/// <see cref="SubjectEvent.Burned"/> for the last view), a counted wrong access key or passphrase
/// <see cref="SubjectEvent.FailedAttempt"/> (and <see cref="SubjectEvent.Burned"/> for the attempt that burns),
/// a destruction <see cref="SubjectEvent.Destroyed"/>. A secret without a target queues nothing.
/// </para>
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
    /// Claims one view in one atomic step, only while <see cref="SecretRecord.ClaimRefusalAt"/> finds no
    /// refusal at <paramref name="now"/>; when the secret has a stream, records the download grant in the
    /// same step. When nothing was claimed, the outcome carries that rule's refusal and the record it judged.
    /// </summary>
    ValueTask<ClaimOutcome> TryClaimAsync(SecretId id, byte[] accessVerifier, byte[]? passphraseVerifier,
        DateTimeOffset now, DownloadGrant grant, CancellationToken cancellationToken);

    /// <summary>Counts a wrong access key against a live secret (<see cref="SecretRecord.IsLiveAt"/>), in one atomic step.</summary>
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
    /// that ends early or runs long leaves the upload exactly where it stood. A part is refused as
    /// <see cref="SecretRecord.AppendRefusal"/> decides (after <see cref="AppendStatus.NotFound"/>). For a bundle,
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
/// first link's id), its place in it, the creator's label for it, and its wrapped content key. With a
/// <see cref="Webhook"/>, the secret's events go there, under its own id.
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
    byte[]? WrappedKey = null,
    WebhookEndpoint? Webhook = null)
{
    /// <summary>The bundle this secret belongs to: its own id for a secret with one recipient.</summary>
    public SecretId BundleId => Bundle ?? Id;

    /// <summary>The webhook target to store with the secret; null without a webhook.</summary>
    public WebhookTarget? WebhookTarget =>
        Webhook is { } w ? new(Id, WebhookSubject.Secret, Id, w.Url, w.SigningKey, ExpiresAt) : null;
}

/// <summary>What a claimed view hands out: the manifest, and for a recipient's link its wrapped content key.</summary>
internal sealed record ClaimedView(byte[] Manifest, int ViewsLeft, long? StreamBytes, byte[]? WrappedKey = null);

/// <summary>
/// What a claim came to: the view, or the refusal <see cref="SecretRecord.ClaimRefusalAt"/> gave and the
/// record it judged (<see cref="OpenRefusal.NotFound"/> without a record for an unknown id). Neither when the
/// record changed between the refused write and its reading (a lost race: the caller tries again).
/// </summary>
internal readonly record struct ClaimOutcome(ClaimedView? View, OpenRefusal? Refusal, SecretRecord? Record)
{
    public static ClaimOutcome Claimed(ClaimedView view) => new(view, null, null);

    /// <summary>Why nothing was claimed, judged by the one rule on the record as it stands.</summary>
    public static ClaimOutcome Refused(SecretRecord? record, DateTimeOffset now, byte[] accessVerifier, byte[]? passphraseVerifier) =>
        record is null ? new(null, OpenRefusal.NotFound, null) : new(null, record.ClaimRefusalAt(now, accessVerifier, passphraseVerifier), record);
}

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
