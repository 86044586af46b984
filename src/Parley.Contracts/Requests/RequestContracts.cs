namespace Parley.Contracts.Requests;

// Wire contracts of the request-a-secret API (docs/api.md, "Requests"; docs/request-format.md).
// Binary members are base64url strings without padding; the server validates their lengths.

/// <summary><c>POST /api/requests</c>: the requester's verifiers, an optional plaintext label, and the expiry.</summary>
public sealed record CreateRequestRequest(string TokenVerifier, string SendVerifier, string? Label, int ExpiresInSeconds,
    string? Webhook = null);

/// <summary><c>webhookSigningKey</c> (<c>whsec_…</c>) only when a webhook was given: shown this once, never again.</summary>
public sealed record CreateRequestResponse(string Id, DateTimeOffset ExpiresAt,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    string? WebhookSigningKey = null);

/// <summary><c>GET /api/requests/{id}</c> with the send token, while the request waits for its answer.</summary>
public sealed record RequestLookResponse(string Id, string State, string? Label, DateTimeOffset ExpiresAt);

/// <summary><c>POST /api/requests/{id}/answer</c>: a one-time secret sealed with the agreed key, and the responder's ephemeral public key.</summary>
public sealed record AnswerRequestRequest(string SendToken, string EphemeralKey, string Manifest, string AccessVerifier, long? StreamBytes);

/// <summary>The answer's secret: its file stream is uploaded with <c>PUT /api/secrets/{secretId}/stream</c> and the upload token.</summary>
public sealed record AnswerRequestResponse(string SecretId, string UploadToken, DateTimeOffset ExpiresAt, bool UploadRequired);

/// <summary><c>GET /api/requests/{id}/answer</c> with the request token: what the requester needs to open the answer.</summary>
public sealed record RequestAnswerResponse(string SecretId, string EphemeralKey, DateTimeOffset AnsweredAt);

/// <summary><c>GET /api/requests/{id}/manage</c> with the request token.</summary>
public sealed record RequestStatusResponse(
    string Id,
    string State,
    string? Label,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? AnsweredAt,
    IReadOnlyList<DateTimeOffset> OpenedAt,
    int FailedAttempts,
    DateTimeOffset? DestroyedAt);

/// <summary>The <c>state</c> strings of request look and status answers.</summary>
public static class RequestStates
{
    /// <summary>No answer yet (or the last one was withdrawn before it was opened).</summary>
    public const string Waiting = "waiting";

    /// <summary>Answered; the answer's files are still being uploaded.</summary>
    public const string Uploading = "uploading";

    /// <summary>Answered; the answer has not been opened.</summary>
    public const string Answered = "answered";

    public const string Opened = "opened";
    public const string Expired = "expired";
    public const string Destroyed = "destroyed";
}

/// <summary>Problem types of the requests API (besides the shared ones in <see cref="ProblemTypes"/>).</summary>
public static class RequestProblemTypes
{
    /// <summary>409: the request already has an answer; extension <c>answeredAt</c>.</summary>
    public const string AlreadyAnswered = ProblemTypes.Prefix + "already-answered";

    /// <summary>409: the request has no answer yet.</summary>
    public const string NotAnswered = ProblemTypes.Prefix + "not-answered";
}

/// <summary>Limits of the requests API that clients check before sending.</summary>
public static class RequestLimits
{
    /// <summary>Most Unicode scalar values in a label.</summary>
    public const int MaxLabelLength = 200;
}
