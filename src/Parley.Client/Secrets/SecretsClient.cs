using System.Security.Cryptography;
using Parley.Client.Secrets.Api;
using Parley.Contracts.Secrets;

namespace Parley.Client.Secrets;

/// <summary>What to share.</summary>
public sealed record NewSecret
{
    public string? Text { get; init; }

    public IReadOnlyList<FileSource> Files { get; init; } = [];

    public required int ExpiresInSeconds { get; init; }

    public required int MaxViews { get; init; }

    /// <summary>An optional second factor the recipient must type; never sent to the server.</summary>
    public string? Passphrase { get; init; }

    /// <summary>PBKDF2 iterations; the server's default when null.</summary>
    public int? Iterations { get; init; }

    /// <summary>Upload the file stream in parts of this many bytes instead of one request.</summary>
    public long? UploadPartSize { get; init; }

    /// <summary>A URL the server notifies of the secret's events (docs/webhooks.md); the server can see it.</summary>
    public string? Webhook { get; init; }

    /// <summary>
    /// Null for one recipient (format v1, one share link). Otherwise one entry per recipient, each its
    /// label or null: the content is sealed once and every recipient gets a link of their own
    /// (docs/secret-format.md §7). Labels are visible to the server.
    /// </summary>
    public IReadOnlyList<string?>? Recipients { get; init; }

    public override string ToString() => $"NewSecret(text: {(Text is null ? "none" : "set")}, files: {Files.Count})";

    /// <summary>Why the server's config would refuse this secret, or null. Nothing is sent.</summary>
    public string? ProblemWith(SecretsConfigResponse config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (!config.CreationOpen)
        {
            return "this server does not accept new secrets";
        }

        if (!config.ExpiryChoices.Any(c => c.Seconds == ExpiresInSeconds))
        {
            return $"the server offers these expiry times: {string.Join(", ", config.ExpiryChoices.Select(c => Durations.Format(c.Seconds)))}";
        }

        if (!config.ViewChoices.Contains(MaxViews))
        {
            return $"the server offers these view counts: {string.Join(", ", config.ViewChoices)}";
        }

        return RecipientsProblemWith(config) ?? ContentProblemWith(config);
    }

    /// <summary>Why the server would refuse <see cref="Recipients"/> (count, labels), or null.</summary>
    public string? RecipientsProblemWith(SecretsConfigResponse config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (Recipients is not { } recipients)
        {
            return null;
        }

        var max = Math.Min(config.MaxRecipients, SecretFormat.MaxRecipients);
        if (recipients.Count < 1 || recipients.Count > max)
        {
            return $"a secret has 1 to {max} recipients";
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var label in recipients.OfType<string>())
        {
            if (Parley.Contracts.VisibleText.Problem(label, SecretFormat.MaxRecipientLabelLength) is { } why)
            {
                return $"the recipient label \"{label}\" {why}";
            }

            if (!seen.Add(label.Normalize(System.Text.NormalizationForm.FormC).ToUpperInvariant()))
            {
                return $"the recipient label \"{label}\" is given twice; labels must differ";
            }
        }

        return null;
    }

    /// <summary>Why the server's limits would refuse this content (text, files, passphrase), whatever the expiry and views; or null.</summary>
    public string? ContentProblemWith(SecretsConfigResponse config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (Files.Count > config.MaxFiles)
        {
            return $"the server takes at most {config.MaxFiles} files per secret";
        }

        var manifest = Manifest();
        var sealedLength = SecretFormat.SealedManifestLength(ManifestCodec.ToJson(manifest).Length);
        if (sealedLength > config.MaxManifestBytes)
        {
            return $"the text and file names are too long for this server ({sealedLength} sealed bytes; the limit is {config.MaxManifestBytes})";
        }

        if (Files.Count > 0 && SecretFormat.StreamLength(manifest.TotalFileBytes) > config.MaxStreamBytes)
        {
            return $"the files are too large for this server (limit {Sizes.Format(config.MaxStreamBytes)} encrypted)";
        }

        var iterations = Iterations ?? config.Passphrase.DefaultIterations;
        if (Passphrase is not null && (iterations < config.Passphrase.MinIterations || iterations > SecretFormat.MaxIterations))
        {
            return $"the server needs {config.Passphrase.MinIterations} to {SecretFormat.MaxIterations} passphrase iterations";
        }

        return null;
    }

