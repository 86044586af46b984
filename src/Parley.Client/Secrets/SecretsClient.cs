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

        return ContentProblemWith(config);
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

/// <summary>A created secret: the share link for the recipient and the manage link for the creator.</summary>
public sealed class CreatedSecret(ShareLink share, ManageLink manage, DateTimeOffset expiresAt, int maxViews, string? webhookSigningKey = null)
    : IDisposable
{
    /// <summary>The webhook's signing key (<c>whsec_…</c>) when a webhook was asked for; the server shows it only this once.</summary>
    public string? WebhookSigningKey { get; } = webhookSigningKey;

    public ShareLink Share { get; } = share;

    public ManageLink Manage { get; } = manage;

    public DateTimeOffset ExpiresAt { get; } = expiresAt;

    public int MaxViews { get; } = maxViews;

    public void Dispose() => Share.Dispose();
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

        var linkKey = RandomNumberGenerator.GetBytes(SecretFormat.KeySize);
        try
        {
            var iterations = secret.Iterations ?? config.Passphrase.DefaultIterations;
            var kdf = secret.Passphrase is null ? null : new PassphraseKdf(RandomNumberGenerator.GetBytes(SecretFormat.SaltSize), iterations);
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
    /// Seals <paramref name="secret"/> with the keys of <paramref name="linkKey"/> (docs/secret-format.md),
    /// lets <paramref name="post"/> make it on the server, then uploads the file stream with the token
    /// <paramref name="post"/> returned. If the upload fails, the half-made secret is destroyed (and the
    /// result disposed when it is disposable). Used for secrets and for the answers to requests.
    /// </summary>
    internal async Task<T> SealAndPostAsync<T>(NewSecret secret, byte[] linkKey, PassphraseKdf? kdf,
        Func<SealedSecret, CancellationToken, Task<PostedSecret<T>>> post, IProgress<long>? uploadProgress, CancellationToken cancellationToken)
    {
        using var keys = SecretKeys.Derive(linkKey, secret.Passphrase, kdf);
        var manifest = secret.Manifest();
        var sealedManifest = ManifestCodec.Seal(manifest, keys.ManifestKey);
        long? streamBytes = secret.Files.Count > 0 ? SecretFormat.StreamLength(manifest.TotalFileBytes) : null;
        var sealedSecret = new SealedSecret(
            Base64UrlStrict.Encode(sealedManifest),
            Base64UrlStrict.Encode(keys.AccessVerifier()),
            kdf is null ? null : new PassphraseParameters(PassphraseParameters.Pbkdf2Sha256, Base64UrlStrict.Encode(kdf.Salt.Span),
                kdf.Iterations, Base64UrlStrict.Encode(keys.PassphraseVerifier())),
            streamBytes);
        var posted = await post(sealedSecret, cancellationToken).ConfigureAwait(false);
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
                await TryDestroyAsync(posted.Id, posted.UploadToken).ConfigureAwait(false);
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

    private async Task TryDestroyAsync(string id, string manageToken)
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await Api.DestroyAsync(id, manageToken, cts.Token).ConfigureAwait(false);
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
