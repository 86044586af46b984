using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Parley.Contracts;
using Parley.Contracts.Requests;
using Parley.Contracts.Secrets;
using Parley.Server.Features.Secrets;
using Parley.Server.Features.Webhooks;
using Parley.Server.Infrastructure.Http;
using Parley.Server.Infrastructure.Text;

namespace Parley.Server.Features.Requests;

/// <summary>
/// The handlers of docs/api.md's request routes. An answer is an ordinary one-time secret (one view,
/// expiring with the request) made through <see cref="ISecretStore"/> and then recorded on the request
/// with a compare-and-set, so a request keeps exactly one answer. Every handler validates all input
/// before any state change.
/// </summary>
internal sealed class RequestsApi(IRequestStore requests, ISecretStore secrets, IOptions<SecretsOptions> options, WebhookEndpoints webhooks,
    TimeProvider time, RequestsMetrics metrics, ILogger<RequestsApi> logger)
{
    private const int CreateBodyLimit = 4 * 1024;
    private readonly SecretsOptions _o = options.Value;
    private readonly long _answerBodyLimit = SecretContent.BodyLimit(options.Value) + 256;

    private enum RequestPhase
    {
        Waiting,
        Uploading,
        Answered,
        Opened,
        Expired,
        Destroyed,
    }

    public async Task<IResult> CreateAsync(HttpContext context)
    {
        if (!_o.CreationOpen)
        {
            return RequestProblems.CreationClosed();
        }

        var (request, problem) = await JsonBody.ReadAsync(context.Request, RequestsJsonContext.Default.CreateRequestRequest, CreateBodyLimit);
        if (problem is not null)
        {
            return problem;
        }

        var errors = new Dictionary<string, string[]>();
        var tokenVerifier = new byte[SecretTokens.HashBytes];
        if (!Base64Url.TryDecodeExact(request!.TokenVerifier, tokenVerifier))
        {
            errors["tokenVerifier"] = ["must be 32 bytes, base64url"];
        }

        var sendVerifier = new byte[SecretTokens.HashBytes];
        if (!Base64Url.TryDecodeExact(request.SendVerifier, sendVerifier))
        {
            errors["sendVerifier"] = ["must be 32 bytes, base64url"];
        }

        if (request.Label is { } label && VisibleText.Problem(label, RequestLimits.MaxLabelLength) is { } why)
        {
            errors["label"] = [why];
        }

        if (request.Webhook is { } webhook && webhooks.Problem(webhook) is { } webhookProblem)
        {
            errors["webhook"] = [webhookProblem];
        }

        if (errors.Count > 0)
        {
            return Problems.InvalidRequest("The request has invalid members.", errors);
        }

        if (request.ExpiresInSeconds <= 0 || !_o.ExpiryChoices.Contains(TimeSpan.FromSeconds(request.ExpiresInSeconds)))
        {
            return Problems.InvalidChoice("expiresInSeconds",
                "must be one of " + string.Join(", ", _o.ExpiryChoices.Select(e => (long)e.TotalSeconds)));
        }

        var now = time.GetUtcNow();
        var id = SecretId.New();
        var expiresAt = Truncate(now.AddSeconds(request.ExpiresInSeconds));
        // The webhook's target is stored with the request, in the same atomic step.
        var endpoint = request.Webhook is { } url ? WebhookEndpoints.New(url) : null;
        await requests.CreateAsync(new NewRequest(id, tokenVerifier, sendVerifier, request.Label, now, expiresAt, endpoint), context.RequestAborted);
        RequestsLog.Created(logger, request.ExpiresInSeconds, request.Label is not null);
        metrics.Created();

        var idText = id.ToString();
        context.Response.Headers.Location = "/api/requests/" + idText;
        var signingKey = endpoint is null ? null : WebhookEndpoints.KeyText(endpoint);
        return TypedResults.Json(new CreateRequestResponse(idText, expiresAt, signingKey), RequestsJsonContext.Default.CreateRequestResponse,
            statusCode: StatusCodes.Status201Created);
    }

    public async Task<IResult> LookAsync(string id, HttpContext context)
    {
        if (!SecretId.TryParse(id, out var requestId))
        {
            return Problems.InvalidId();
        }

        byte[]? sendHash = null;
        var access = context.Request.Headers[SecretHeaders.Access];
        if (access.Count > 1 || (access.Count == 1 && (sendHash = SecretTokens.HashOf(access[0])) is null))
        {
            return Problems.InvalidRequest(SecretHeaders.Access, "must be one send token: 32 bytes, base64url");
        }

        var ct = context.RequestAborted;
        var record = await requests.FindAsync(requestId, ct);
        if (record is null || sendHash is null || !SecretTokens.Matches(record.SendVerifier, sendHash))
        {
            return RequestProblems.NotFound();
        }

        var (phase, _) = await PhaseAsync(record, time.GetUtcNow(), ct);
        return phase == RequestPhase.Waiting
            ? TypedResults.Json(new RequestLookResponse(id, RequestStates.Waiting, record.Label, record.ExpiresAt),
                RequestsJsonContext.Default.RequestLookResponse)
            : Ended(record, phase);
    }

    public async Task<IResult> AnswerAsync(string id, HttpContext context)
    {
        if (!SecretId.TryParse(id, out var requestId))
        {
            return Problems.InvalidId();
        }

        var (body, problem) = await JsonBody.ReadAsync(context.Request, RequestsJsonContext.Default.AnswerRequestRequest, _answerBodyLimit);
        if (problem is not null)
        {
            return problem;
        }

        var errors = new Dictionary<string, string[]>();
        var sendHash = SecretTokens.HashOf(body!.SendToken);
        if (sendHash is null)
        {
            errors["sendToken"] = ["must be 32 bytes, base64url"];
        }

        var ephemeralKey = new byte[SecretTokens.TokenBytes];
        if (!Base64Url.TryDecodeExact(body.EphemeralKey, ephemeralKey))
        {
            errors["ephemeralKey"] = ["must be 32 bytes, base64url"];
        }

        var tooLarge = SecretContent.Check(body.Manifest, body.AccessVerifier, body.StreamBytes, _o, errors, out var manifest, out var accessVerifier);
        if (tooLarge is not null)
        {
            return tooLarge;
        }

        if (errors.Count > 0)
        {
            return Problems.InvalidRequest("The request has invalid members.", errors);
        }

        var ct = context.RequestAborted;
        var record = await requests.FindAsync(requestId, ct);
        if (record is null || !SecretTokens.Matches(record.SendVerifier, sendHash!))
        {
            return RequestProblems.NotFound();
        }

        var now = time.GetUtcNow();
        var (phase, _) = await PhaseAsync(record, now, ct);
        if (phase != RequestPhase.Waiting)
        {
            return Ended(record, phase);
        }

        // The answer's secret first, then the compare-and-set that makes it the answer: a crash in
        // between leaves an unreferenced secret that expires with the request, never a request that
        // points at nothing. Past this point the client's going away cancels nothing.
        var secretId = SecretId.New();
        var (uploadToken, uploadHash) = SecretTokens.NewToken();
        await secrets.CreateAsync(new SecretToStore(secretId, uploadHash, accessVerifier, null, manifest!, body.StreamBytes, now,
            record.ExpiresAt, MaxViews: 1, _o.MaxPassphraseAttempts), CancellationToken.None);
        // Recording the answer also gives its secret the request's webhook target (its opening is reported under
        // the request's id) and queues the request's event, in the same atomic step.
        var answer = new RequestAnswer(secretId, ephemeralKey, now);
        if (await requests.TryAnswerAsync(requestId, record.Answer?.SecretId, answer, now, CancellationToken.None) is not null)
        {
            await secrets.DestroyAsync(secretId, now, CancellationToken.None);
            RequestsLog.AnswerLostRace(logger);
            var current = await requests.FindAsync(requestId, CancellationToken.None);
            if (current is null)
            {
                return RequestProblems.NotFound();
            }

            var (currentPhase, _) = await PhaseAsync(current, time.GetUtcNow(), CancellationToken.None);
            return Ended(current, currentPhase);
        }

        RequestsLog.Answered(logger, body.StreamBytes ?? 0);
        metrics.Answered();
        var secretText = secretId.ToString();
        context.Response.Headers.Location = "/api/secrets/" + secretText;
        return TypedResults.Json(new AnswerRequestResponse(secretText, uploadToken, record.ExpiresAt, body.StreamBytes is not null),
            RequestsJsonContext.Default.AnswerRequestResponse, statusCode: StatusCodes.Status201Created);
    }

    public async Task<IResult> OpenAnswerAsync(string id, HttpContext context)
    {
        var (record, problem) = await AuthorizeRequesterAsync(id, context);
        if (problem is not null)
        {
            return problem;
        }

        var r = record!;
        var (phase, _) = await PhaseAsync(r, time.GetUtcNow(), context.RequestAborted);
        return phase switch
        {
            RequestPhase.Waiting => RequestProblems.NotAnswered(),
            RequestPhase.Uploading or RequestPhase.Answered or RequestPhase.Opened => TypedResults.Json(
                new RequestAnswerResponse(r.Answer!.SecretId.ToString(), Base64Url.Encode(r.Answer.EphemeralKey), r.Answer.AnsweredAt),
                RequestsJsonContext.Default.RequestAnswerResponse),
            _ => Ended(r, phase),
        };
    }

    public async Task<IResult> StatusAsync(string id, HttpContext context)
    {
        var (record, problem) = await AuthorizeRequesterAsync(id, context);
        if (problem is not null)
        {
            return problem;
        }

        var r = record!;
        var (phase, answer) = await PhaseAsync(r, time.GetUtcNow(), context.RequestAborted);
        var state = phase switch
        {
            RequestPhase.Waiting => RequestStates.Waiting,
            RequestPhase.Uploading => RequestStates.Uploading,
            RequestPhase.Answered => RequestStates.Answered,
            RequestPhase.Opened => RequestStates.Opened,
            RequestPhase.Expired => RequestStates.Expired,
            _ => RequestStates.Destroyed,
        };
        return TypedResults.Json(new RequestStatusResponse(id, state, r.Label, r.CreatedAt, r.ExpiresAt,
            answer is null ? null : r.Answer!.AnsweredAt, answer?.OpenedAt ?? [], answer?.FailedAttempts ?? 0, r.DestroyedAt),
            RequestsJsonContext.Default.RequestStatusResponse);
    }

    public async Task<IResult> DestroyAsync(string id, HttpContext context)
    {
        var (record, problem) = await AuthorizeRequesterAsync(id, context);
        if (problem is not null)
        {
            return problem;
        }

        var now = time.GetUtcNow();
        if (await requests.DestroyAsync(record!.Id, now, CancellationToken.None))
        {
            // No answer can be recorded on a destroyed request, so this read sees the last one.
            var after = await requests.FindAsync(record.Id, CancellationToken.None);
            var answerDestroyed = after?.Answer is { } answer && await secrets.DestroyAsync(answer.SecretId, now, CancellationToken.None);
            RequestsLog.Destroyed(logger, answerDestroyed);
        }

        return TypedResults.NoContent();
    }

    /// <summary>
    /// Where a request stands, and its answer's secret when that answer counts. An answer whose secret
    /// is gone (an abandoned upload) or was withdrawn before anyone opened it does not count: the
    /// request waits for an answer again.
    /// </summary>
    private async Task<(RequestPhase Phase, SecretRecord? Answer)> PhaseAsync(RequestRecord r, DateTimeOffset now, CancellationToken ct)
    {
        var secret = r.Answer is { } a ? await secrets.FindAsync(a.SecretId, ct) : null;
        if (secret is not null && secret.DestroyedAt is not null && secret.OpenedAt.Count == 0)
        {
            secret = null;
        }

        if (r.DestroyedAt is not null)
        {
            return (RequestPhase.Destroyed, secret);
        }

        if (secret is null)
        {
            return (now >= r.ExpiresAt ? RequestPhase.Expired : RequestPhase.Waiting, null);
        }

        return (secret.PhaseAt(now) switch
        {
            SecretPhase.Uploading => RequestPhase.Uploading,
            SecretPhase.Available => RequestPhase.Answered,
            SecretPhase.Opened => RequestPhase.Opened,
            _ => RequestPhase.Expired,
        }, secret);
    }

    /// <summary>The problem for a request that no longer takes an answer.</summary>
    private static ProblemHttpResult Ended(RequestRecord r, RequestPhase phase) => phase switch
    {
        RequestPhase.Destroyed => RequestProblems.Destroyed(r.DestroyedAt!.Value),
        RequestPhase.Expired => RequestProblems.Expired(r.ExpiresAt),
        _ => RequestProblems.AlreadyAnswered(r.Answer?.AnsweredAt ?? r.CreatedAt),
    };

    private async Task<(RequestRecord?, ProblemHttpResult?)> AuthorizeRequesterAsync(string id, HttpContext context)
    {
        if (!SecretId.TryParse(id, out var requestId))
        {
            return (null, Problems.InvalidId());
        }

        var tokenHash = SecretTokens.BearerHash(context.Request);
        if (tokenHash is null)
        {
            return (null, Problems.Unauthorized());
        }

        var record = await requests.FindAsync(requestId, context.RequestAborted);
        if (record is null)
        {
            return (null, RequestProblems.NotFound());
        }

        return SecretTokens.Matches(record.TokenVerifier, tokenHash) ? (record, null) : (null, Problems.Unauthorized());
    }

    private static DateTimeOffset Truncate(DateTimeOffset t) => DateTimeOffset.FromUnixTimeMilliseconds(t.ToUnixTimeMilliseconds());
}
