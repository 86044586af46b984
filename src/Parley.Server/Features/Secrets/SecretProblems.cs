using Microsoft.AspNetCore.Http.HttpResults;
using Parley.Contracts;
using Parley.Server.Infrastructure.Http;

namespace Parley.Server.Features.Secrets;

/// <summary>The problems only the secrets API answers (the shared ones come from <see cref="Problems"/>).</summary>
internal static class SecretProblems
{
    public static ProblemHttpResult NotFound() =>
        Problems.Create(404, ProblemTypes.NotFound, "Not found.", "No such secret, or it is no longer available.");

    public static ProblemHttpResult AccessDenied() =>
        Problems.Create(403, ProblemTypes.AccessDenied, "Wrong access key.", "The access key does not match; the attempt was counted.");

    public static ProblemHttpResult WrongPassphrase(int attemptsLeft) =>
        Problems.Create(403, ProblemTypes.WrongPassphrase, "Wrong passphrase.",
            $"The passphrase does not match; {attemptsLeft} attempt(s) left before the secret is destroyed.",
            new Dictionary<string, object?> { ["attemptsLeft"] = attemptsLeft });

    public static ProblemHttpResult Burned(DateTimeOffset burnedAt) =>
        Problems.Create(410, ProblemTypes.Burned, "The secret was destroyed after too many wrong passphrases.", null,
            new Dictionary<string, object?> { ["burnedAt"] = burnedAt });

    public static ProblemHttpResult AlreadyOpened(IReadOnlyList<DateTimeOffset> openedAt) =>
        Problems.Create(410, ProblemTypes.AlreadyOpened, "The secret was already opened.",
            openedAt.Count > 0 ? $"Last opened at {openedAt[^1]:O}." : null,
            new Dictionary<string, object?> { ["openedAt"] = openedAt });

    public static ProblemHttpResult Expired(DateTimeOffset expiredAt) =>
        Problems.Create(410, ProblemTypes.Expired, "The secret expired.", $"It expired at {expiredAt:O}.",
            new Dictionary<string, object?> { ["expiredAt"] = expiredAt });

    public static ProblemHttpResult Destroyed(DateTimeOffset destroyedAt) =>
        Problems.Create(410, ProblemTypes.Destroyed, "The creator destroyed the secret.", $"It was destroyed at {destroyedAt:O}.",
            new Dictionary<string, object?> { ["destroyedAt"] = destroyedAt });

    public static ProblemHttpResult NotReady() =>
        Problems.Create(409, ProblemTypes.NotReady, "The file stream is not uploaded yet.", "Try again once the creator's upload is complete.");

    public static ProblemHttpResult UploadConflict(long received) =>
        Problems.Create(409, ProblemTypes.UploadConflict, "The part does not continue the upload.",
            $"The upload stands at {received} bytes.", new Dictionary<string, object?> { ["received"] = received });

    public static ProblemHttpResult CreationClosed() =>
        Problems.Create(403, ProblemTypes.CreationClosed, "Secret creation is closed.", "The operator has closed secret creation on this server.");

    public static ProblemHttpResult RangeNotSatisfiable() =>
        Problems.Create(416, ProblemTypes.RangeNotSatisfiable, "Range not satisfiable.", "The range starts beyond the end of the stream.");
}
