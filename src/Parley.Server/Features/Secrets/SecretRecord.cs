namespace Parley.Server.Features.Secrets;

/// <summary>
/// A stored secret without its content, and the one place of its rules: whether it is live, its phase,
/// why an open or an upload part is refused (and which reason wins when several hold). Every store
/// performs only the conditional writes these rules allow, so all three refuse alike and in the same order;
/// SecretStoreContract (tests) checks each order on every provider.
/// </summary>
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

    /// <summary>
    /// The liveness rule: a secret is live (it can still be opened, once uploaded, counted against or
    /// destroyed) until it is destroyed, burned, out of views or expired. <see cref="LiveSql"/> is the same
    /// rule for the SQL stores; change both together.
    /// </summary>
    public static bool IsLive(DateTimeOffset? destroyedAt, DateTimeOffset? burnedAt, int viewsLeft, DateTimeOffset expiresAt,
        DateTimeOffset now) =>
        destroyedAt is null && burnedAt is null && viewsLeft > 0 && now < expiresAt;

    /// <summary>
    /// <see cref="IsLive"/> as a SQL condition on a <c>secrets</c> row whose times are Unix milliseconds:
    /// <paramref name="row"/> is the row's alias with its dot (or empty), <paramref name="now"/> the parameter
    /// holding the time. SecretStoreContract checks, on each provider, that it agrees with <see cref="IsLive"/>.
    /// </summary>
    public static string LiveSql(string row, string now) =>
        $"{row}destroyed_at IS NULL AND {row}burned_at IS NULL AND {row}views_left > 0 AND {row}expires_at > {now}";

    /// <summary>See <see cref="IsLive"/>.</summary>
    public bool IsLiveAt(DateTimeOffset now) => IsLive(DestroyedAt, BurnedAt, ViewsLeft, ExpiresAt, now);

    /// <summary>The phase at <paramref name="now"/>; an ending event outranks expiry.</summary>
    public SecretPhase PhaseAt(DateTimeOffset now) =>
        IsLiveAt(now) ? (UploadComplete ? SecretPhase.Available : SecretPhase.Uploading)
        : DestroyedAt is not null ? SecretPhase.Destroyed
        : BurnedAt is not null ? SecretPhase.Burned
        : ViewsLeft <= 0 ? SecretPhase.Opened
        : SecretPhase.Expired;

    /// <summary>
    /// Why a view cannot be claimed with these verifiers at <paramref name="now"/>, or null when it can.
    /// Precedence: a wrong access key first (to a secret that has ended it is <see cref="OpenRefusal.NotFound"/>:
    /// without the key nobody learns that it existed); then a file still uploading; then an ended secret
    /// (<see cref="OpenRefusal.Gone"/>, its phase says why); a wrong passphrase last, so that only a holder of
    /// the key can spend passphrase attempts, and only on a secret that can still be opened.
    /// </summary>
    public OpenRefusal? ClaimRefusalAt(DateTimeOffset now, byte[] accessVerifier, byte[]? passphraseVerifier)
    {
        if (!SecretTokens.Matches(AccessVerifier, accessVerifier))
        {
            return IsLiveAt(now) ? OpenRefusal.WrongAccessKey : OpenRefusal.NotFound;
        }

        return PhaseAt(now) switch
        {
            SecretPhase.Uploading => OpenRefusal.NotReady,
            not SecretPhase.Available => OpenRefusal.Gone,
            _ when Passphrase is { } p && (passphraseVerifier is null || !SecretTokens.Matches(p.Verifier, passphraseVerifier))
                => OpenRefusal.WrongPassphrase,
            _ => null,
        };
    }

    /// <summary>
    /// Why a part of <paramref name="length"/> bytes at <paramref name="offset"/> cannot be appended to this
    /// record's stream, or null when it can; <paramref name="busy"/> says whether another part is being written
    /// (only the store knows). Precedence: <see cref="AppendStatus.NotUploading"/> (no stream, complete, destroyed
    /// or let go: final), then <see cref="AppendStatus.Busy"/> (the part in flight moves the upload, so an offset
    /// judged now could be judged against a stale position), then <see cref="AppendStatus.Conflict"/>.
    /// </summary>
    public AppendStatus? AppendRefusal(long offset, long length, bool busy) =>
        StreamBytes is not { } total || StreamReceived >= total || DestroyedAt is not null || !StreamStored ? AppendStatus.NotUploading
        : busy ? AppendStatus.Busy
        : offset != StreamReceived || offset + length > total ? AppendStatus.Conflict
        : null;

    /// <summary>A stable text of every field, for tests that check nothing changed.</summary>
    public string Describe() => string.Join('|',
        Id, Convert.ToHexString(ManageHash), Convert.ToHexString(AccessVerifier),
        Passphrase is null ? "-" : $"{Convert.ToHexString(Passphrase.Salt)}/{Passphrase.Iterations}/{Convert.ToHexString(Passphrase.Verifier)}",
        ManifestBytes, StreamBytes, StreamReceived, StreamStored, CreatedAt.ToUnixTimeMilliseconds(), ExpiresAt.ToUnixTimeMilliseconds(),
        MaxViews, ViewsLeft, string.Join(',', OpenedAt.Select(t => t.ToUnixTimeMilliseconds())), FailedAttempts,
        PassphraseFailures, MaxPassphraseAttempts, DestroyedAt?.ToUnixTimeMilliseconds(), BurnedAt?.ToUnixTimeMilliseconds(),
        BundleId, Position, Label, WrappedKey is null ? "-" : Convert.ToHexString(WrappedKey));
}
