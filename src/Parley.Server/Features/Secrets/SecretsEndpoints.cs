using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Parley.Contracts;
using Parley.Contracts.Secrets;
using Parley.Server.Features.Webhooks;
using Parley.Server.Infrastructure.Http;
using Parley.Server.Infrastructure.Storage;
using Parley.Server.Infrastructure.Text;

namespace Parley.Server.Features.Secrets;

/// <summary>The handlers of docs/api.md's secrets routes. Each validates all input before any state change.</summary>
internal sealed class SecretsEndpoints(ISecretStore store, IOptions<SecretsOptions> options, WebhookEndpoints webhooks, TimeProvider time,
    SecretsMetrics metrics, StoreMetrics storeMetrics, ILogger<SecretsEndpoints> logger)
{
    private const int OpenBodyLimit = 4 * 1024;
    private readonly SecretsOptions _o = options.Value;
    // Room for every recipient's verifiers, wrapped key and label (JSON-escaped) besides the manifest.
    private readonly long _createBodyLimit = SecretContent.BodyLimit(options.Value) + (RecipientLinks.MaxRecipients * 1024);
    private readonly SecretsConfigResponse _config = BuildConfig(options.Value);

    public IResult Config() => TypedResults.Json(_config, ParleyJsonContext.Default.SecretsConfigResponse);

    public async Task<IResult> CreateAsync(HttpContext context)
    {
        if (!_o.CreationOpen)
        {
            return SecretProblems.CreationClosed();
        }

        var (request, problem) = await JsonBody.ReadAsync(context.Request, ParleyJsonContext.Default.CreateSecretRequest, _createBodyLimit);
        if (problem is not null)
        {
            return problem;
        }

        var errors = new Dictionary<string, string[]>();
        void Error(string member, string message) => errors[member] = [message];

        // A secret for several recipients carries its verifiers per recipient; one for a single recipient at the top.
        var several = request!.Recipients is not null;
        var tooLarge = SecretContent.Check(request.Manifest, several ? null : request.AccessVerifier ?? "", request.StreamBytes, _o, errors,
            out var manifest, out var accessVerifier);
        if (tooLarge is not null)
        {
            return tooLarge;
        }

        if (several && request.AccessVerifier is not null)
        {
            Error("accessVerifier", "must be null when recipients are listed: each recipient has its own");
        }

        PassphraseRecord? passphrase = null;
        if (request.Passphrase is { } pp)
        {
            var salt = new byte[16];
            var verifier = new byte[SecretTokens.HashBytes];
            if (pp.Kdf != PassphraseParameters.Pbkdf2Sha256)
            {
                Error("passphrase.kdf", "must be pbkdf2-sha256");
            }

            if (!Base64Url.TryDecodeExact(pp.Salt, salt))
            {
                Error("passphrase.salt", "must be 16 bytes, base64url");
            }

            if (pp.Iterations < _o.MinPassphraseIterations || pp.Iterations > SecretsOptions.MaxIterationsCeiling)
            {
                Error("passphrase.iterations", $"must lie between {_o.MinPassphraseIterations} and {SecretsOptions.MaxIterationsCeiling}");
            }

            if (several)
            {
                if (pp.Verifier is not null)
                {
                    Error("passphrase.verifier", "must be null when recipients are listed: each recipient has its own");
                }
            }
            else if (pp.Verifier is null || !Base64Url.TryDecodeExact(pp.Verifier, verifier))
            {
                Error("passphrase.verifier", "must be 32 bytes, base64url");
            }

            passphrase = new PassphraseRecord(salt, pp.Iterations, verifier);
        }

        if (request.Webhook is { } webhook && webhooks.Problem(webhook) is { } webhookProblem)
        {
            Error("webhook", webhookProblem);
        }

        var recipients = several ? RecipientLinks.Check(request.Recipients!, request.Passphrase is not null, errors) : null;

        if (errors.Count > 0)
        {
            return Problems.InvalidRequest("The request has invalid members.", errors);
        }

        if (!_o.ExpiryChoices.Contains(TimeSpan.FromSeconds(request.ExpiresInSeconds)) || request.ExpiresInSeconds <= 0)
        {
            return Problems.InvalidChoice("expiresInSeconds",
                "must be one of " + string.Join(", ", _o.ExpiryChoices.Select(e => (long)e.TotalSeconds)));
        }

        if (!_o.ViewChoices.Contains(request.MaxViews))
        {
            return Problems.InvalidChoice("maxViews", "must be one of " + string.Join(", ", _o.ViewChoices));
        }

        var now = time.GetUtcNow();
        var id = SecretId.New();
        var (manageToken, manageHash) = SecretTokens.NewToken();
        var expiresAt = now.AddSeconds(request.ExpiresInSeconds);
        // The webhook's target is stored with each link, in the same atomic step as the secret.
        var endpoint = request.Webhook is { } url ? WebhookEndpoints.New(url) : null;
        var secret = new SecretToStore(id, manageHash, accessVerifier, passphrase, manifest!, request.StreamBytes,
            now, expiresAt, request.MaxViews, _o.MaxPassphraseAttempts, Webhook: endpoint);
        // Every recipient's link is a secret of its own (own id, verifiers, views, tombstone) in one bundle:
        // they share the sealed content, the manage token and the file stream.
        List<SecretToStore> links = recipients is null ? [secret] : [.. recipients.Select((r, i) => secret with
        {
            Id = i == 0 ? id : SecretId.New(),
            AccessVerifier = r.AccessVerifier,
            Passphrase = passphrase is null ? null : passphrase with { Verifier = r.PassphraseVerifier! },
            Bundle = id,
            Position = i,
            Label = r.Label,
            WrappedKey = r.WrappedKey,
        })];
        using (storeMetrics.Time(StoreOperations.SecretCreate))
        {
            if (recipients is null)
            {
                await store.CreateAsync(secret, context.RequestAborted);
            }
            else
            {
                await store.CreateBundleAsync(links, context.RequestAborted);
            }
        }

        metrics.Created();
        SecretsLog.Created(logger, request.MaxViews, request.ExpiresInSeconds, passphrase is not null, request.StreamBytes ?? 0);

        var idText = id.ToString();
        context.Response.Headers.Location = "/api/secrets/" + idText;
        // Every link has the same URL and signing key: each delivery names the link it is about (its id).
        var signingKey = endpoint is null ? null : WebhookEndpoints.KeyText(endpoint);
        return TypedResults.Json(new CreateSecretResponse(idText, manageToken, Truncate(expiresAt), request.StreamBytes is not null, signingKey,
                recipients is null ? null : [.. links.Select(l => new CreatedRecipient(l.Id.ToString(), l.Label))]),
            ParleyJsonContext.Default.CreateSecretResponse, statusCode: StatusCodes.Status201Created);
    }

    public async Task<IResult> LookAsync(string id, HttpContext context)
    {
        if (!SecretId.TryParse(id, out var secretId))
        {
            return Problems.InvalidId();
        }

        byte[]? accessHash = null;
        var access = context.Request.Headers[SecretHeaders.Access];
        if (access.Count > 0 && (access.Count > 1 || (accessHash = SecretTokens.HashOf(access[0])) is null))
        {
            return Problems.InvalidRequest(SecretHeaders.Access, "must be one access key: 32 bytes, base64url");
        }

        var record = await store.FindAsync(secretId, context.RequestAborted);
        if (record is null)
        {
            return SecretProblems.NotFound();
        }

        var phase = record.PhaseAt(time.GetUtcNow());
        if (phase is SecretPhase.Available or SecretPhase.Uploading)
        {
            return TypedResults.Json(new SecretLookResponse(id,
                phase == SecretPhase.Available ? SecretStates.Available : SecretStates.Uploading,
                record.Passphrase is { } p ? new PassphraseParameters(PassphraseParameters.Pbkdf2Sha256, Base64Url.Encode(p.Salt), p.Iterations) : null,
                record.ManifestBytes, record.StreamBytes, record.ExpiresAt, record.ViewsLeft), ParleyJsonContext.Default.SecretLookResponse);
        }

        return accessHash is not null && SecretTokens.Matches(record.AccessVerifier, accessHash)
            ? Gone(record, phase)
            : SecretProblems.NotFound();
    }

    public async Task<IResult> OpenAsync(string id, HttpContext context)
    {
        if (!SecretId.TryParse(id, out var secretId))
        {
            return Refused(OpenRefusal.Invalid, Problems.InvalidId());
        }

        var (request, problem) = await JsonBody.ReadAsync(context.Request, ParleyJsonContext.Default.OpenSecretRequest, OpenBodyLimit);
        if (problem is not null)
        {
            return Refused(OpenRefusal.Invalid, problem);
        }

        var accessHash = SecretTokens.HashOf(request!.AccessKey);
        byte[]? passphraseHash = null;
        if (accessHash is null)
        {
            return Refused(OpenRefusal.Invalid, Problems.InvalidRequest("accessKey", "must be 32 bytes, base64url"));
        }

        if (request.PassphraseProof is not null && (passphraseHash = SecretTokens.HashOf(request.PassphraseProof)) is null)
        {
            return Refused(OpenRefusal.Invalid, Problems.InvalidRequest("passphraseProof", "must be 32 bytes, base64url, or null"));
        }

        var ct = context.RequestAborted;
        // One store round trip in the common case: the claim checks the access key, the passphrase (when
        // the secret has one) and availability itself, and records the download grant only when the secret
        // has a stream. A claim that fails says why (SecretRecord.ClaimRefusalAt) with the record it judged.
        var (downloadToken, grantHash) = SecretTokens.NewToken();
        var now = time.GetUtcNow();
        var grant = new DownloadGrant(grantHash, now + _o.DownloadWindow);
        ClaimOutcome outcome;
        using (storeMetrics.Time(StoreOperations.SecretClaim))
        {
            outcome = await store.TryClaimAsync(secretId, accessHash, passphraseHash, now, grant, ct);
        }

        // A lost race claims again against the record's new state; three more rounds always settle it.
        for (var round = 0; ; round++)
        {
            if (outcome.View is { } claimed)
            {
                return Opened(claimed, downloadToken, grant);
            }

            if (outcome is { Refusal: { } refusal, Record: var record })
            {
                switch (refusal)
                {
                    case OpenRefusal.WrongAccessKey:
                        await store.RecordWrongAccessAsync(secretId, now, ct);
                        SecretsLog.WrongAccessKey(logger);
                        return Refused(refusal, SecretProblems.AccessDenied());
                    case OpenRefusal.NotReady:
                        return Refused(refusal, SecretProblems.NotReady());
                    case OpenRefusal.Gone:
                        return Refused(refusal, Gone(record!, record!.PhaseAt(now)));
                    case OpenRefusal.WrongPassphrase:
                        if (await store.RecordWrongPassphraseAsync(secretId, accessHash, now, ct) is { } failure)
                        {
                            return WrongPassphrase(failure);
                        }

                        break; // it ended meanwhile: the next round says how
                    default:
                        return Refused(OpenRefusal.NotFound, SecretProblems.NotFound());
                }
            }

            if (round == 3)
            {
                return Refused(OpenRefusal.NotFound, SecretProblems.NotFound());
            }

            now = time.GetUtcNow();
            grant = grant with { ExpiresAt = now + _o.DownloadWindow };
            outcome = await store.TryClaimAsync(secretId, accessHash, passphraseHash, now, grant, ct);
        }
    }

    private IResult WrongPassphrase(PassphraseFailure failure)
    {
        if (failure.BurnedAt is { } burnedAt)
        {
            SecretsLog.Burned(logger);
            metrics.Burned();
            return Refused(OpenRefusal.WrongPassphrase, SecretProblems.Burned(burnedAt));
        }

        SecretsLog.WrongPassphrase(logger, failure.AttemptsLeft);
        return Refused(OpenRefusal.WrongPassphrase, SecretProblems.WrongPassphrase(failure.AttemptsLeft));
    }

    private IResult Refused(OpenRefusal reason, IResult problem)
    {
        metrics.OpenRefused(reason);
        return problem;
    }

    private IResult Opened(ClaimedView claimed, string downloadToken, DownloadGrant grant)
    {
        SecretsLog.Opened(logger, claimed.ViewsLeft);
        metrics.Opened();

        var ticket = claimed.StreamBytes is { } bytes ? new StreamTicket(bytes, downloadToken, Truncate(grant.ExpiresAt)) : null;
        var response = new OpenSecretResponse(Base64Url.Encode(claimed.Manifest), claimed.ViewsLeft, ticket,
            claimed.WrappedKey is null ? null : Base64Url.Encode(claimed.WrappedKey));
        return TypedResults.Json(response, ParleyJsonContext.Default.OpenSecretResponse);
    }

    public async Task<IResult> StatusAsync(string id, HttpContext context)
    {
        var (record, problem) = await AuthorizeManageAsync(id, context);
        if (problem is not null)
        {
            return problem;
        }

        var r = record!;
        var now = time.GetUtcNow();
        IReadOnlyList<RecipientStatus>? recipients = null;
        if (r.IsRecipientLink)
        {
            var links = await store.FindBundleAsync(r.BundleId, context.RequestAborted);
            recipients = [.. links.Select(l => new RecipientStatus(l.Id.ToString(), l.Label, StateOf(l, now), l.ViewsLeft, l.OpenedAt,
                l.FailedAttempts, PassphraseAttemptsLeft(l), l.DestroyedAt))];
        }

        return TypedResults.Json(new SecretStatusResponse(id, StateOf(r, now), r.CreatedAt, r.ExpiresAt, r.MaxViews, r.ViewsLeft, r.OpenedAt,
            r.FailedAttempts, PassphraseAttemptsLeft(r), r.DestroyedAt, recipients),
            ParleyJsonContext.Default.SecretStatusResponse);
    }

    private static string StateOf(SecretRecord r, DateTimeOffset now) => r.PhaseAt(now) switch
    {
        SecretPhase.Uploading => SecretStates.Uploading,
        SecretPhase.Available => r.ViewsLeft == r.MaxViews ? SecretStates.Unread : SecretStates.PartlyRead,
        SecretPhase.Opened => SecretStates.Opened,
        SecretPhase.Expired => SecretStates.Expired,
        SecretPhase.Destroyed => SecretStates.Destroyed,
        _ => SecretStates.Burned,
    };

    private static int? PassphraseAttemptsLeft(SecretRecord r) =>
        r.Passphrase is null ? null : Math.Max(0, r.MaxPassphraseAttempts - r.PassphraseFailures);

    public async Task<IResult> DestroyAsync(string id, HttpContext context)
    {
        var (record, problem) = await AuthorizeManageAsync(id, context);
        if (problem is not null)
        {
            return problem;
        }

        await DestroyOneAsync(record!.Id, context.RequestAborted);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// <c>DELETE /api/secrets/{id}/recipients</c>: destroys every link of the secret's bundle (for a secret
    /// with one recipient, the same as destroying it). Each link is destroyed in its own atomic step.
    /// </summary>
    public async Task<IResult> DestroyAllAsync(string id, HttpContext context)
    {
        var (record, problem) = await AuthorizeManageAsync(id, context);
        if (problem is not null)
        {
            return problem;
        }

        var links = record!.IsRecipientLink ? await store.FindBundleAsync(record.BundleId, context.RequestAborted) : [record];
        foreach (var link in links)
        {
            await DestroyOneAsync(link.Id, context.RequestAborted);
        }

        return TypedResults.NoContent();
    }

    private async Task DestroyOneAsync(SecretId id, CancellationToken cancellationToken)
    {
        if (await store.DestroyAsync(id, time.GetUtcNow(), cancellationToken))
        {
            SecretsLog.Destroyed(logger);
            metrics.Destroyed();
        }
    }

    public async Task<IResult> UploadAsync(string id, HttpContext context)
    {
        // Up to the stream limit from the start, so that a part refused unread can still be drained
        // and answered; the exact part length is set before the body is read.
        var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false })
        {
            sizeFeature.MaxRequestBodySize = _o.MaxStreamBytes;
        }

        var (record, problem) = await AuthorizeManageAsync(id, context);
        if (problem is not null)
        {
            return problem;
        }

        var request = context.Request;
        if (!JsonBody.HasMediaType(request.ContentType, "application/octet-stream", allowCharset: false))
        {
            return Problems.UnsupportedMediaType("application/octet-stream");
        }

        var r = record!;
        var phase = r.PhaseAt(time.GetUtcNow());
        if (r.StreamBytes is not { } total)
        {
            return Problems.InvalidRequest("This secret has no file stream.");
        }

        if (phase != SecretPhase.Uploading)
        {
            return phase == SecretPhase.Available ? SecretProblems.UploadConflict(r.StreamReceived) : Gone(r, phase);
        }

        long offset = 0, length = total;
        var contentRange = request.Headers.ContentRange;
        if (contentRange.Count > 0)
        {
            if (contentRange.Count > 1 || !ByteRanges.TryParseContentRange(contentRange[0], out var first, out var last, out var declared))
            {
                return Problems.InvalidRequest("Content-Range", "must be bytes {first}-{last}/{total}");
            }

            if (declared != total)
            {
                return Problems.InvalidRequest("Content-Range", $"total must be the declared stream length {total}");
            }

            offset = first;
            length = last - first + 1;
        }

        if (offset != r.StreamReceived)
        {
            return SecretProblems.UploadConflict(r.StreamReceived);
        }

        if (request.ContentLength is { } contentLength && contentLength != length)
        {
            return Problems.InvalidRequest("Content-Length", $"must be {length}, the length of this part");
        }

        if (sizeFeature is { IsReadOnly: false })
        {
            // Kestrel counts chunked framing toward the limit; the exact length is enforced by the store,
            // which never reads more than one byte past it.
            sizeFeature.MaxRequestBodySize = length + (length / 16) + (64 * 1024);
        }

        // The links of a bundle share one stream, uploaded once under the bundle id.
        var result = await store.AppendStreamAsync(r.BundleId, offset, length, request.Body, context.RequestAborted);
        switch (result.Status)
        {
            case AppendStatus.Appended:
                SecretsLog.PartStored(logger, length, result.Received, total);
                if (result.Received >= total)
                {
                    return TypedResults.Json(new UploadCompleteResponse(true), ParleyJsonContext.Default.UploadCompleteResponse);
                }

                context.Response.Headers[SecretHeaders.Received] = result.Received.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return TypedResults.NoContent();
            case AppendStatus.Truncated:
                SecretsLog.PartRefused(logger, result.Status);
                return Problems.InvalidRequest("body", $"ended before the {length} bytes this part declares; nothing was stored");
            case AppendStatus.TooLong:
                SecretsLog.PartRefused(logger, result.Status);
                return Problems.InvalidRequest("body", $"is longer than the {length} bytes this part declares; nothing was stored");
            case AppendStatus.NotFound:
                return SecretProblems.NotFound();
            default:
                SecretsLog.PartRefused(logger, result.Status);
                return SecretProblems.UploadConflict(result.Received);
        }
    }

    public async Task<IResult> DownloadAsync(string id, HttpContext context)
    {
        var (record, problem) = await AuthorizeDownloadAsync(id, context);
        if (problem is not null)
        {
            return problem;
        }

        var r = record!;
        var total = r.StreamBytes!.Value;
        var range = ByteRanges.ParseRange(context.Request.Headers.Range.Count == 1 ? context.Request.Headers.Range[0] : null,
            total, out var offset, out var count);
        var response = context.Response;
        if (range == ByteRanges.RangeResult.Unsatisfiable)
        {
            response.Headers.ContentRange = $"bytes */{total}";
            return SecretProblems.RangeNotSatisfiable();
        }

        return new StreamResult(store, r, offset, count, total, range == ByteRanges.RangeResult.Partial);
    }

    public async Task<IResult> EndDownloadAsync(string id, HttpContext context)
    {
        if (!SecretId.TryParse(id, out var secretId))
        {
            return Problems.InvalidId();
        }

        var tokenHash = SecretTokens.BearerHash(context.Request);
        if (tokenHash is null || !await store.EndDownloadGrantAsync(secretId, tokenHash, time.GetUtcNow(), context.RequestAborted))
        {
            return Problems.Unauthorized();
        }

        return TypedResults.NoContent();
    }

    private async Task<(SecretRecord?, ProblemHttpResult?)> AuthorizeManageAsync(string id, HttpContext context)
    {
        if (!SecretId.TryParse(id, out var secretId))
        {
            return (null, Problems.InvalidId());
        }

        var tokenHash = SecretTokens.BearerHash(context.Request);
        if (tokenHash is null)
        {
            return (null, Problems.Unauthorized());
        }

        var record = await store.FindAsync(secretId, context.RequestAborted);
        if (record is null)
        {
            return (null, SecretProblems.NotFound());
        }

        return SecretTokens.Matches(record.ManageHash, tokenHash) ? (record, null) : (null, Problems.Unauthorized());
    }

    private async Task<(SecretRecord?, ProblemHttpResult?)> AuthorizeDownloadAsync(string id, HttpContext context)
    {
        if (!SecretId.TryParse(id, out var secretId))
        {
            return (null, Problems.InvalidId());
        }

        var tokenHash = SecretTokens.BearerHash(context.Request);
        var now = time.GetUtcNow();
        if (tokenHash is null || !await store.HasDownloadGrantAsync(secretId, tokenHash, now, context.RequestAborted))
        {
            return (null, Problems.Unauthorized());
        }

        var record = await store.FindAsync(secretId, context.RequestAborted);
        if (record is null || record.StreamBytes is null)
        {
            return (null, SecretProblems.NotFound());
        }

        var phase = record.PhaseAt(now);
        if (phase is SecretPhase.Destroyed or SecretPhase.Burned)
        {
            return (null, Gone(record, phase));
        }

        return record.StreamStored ? (record, null) : (null, SecretProblems.NotFound());
    }

    /// <summary>Why a secret is gone; only for callers who proved the key or hold the manage token.</summary>
    private static ProblemHttpResult Gone(SecretRecord record, SecretPhase phase) => phase switch
    {
        SecretPhase.Destroyed => SecretProblems.Destroyed(record.DestroyedAt!.Value),
        SecretPhase.Burned => SecretProblems.Burned(record.BurnedAt!.Value),
        SecretPhase.Opened => SecretProblems.AlreadyOpened(record.OpenedAt),
        SecretPhase.Expired => SecretProblems.Expired(record.ExpiresAt),
        SecretPhase.Uploading => SecretProblems.NotReady(),
        _ => SecretProblems.NotFound(),
    };

    private static DateTimeOffset Truncate(DateTimeOffset t) => DateTimeOffset.FromUnixTimeMilliseconds(t.ToUnixTimeMilliseconds());

    private static SecretsConfigResponse BuildConfig(SecretsOptions o) => new(
        FormatVersion: 1,
        ExpiryChoices: [.. o.ExpiryChoices.Order().Select(e => new ExpiryChoice((int)e.TotalSeconds, SecretsOptions.Label(e)))],
        DefaultExpirySeconds: (int)o.DefaultExpiry.TotalSeconds,
        ViewChoices: [.. o.ViewChoices.Order()],
        DefaultViews: o.DefaultViews,
        MaxManifestBytes: o.MaxManifestBytes,
        MaxStreamBytes: o.MaxStreamBytes,
        MaxFiles: o.MaxFiles,
        Passphrase: new PassphrasePolicy(o.MinPassphraseIterations, o.DefaultPassphraseIterations, o.MaxPassphraseAttempts),
        CreationOpen: o.CreationOpen,
        MaxRecipients: RecipientLinks.MaxRecipients);

    /// <summary>Streams a stored file stream (or a range of it) to the response without buffering it.</summary>
    private sealed class StreamResult(ISecretStore store, SecretRecord record, long offset, long count, long total, bool partial) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = partial ? StatusCodes.Status206PartialContent : StatusCodes.Status200OK;
            response.ContentType = "application/octet-stream";
            response.ContentLength = count;
            response.Headers.AcceptRanges = "bytes";
            if (partial)
            {
                response.Headers.ContentRange = $"bytes {offset}-{offset + count - 1}/{total}";
            }

            if (HttpMethods.IsHead(httpContext.Request.Method))
            {
                return;
            }

            if (!await store.CopyStreamAsync(record, offset, count, response.Body, httpContext.RequestAborted) && !response.HasStarted)
            {
                response.ContentLength = null;
                response.Headers.ContentRange = default;
                await SecretProblems.NotFound().ExecuteAsync(httpContext);
            }
        }
    }
}
