using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Parley.Contracts;

namespace Parley.Server.Infrastructure.Http;

/// <summary>
/// Every error Parley answers, as RFC 9457 problem details with a stable <c>type</c>
/// (<see cref="ProblemTypes"/>). Details are written for people and never carry secrets.
/// </summary>
internal static class Problems
{
    private static readonly Dictionary<int, (string Type, string Title)> ByStatus = new()
    {
        [StatusCodes.Status400BadRequest] = (ProblemTypes.InvalidRequest, "The request is malformed."),
        [StatusCodes.Status401Unauthorized] = (ProblemTypes.Unauthorized, "Missing or wrong token."),
        [StatusCodes.Status403Forbidden] = (ProblemTypes.AccessDenied, "Access denied."),
        [StatusCodes.Status404NotFound] = (ProblemTypes.NotFound, "Not found."),
        [StatusCodes.Status405MethodNotAllowed] = (ProblemTypes.MethodNotAllowed, "Method not allowed."),
        [StatusCodes.Status413PayloadTooLarge] = (ProblemTypes.PayloadTooLarge, "The request is too large."),
        [StatusCodes.Status415UnsupportedMediaType] = (ProblemTypes.UnsupportedMediaType, "Unsupported content type."),
        [StatusCodes.Status416RangeNotSatisfiable] = (ProblemTypes.RangeNotSatisfiable, "Range not satisfiable."),
        [StatusCodes.Status429TooManyRequests] = (ProblemTypes.RateLimited, "Too many requests."),
        [StatusCodes.Status500InternalServerError] = (ProblemTypes.InternalError, "An unexpected error occurred."),
    };

    /// <summary>The default type and title for a status code (used for answers the framework makes).</summary>
    public static (string Type, string Title) ForStatus(int status) =>
        ByStatus.TryGetValue(status, out var known)
            ? known
            : status >= 500 ? ByStatus[500] : ByStatus[400];

    public static ProblemHttpResult Create(int status, string type, string title, string? detail = null,
        IDictionary<string, object?>? extensions = null)
    {
        var problem = new ProblemDetails { Status = status, Type = type, Title = title, Detail = detail };
        if (extensions is not null)
        {
            foreach (var (key, value) in extensions)
            {
                problem.Extensions[key] = value;
            }
        }

        return TypedResults.Problem(problem);
    }

    public static ProblemHttpResult InvalidRequest(string detail, IDictionary<string, string[]>? errors = null) =>
        Create(400, ProblemTypes.InvalidRequest, "The request is malformed.", detail,
            errors is null ? null : new Dictionary<string, object?> { ["errors"] = errors });

    public static ProblemHttpResult InvalidRequest(string member, string message) =>
        InvalidRequest("The request has invalid members.", new Dictionary<string, string[]> { [member] = [message] });

    /// <summary>The 503 for a store fault (<see cref="Storage.StoreFault"/>), with the type, title and detail a client can act on.</summary>
    public static ProblemDetails StoreFault(Storage.StoreFaultKind kind) => kind == Storage.StoreFaultKind.Full
        ? new ProblemDetails
        {
            Status = StatusCodes.Status503ServiceUnavailable, Type = ProblemTypes.StorageFull, Title = "The server's storage is full.",
            Detail = "Nothing was stored. Try again later; the operator has to free space.",
        }
        : new ProblemDetails
        {
            Status = StatusCodes.Status503ServiceUnavailable, Type = ProblemTypes.NodeUnavailable, Title = "The store is unavailable.",
            Detail = "The server cannot reach its database right now; nothing was changed. Try again shortly.",
            Extensions = { ["reason"] = "store" },
        };

    public static ProblemHttpResult InvalidId() =>
        Create(400, ProblemTypes.InvalidId, "The id is malformed.", "An id is 22 base64url characters.");

    public static ProblemHttpResult InvalidChoice(string member, string detail) =>
        Create(400, ProblemTypes.InvalidChoice, "Not one of the operator's choices.", detail,
            new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [member] = [detail] } });

    public static ProblemHttpResult UnsupportedMediaType(string expected) =>
        Create(415, ProblemTypes.UnsupportedMediaType, "Unsupported content type.", $"Send Content-Type: {expected}.");

    public static ProblemHttpResult PayloadTooLarge(string detail) =>
        Create(413, ProblemTypes.PayloadTooLarge, "The request is too large.", detail);

    public static ProblemHttpResult NotFound() =>
        Create(404, ProblemTypes.NotFound, "Not found.", "No such secret, or it is no longer available.");

    public static ProblemHttpResult Unauthorized() =>
        Create(401, ProblemTypes.Unauthorized, "Missing or wrong token.", "Send Authorization: Bearer with the right token.");

    public static ProblemHttpResult AccessDenied() =>
        Create(403, ProblemTypes.AccessDenied, "Wrong access key.", "The access key does not match; the attempt was counted.");

    public static ProblemHttpResult WrongPassphrase(int attemptsLeft) =>
        Create(403, ProblemTypes.WrongPassphrase, "Wrong passphrase.",
            $"The passphrase does not match; {attemptsLeft} attempt(s) left before the secret is destroyed.",
            new Dictionary<string, object?> { ["attemptsLeft"] = attemptsLeft });

    public static ProblemHttpResult Burned(DateTimeOffset burnedAt) =>
        Create(410, ProblemTypes.Burned, "The secret was destroyed after too many wrong passphrases.", null,
            new Dictionary<string, object?> { ["burnedAt"] = burnedAt });

    public static ProblemHttpResult AlreadyOpened(IReadOnlyList<DateTimeOffset> openedAt) =>
        Create(410, ProblemTypes.AlreadyOpened, "The secret was already opened.",
            openedAt.Count > 0 ? $"Last opened at {openedAt[^1]:O}." : null,
            new Dictionary<string, object?> { ["openedAt"] = openedAt });

    public static ProblemHttpResult Expired(DateTimeOffset expiredAt) =>
        Create(410, ProblemTypes.Expired, "The secret expired.", $"It expired at {expiredAt:O}.",
            new Dictionary<string, object?> { ["expiredAt"] = expiredAt });

    public static ProblemHttpResult Destroyed(DateTimeOffset destroyedAt) =>
        Create(410, ProblemTypes.Destroyed, "The creator destroyed the secret.", $"It was destroyed at {destroyedAt:O}.",
            new Dictionary<string, object?> { ["destroyedAt"] = destroyedAt });

    public static ProblemHttpResult NotReady() =>
        Create(409, ProblemTypes.NotReady, "The file stream is not uploaded yet.", "Try again once the creator's upload is complete.");

    public static ProblemHttpResult UploadConflict(long received) =>
        Create(409, ProblemTypes.UploadConflict, "The part does not continue the upload.",
            $"The upload stands at {received} bytes.", new Dictionary<string, object?> { ["received"] = received });

    public static ProblemHttpResult CreationClosed() =>
        Create(403, ProblemTypes.CreationClosed, "Secret creation is closed.", "The operator has closed secret creation on this server.");

    public static ProblemHttpResult RangeNotSatisfiable() =>
        Create(416, ProblemTypes.RangeNotSatisfiable, "Range not satisfiable.", "The range starts beyond the end of the stream.");
}
