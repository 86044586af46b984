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

    public static ProblemHttpResult Unauthorized() =>
        Create(401, ProblemTypes.Unauthorized, "Missing or wrong token.", "Send Authorization: Bearer with the right token.");
}
