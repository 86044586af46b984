using Microsoft.AspNetCore.Http.HttpResults;
using Parley.Contracts;
using Parley.Contracts.Requests;
using Parley.Server.Infrastructure.Http;

namespace Parley.Server.Features.Requests;

/// <summary>The problems only the requests API answers (the rest come from <see cref="Problems"/>).</summary>
internal static class RequestProblems
{
    public static ProblemHttpResult NotFound() =>
        Problems.Create(404, ProblemTypes.NotFound, "Not found.", "No such request, or the link's key does not match it.");

    public static ProblemHttpResult AlreadyAnswered(DateTimeOffset answeredAt) =>
        Problems.Create(409, RequestProblemTypes.AlreadyAnswered, "The request was already answered.",
            $"It was answered at {answeredAt:O}; a request takes one answer.",
            new Dictionary<string, object?> { ["answeredAt"] = answeredAt });

    public static ProblemHttpResult NotAnswered() =>
        Problems.Create(409, RequestProblemTypes.NotAnswered, "The request has no answer yet.", "Try again once the responder has answered.");

    public static ProblemHttpResult Expired(DateTimeOffset expiredAt) =>
        Problems.Create(410, ProblemTypes.Expired, "The request expired.", $"It expired at {expiredAt:O}.",
            new Dictionary<string, object?> { ["expiredAt"] = expiredAt });

    public static ProblemHttpResult Destroyed(DateTimeOffset destroyedAt) =>
        Problems.Create(410, ProblemTypes.Destroyed, "The requester withdrew the request.", $"It was withdrawn at {destroyedAt:O}.",
            new Dictionary<string, object?> { ["destroyedAt"] = destroyedAt });

    public static ProblemHttpResult CreationClosed() =>
        Problems.Create(403, ProblemTypes.CreationClosed, "Request creation is closed.", "The operator has closed secret and request creation on this server.");
}