    internal SecretManifest Manifest() =>
        new(Text, [.. Files.Select(f => new ManifestFile(f.Name, f.Size, f.Type))]);
}

/// <summary>One recipient's share link of a secret for several recipients, with the creator's label for it (or null).</summary>
public sealed record RecipientShare(string? Label, ShareLink Link);

/// <summary>
/// A created secret: the share link for the recipient and the manage link for the creator. For a secret
/// with several recipients, <see cref="Recipients"/> holds every link (<see cref="Share"/> is the first).
/// </summary>
public sealed class CreatedSecret(ShareLink share, ManageLink manage, DateTimeOffset expiresAt, int maxViews, string? webhookSigningKey = null,
    IReadOnlyList<RecipientShare>? recipients = null)
    : IDisposable
{
    /// <summary>Every recipient's link, in order; empty for a secret with one recipient.</summary>
    public IReadOnlyList<RecipientShare> Recipients { get; } = recipients ?? [];

    /// <summary>The webhook's signing key (<c>whsec_…</c>) when a webhook was asked for; the server shows it only this once.</summary>
    public string? WebhookSigningKey { get; } = webhookSigningKey;

    public ShareLink Share { get; } = share;

    public ManageLink Manage { get; } = manage;

    public DateTimeOffset ExpiresAt { get; } = expiresAt;

    public int MaxViews { get; } = maxViews;

    public void Dispose()
    {
        Share.Dispose();
        foreach (var r in Recipients)
        {
            r.Link.Dispose();
        }
    }
}

/// <summary>An opened secret: its manifest and, with files, the ticket to download them. Holds the file key until disposed.</summary>
public sealed class OpenedSecret : IDisposable
{
    internal OpenedSecret(string id, SecretManifest manifest, int viewsLeft, StreamTicket? stream, SecretKeys keys)
    {
        Id = id;
        Manifest = manifest;
        ViewsLeft = viewsLeft;
        Stream = stream;
        Keys = keys;
    }

    public string Id { get; }

    public SecretManifest Manifest { get; }

    public int ViewsLeft { get; }

    public StreamTicket? Stream { get; }

    internal SecretKeys Keys { get; }

    public void Dispose() => Keys.Dispose();

    public override string ToString() => $"OpenedSecret({Id}, {Manifest})";
}

/// <summary>A sealed secret as the server takes it: every member b64u, nothing the server could open.</summary>
internal sealed record SealedSecret(string Manifest, string AccessVerifier, PassphraseParameters? Passphrase, long? StreamBytes);

/// <summary>What the server answered to a sealed secret: its id, the token that uploads its stream, and the caller's result.</summary>
internal sealed record PostedSecret<T>(string Id, string UploadToken, bool UploadRequired, T Result);

/// <summary>
/// Creates and opens secrets the way docs/secret-format.md §5 describes, over <see cref="SecretsApi"/>.
/// Keys are made and used here and never leave the process.
/// </summary>
public sealed class SecretsClient(SecretsApi api)
{
    public SecretsApi Api { get; } = api ?? throw new ArgumentNullException(nameof(api));

