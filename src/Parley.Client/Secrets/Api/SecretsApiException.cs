using Parley.Contracts;
using Parley.Contracts.Requests;

namespace Parley.Client.Secrets.Api;

/// <summary>The closed set of outcomes a secrets API call can fail with (docs/api.md, "Errors").</summary>
public enum ApiFailure
{
    InvalidRequest,
    InvalidId,
    UnsupportedMediaType,
    PayloadTooLarge,
    InvalidChoice,
    NotFound,
    AccessDenied,
    WrongPassphrase,
    Burned,
    AlreadyOpened,
    Expired,
    Destroyed,
    NotReady,
    UploadConflict,
    Unauthorized,
    RateLimited,
    CreationClosed,
    MethodNotAllowed,
    RangeNotSatisfiable,

    /// <summary>The request already has its answer (<c>already-answered</c>).</summary>
    AlreadyAnswered,

    /// <summary>The request has no answer yet (<c>not-answered</c>).</summary>
    NotAnswered,

    /// <summary>5xx, or <c>internal-error</c>.</summary>
    ServerError,

    /// <summary>The server could not be reached, or the connection failed or timed out mid-way.</summary>
    Network,

    /// <summary>An answer that does not follow docs/api.md (not a Parley server, or a broken one).</summary>
    UnexpectedResponse,
}

/// <summary>A secrets API call failed. Carries the problem's extension members; never any secret.</summary>
public sealed class SecretsApiException : Exception
{
    private static readonly Dictionary<string, ApiFailure> ByType = new(StringComparer.Ordinal)
    {
        [ProblemTypes.InvalidRequest] = ApiFailure.InvalidRequest,
        [ProblemTypes.InvalidId] = ApiFailure.InvalidId,
        [ProblemTypes.UnsupportedMediaType] = ApiFailure.UnsupportedMediaType,
        [ProblemTypes.PayloadTooLarge] = ApiFailure.PayloadTooLarge,
        [ProblemTypes.InvalidChoice] = ApiFailure.InvalidChoice,
        [ProblemTypes.NotFound] = ApiFailure.NotFound,
        [ProblemTypes.AccessDenied] = ApiFailure.AccessDenied,
        [ProblemTypes.WrongPassphrase] = ApiFailure.WrongPassphrase,
        [ProblemTypes.Burned] = ApiFailure.Burned,
        [ProblemTypes.AlreadyOpened] = ApiFailure.AlreadyOpened,
        [ProblemTypes.Expired] = ApiFailure.Expired,
        [ProblemTypes.Destroyed] = ApiFailure.Destroyed,
        [ProblemTypes.NotReady] = ApiFailure.NotReady,
        [ProblemTypes.UploadConflict] = ApiFailure.UploadConflict,
        [ProblemTypes.Unauthorized] = ApiFailure.Unauthorized,
        [ProblemTypes.RateLimited] = ApiFailure.RateLimited,
        [ProblemTypes.CreationClosed] = ApiFailure.CreationClosed,
        [ProblemTypes.MethodNotAllowed] = ApiFailure.MethodNotAllowed,
        [ProblemTypes.RangeNotSatisfiable] = ApiFailure.RangeNotSatisfiable,
        [ProblemTypes.InternalError] = ApiFailure.ServerError,
        [RequestProblemTypes.AlreadyAnswered] = ApiFailure.AlreadyAnswered,
        [RequestProblemTypes.NotAnswered] = ApiFailure.NotAnswered,
    };

    public SecretsApiException(ApiFailure failure, string message, Exception? innerException = null)
        : base(message, innerException) => Failure = failure;

    public SecretsApiException()
        : this(ApiFailure.UnexpectedResponse, "The server's answer was not understood.")
    {
    }

    public SecretsApiException(string message)
        : this(ApiFailure.UnexpectedResponse, message)
    {
    }

    public SecretsApiException(string message, Exception innerException)
        : this(ApiFailure.UnexpectedResponse, message, innerException)
    {
    }

    public ApiFailure Failure { get; }

    /// <summary>The HTTP status, when there was an answer.</summary>
    public int? Status { get; init; }

    /// <summary>The problem's <c>type</c>, when the answer was a problem document.</summary>
    public string? ProblemType { get; init; }

    /// <summary><c>attemptsLeft</c> of <c>wrong-passphrase</c>.</summary>
    public int? AttemptsLeft { get; init; }

    /// <summary><c>openedAt</c> of <c>already-opened</c>.</summary>
    public IReadOnlyList<DateTimeOffset> OpenedAt { get; init; } = [];

    /// <summary><c>expiredAt</c>, <c>destroyedAt</c>, <c>burnedAt</c> or <c>answeredAt</c>, whichever the failure carries.</summary>
    public DateTimeOffset? At { get; init; }

    /// <summary><c>received</c> of <c>upload-conflict</c>.</summary>
    public long? Received { get; init; }

    /// <summary>The <c>Retry-After</c> of <c>rate-limited</c>.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary><c>errors</c> of <c>invalid-request</c>: member → messages.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; init; } = new Dictionary<string, string[]>();

    internal static ApiFailure? FailureFor(string? problemType) =>
        problemType is not null && ByType.TryGetValue(problemType, out var f) ? f : null;
}