    /// <summary>Encrypts and uploads <paramref name="secret"/>. If the file upload fails, the half-made secret is destroyed.</summary>
    public async Task<CreatedSecret> CreateAsync(NewSecret secret, SecretsConfigResponse config, IProgress<long>? uploadProgress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(secret);
        ArgumentNullException.ThrowIfNull(config);
        var problem = secret.ProblemWith(config);
        if (problem is not null)
        {
            throw new ArgumentException(problem, nameof(secret));
        }

        var iterations = secret.Iterations ?? config.Passphrase.DefaultIterations;
        var kdf = secret.Passphrase is null ? null : new PassphraseKdf(RandomNumberGenerator.GetBytes(SecretFormat.SaltSize), iterations);
        if (secret.Recipients is { } recipients)
        {
            return await CreateForRecipientsAsync(secret, recipients, kdf, uploadProgress, cancellationToken).ConfigureAwait(false);
        }

        var linkKey = RandomNumberGenerator.GetBytes(SecretFormat.KeySize);
        try
        {
            return await SealAndPostAsync(secret, linkKey, kdf, async (sealedSecret, ct) =>
            {
                var request = new CreateSecretRequest(sealedSecret.Manifest, sealedSecret.AccessVerifier, sealedSecret.Passphrase,
                    secret.ExpiresInSeconds, secret.MaxViews, sealedSecret.StreamBytes, secret.Webhook);
                var created = await Api.CreateAsync(request, ct).ConfigureAwait(false);
                try
                {
                    var manage = new ManageLink(Api.Server, created.Id, created.ManageToken);
                    var result = new CreatedSecret(new ShareLink(Api.Server, created.Id, linkKey), manage, created.ExpiresAt, secret.MaxViews,
                        created.WebhookSigningKey);
                    return new PostedSecret<CreatedSecret>(created.Id, created.ManageToken, created.UploadRequired, result);
                }
                catch (ArgumentException e)
                {
                    throw new SecretsApiException(ApiFailure.UnexpectedResponse, "The server returned an id or token that does not follow the Parley API.", e);
                }
            }, uploadProgress, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(linkKey);
        }
    }

    /// <summary>
    /// docs/secret-format.md §7: a random content key C seals the content once; every recipient gets a
    /// random link key K_i, and C wrapped under K_i's wrap key. The passphrase is stretched once.
    /// </summary>
    private async Task<CreatedSecret> CreateForRecipientsAsync(NewSecret secret, IReadOnlyList<string?> labels, PassphraseKdf? kdf,
        IProgress<long>? uploadProgress, CancellationToken cancellationToken)
    {
        var contentKey = RandomNumberGenerator.GetBytes(SecretFormat.KeySize);
        var stretched = secret.Passphrase is null ? [] : SecretKeys.StretchPassphrase(secret.Passphrase, kdf!);
        var linkKeys = new List<byte[]>();
        try
        {
            var keys = new List<RecipientKey>();
            foreach (var label in labels)
            {
                var linkKey = RandomNumberGenerator.GetBytes(SecretFormat.KeySize);
                linkKeys.Add(linkKey);
                using var link = SecretKeys.Derive(linkKey, stretched);
                keys.Add(new RecipientKey(label, Base64UrlStrict.Encode(link.AccessVerifier()),
                    link.HasPassphrase ? Base64UrlStrict.Encode(link.PassphraseVerifier()) : null,
                    Base64UrlStrict.Encode(ContentKeyWrap.Wrap(link, contentKey))));
            }

            using var content = SecretKeys.FromContentKey(contentKey);
            return await SealAndUploadAsync(secret, content, async (manifest, streamBytes, ct) =>
            {
                var passphrase = kdf is null ? null
                    : new PassphraseParameters(PassphraseParameters.Pbkdf2Sha256, Base64UrlStrict.Encode(kdf.Salt.Span), kdf.Iterations);
                var request = new CreateSecretRequest(manifest, null, passphrase, secret.ExpiresInSeconds, secret.MaxViews, streamBytes,
                    secret.Webhook, keys);
                var created = await Api.CreateAsync(request, ct).ConfigureAwait(false);
                if (created.Recipients is not { } links || links.Count != labels.Count)
                {
                    throw new SecretsApiException(ApiFailure.UnexpectedResponse, "The server did not return one link per recipient.");
                }

                try
                {
                    var shares = links.Select((l, i) => new RecipientShare(labels[i], new ShareLink(Api.Server, l.Id, linkKeys[i]))).ToList();
                    var result = new CreatedSecret(new ShareLink(Api.Server, links[0].Id, linkKeys[0]), new ManageLink(Api.Server, created.Id, created.ManageToken),
                        created.ExpiresAt, secret.MaxViews, created.WebhookSigningKey, shares);
                    return new PostedSecret<CreatedSecret>(created.Id, created.ManageToken, created.UploadRequired, result);
                }
                catch (ArgumentException e)
                {
                    throw new SecretsApiException(ApiFailure.UnexpectedResponse, "The server returned an id or token that does not follow the Parley API.", e);
                }
            }, uploadProgress, cancellationToken, destroyAll: true).ConfigureAwait(false);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(contentKey);
            CryptographicOperations.ZeroMemory(stretched);
            linkKeys.ForEach(k => CryptographicOperations.ZeroMemory(k));
        }
    }

    /// <summary>
    /// Seals <paramref name="secret"/> with the keys of <paramref name="linkKey"/> (docs/secret-format.md),
    /// lets <paramref name="post"/> make it on the server, then uploads the file stream with the token
    /// <paramref name="post"/> returned. If the upload fails, the half-made secret is destroyed (and the
    /// result disposed when it is disposable). Used for secrets and for the answers to requests.
    /// </summary>
    internal async Task<T> SealAndPostAsync<T>(NewSecret secret, byte[] linkKey, PassphraseKdf? kdf,
        Func<SealedSecret, CancellationToken, Task<PostedSecret<T>>> post, IProgress<long>? uploadProgress, CancellationToken cancellationToken)
    {
        using var keys = SecretKeys.Derive(linkKey, secret.Passphrase, kdf);
        return await SealAndUploadAsync(secret, keys, (manifest, streamBytes, ct) => post(new SealedSecret(
            manifest,
            Base64UrlStrict.Encode(keys.AccessVerifier()),
            kdf is null ? null : new PassphraseParameters(PassphraseParameters.Pbkdf2Sha256, Base64UrlStrict.Encode(kdf.Salt.Span),
                kdf.Iterations, Base64UrlStrict.Encode(keys.PassphraseVerifier())),
            streamBytes), ct), uploadProgress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Seals the manifest under <paramref name="keys"/>' MK, lets <paramref name="post"/> make the secret
    /// (given the sealed manifest, b64u, and the stream length), then uploads the file stream under FK.
    /// If the upload fails the half-made secret is destroyed: with <paramref name="destroyAll"/> every
    /// link of it.
    /// </summary>
    private async Task<T> SealAndUploadAsync<T>(NewSecret secret, SecretKeys keys,
        Func<string, long?, CancellationToken, Task<PostedSecret<T>>> post, IProgress<long>? uploadProgress, CancellationToken cancellationToken,
        bool destroyAll = false)
    {
        var manifest = secret.Manifest();
        var sealedManifest = ManifestCodec.Seal(manifest, keys.ManifestKey);
        long? streamBytes = secret.Files.Count > 0 ? SecretFormat.StreamLength(manifest.TotalFileBytes) : null;
        var posted = await post(Base64UrlStrict.Encode(sealedManifest), streamBytes, cancellationToken).ConfigureAwait(false);
        if (streamBytes is { } total)
        {
            try
            {
                if (!posted.UploadRequired)
                {
                    throw new SecretsApiException(ApiFailure.UnexpectedResponse, "The server did not ask for the file stream.");
                }

                await using var source = new ConcatenatedStream(secret.Files);
                await using var encryptor = new SecretStreamEncryptor(source, manifest.TotalFileBytes, keys.FileKey);
                await Api.UploadStreamAsync(posted.Id, posted.UploadToken, encryptor, total, secret.UploadPartSize, uploadProgress, cancellationToken)
                    .ConfigureAwait(false);
            }
            catch
            {
                (posted.Result as IDisposable)?.Dispose();
                await TryDestroyAsync(posted.Id, posted.UploadToken, destroyAll).ConfigureAwait(false);
                throw;
            }
        }

        return posted.Result;
    }

    /// <summary>
    /// Looks at the secret without changing it, proving the key so that a gone secret says why
    /// (<see cref="ApiFailure.AlreadyOpened"/>, …). Refuses passphrase parameters a reader must not accept.
    /// </summary>
    public async Task<SecretLookResponse> LookAsync(ShareLink link, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(link);
        using var keys = SecretKeys.Derive(link.Key);
        var look = await Api.LookAsync(link.Id, Base64UrlStrict.Encode(keys.AccessKey), cancellationToken).ConfigureAwait(false);
        _ = KdfOf(look);
        return look;
    }

    /// <summary>The PBKDF2 parameters a look announced, checked against the format's bounds; null without a passphrase.</summary>
    public static PassphraseKdf? KdfOf(SecretLookResponse look)
    {
        ArgumentNullException.ThrowIfNull(look);
        if (look.Passphrase is not { } p)
        {
            return null;
        }

        if (p.Kdf != PassphraseParameters.Pbkdf2Sha256
            || !Base64UrlStrict.TryDecode(p.Salt, SecretFormat.SaltSize, out var salt)
            || p.Iterations is < 1 or > SecretFormat.MaxIterations)
        {
            throw new SecretsApiException(ApiFailure.UnexpectedResponse, "The server announced passphrase parameters outside the format's bounds.");
        }

        return new PassphraseKdf(salt, p.Iterations);
    }

    /// <summary>
    /// Claims one view (<c>POST …/open</c>) and opens the manifest. Throws
    /// <see cref="SecretsApiException"/> (wrong passphrase, gone, …) or
    /// <see cref="SecretFormatException"/> when the manifest is not authentic.
    /// </summary>
    public async Task<OpenedSecret> OpenAsync(ShareLink link, SecretLookResponse look, string? passphrase, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(link);
        ArgumentNullException.ThrowIfNull(look);
        var kdf = KdfOf(look);
        if (kdf is null)
        {
            passphrase = null;
        }
        else if (passphrase is null)
        {
            throw new ArgumentException("This secret needs its passphrase.", nameof(passphrase));
        }

        var keys = SecretKeys.Derive(link.Key, passphrase, kdf);
        try
        {
            var request = new OpenSecretRequest(Base64UrlStrict.Encode(keys.AccessKey), keys.HasPassphrase ? Base64UrlStrict.Encode(keys.PassphraseProof) : null);
            var response = await Api.OpenAsync(link.Id, request, cancellationToken).ConfigureAwait(false);
            if (!Base64UrlStrict.TryDecode(response.Manifest, out var sealedManifest))
            {
                throw new SecretsApiException(ApiFailure.UnexpectedResponse, "The server sent a manifest that is not base64url.");
            }

            if (response.WrappedKey is { } wrappedText)
            {
                // A link of a secret for several recipients: the content keys come from the content key C it unwraps.
                keys = ContentKeysOf(keys, wrappedText);
            }

            var manifest = ManifestCodec.Open(sealedManifest, keys.ManifestKey);
            if (manifest.HasFiles != (response.Stream is not null))
            {
                throw new SecretFormatException(SecretFormatError.Malformed, "The server's answer does not match the secret's files.");
            }

            if (response.Stream is { } ticket && ticket.Bytes != SecretFormat.StreamLength(manifest.TotalFileBytes))
            {
                throw new SecretFormatException(SecretFormatError.Truncated, "The server's file stream does not have the length the manifest implies.");
            }

            return new OpenedSecret(link.Id, manifest, response.ViewsLeft, response.Stream, keys);
        }
        catch
        {
            keys.Dispose();
            throw;
        }
    }

    /// <summary>Unwraps C with the link's keys (which it disposes) and derives MK and FK from it.</summary>
    private static SecretKeys ContentKeysOf(SecretKeys link, string wrappedText)
    {
        Span<byte> contentKey = stackalloc byte[SecretFormat.KeySize];
        try
        {
            if (!Base64UrlStrict.TryDecode(wrappedText, SecretFormat.WrappedKeySize, out var wrapped))
            {
                throw new SecretFormatException(SecretFormatError.Malformed, "The server sent a wrapped content key of the wrong shape.");
            }

            ContentKeyWrap.Unwrap(link, wrapped, contentKey);
            return SecretKeys.FromContentKey(contentKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(contentKey);
            link.Dispose();
        }
    }

    /// <summary>
    /// Downloads and decrypts the files into <paramref name="writer"/>'s folder, then asks the server
    /// to drop the stream. Nothing gets its final name unless the whole stream authenticated.
    /// </summary>
    public async Task<IReadOnlyList<SavedFile>> SaveFilesAsync(OpenedSecret opened, SecretFolderWriter writer, IProgress<long>? downloadProgress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(opened);
        ArgumentNullException.ThrowIfNull(writer);
        if (opened.Stream is not { } ticket)
        {
            return [];
        }

        IReadOnlyList<SavedFile> saved;
        await using (var body = await Api.DownloadStreamAsync(opened.Id, ticket.DownloadToken, ticket.Bytes, downloadProgress, cancellationToken).ConfigureAwait(false))
        await using (var plaintext = new SecretStreamDecryptor(body, opened.Keys.FileKey, opened.Manifest.TotalFileBytes, leaveOpen: true))
        {
            saved = await writer.WriteAsync(plaintext, opened.Manifest.Files, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            await Api.DeleteStreamAsync(opened.Id, ticket.DownloadToken, cancellationToken).ConfigureAwait(false);
        }
        catch (SecretsApiException)
        {
            // Best effort: the server drops the stream when the download token expires anyway.
        }

        return saved;
    }

    private async Task TryDestroyAsync(string id, string manageToken, bool destroyAll)
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await (destroyAll ? Api.DestroyAllAsync(id, manageToken, cts.Token) : Api.DestroyAsync(id, manageToken, cts.Token)).ConfigureAwait(false);
        }
        catch (SecretsApiException)
        {
            // The upload window deletes it anyway.
        }
    }
}

/// <summary>Human-readable durations: 3600 → "1h", 90 → "90s", 604800 → "7d".</summary>
public static class Durations
{
    public static string Format(long seconds) => seconds switch
    {
        > 0 when seconds % 86_400 == 0 => $"{seconds / 86_400}d",
        > 0 when seconds % 3_600 == 0 => $"{seconds / 3_600}h",
        > 0 when seconds % 60 == 0 => $"{seconds / 60}m",
        _ => $"{seconds}s",
    };

    /// <summary>Parses "90", "90s", "15m", "1h", "1d", "2w" into seconds (positive, at most 10 years); false otherwise.</summary>
    public static bool TryParse(string? text, out int seconds)
    {
        seconds = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        var unit = char.IsAsciiLetter(text[^1]) ? char.ToLowerInvariant(text[^1]) : 's';
        var digits = char.IsAsciiLetter(text[^1]) ? text[..^1] : text;
        long factor = unit switch { 's' => 1, 'm' => 60, 'h' => 3_600, 'd' => 86_400, 'w' => 604_800, _ => 0 };
        if (factor == 0 || digits.Length is 0 or > 9 || !digits.All(char.IsAsciiDigit))
        {
            return false;
        }

        var value = long.Parse(digits, System.Globalization.CultureInfo.InvariantCulture) * factor;
        if (value is <= 0 or > 10L * 366 * 86_400)
        {
            return false;
        }

        seconds = (int)value;
        return true;
    }
}

/// <summary>Human-readable byte sizes.</summary>
public static class Sizes
{
    public static string Format(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.#} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.#} MiB",
        >= 1L << 10 => $"{bytes / 1024.0:0.#} KiB",
        _ => $"{bytes} B",
    };

    /// <summary>Parses "1048576", "512k", "8m", "1g" (binary units) into bytes; false otherwise.</summary>
    public static bool TryParse(string? text, out long bytes)
    {
        bytes = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim().ToLowerInvariant();
        var factor = text[^1] switch { 'k' => 1L << 10, 'm' => 1L << 20, 'g' => 1L << 30, _ => 1L };
        var digits = factor == 1 ? text : text[..^1];
        if (digits.Length is 0 or > 12 || !digits.All(char.IsAsciiDigit))
        {
            return false;
        }

        bytes = long.Parse(digits, System.Globalization.CultureInfo.InvariantCulture) * factor;
        return bytes > 0;
    }
}
