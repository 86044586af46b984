namespace Parley.Contracts;

/// <summary>
/// The stable <c>type</c> URIs of Parley's RFC 9457 problem details. Clients branch on these,
/// never on titles or details. See docs/api.md.
/// </summary>
public static class ProblemTypes
{
    public const string Prefix = "urn:parley:problem:";

    public const string InvalidRequest = Prefix + "invalid-request";
    public const string InvalidId = Prefix + "invalid-id";
    public const string UnsupportedMediaType = Prefix + "unsupported-media-type";
    public const string PayloadTooLarge = Prefix + "payload-too-large";
    public const string InvalidChoice = Prefix + "invalid-choice";
    public const string NotFound = Prefix + "not-found";
    public const string AccessDenied = Prefix + "access-denied";
    public const string WrongPassphrase = Prefix + "wrong-passphrase";
    public const string Burned = Prefix + "burned";
    public const string AlreadyOpened = Prefix + "already-opened";
    public const string Expired = Prefix + "expired";
    public const string Destroyed = Prefix + "destroyed";
    public const string NotReady = Prefix + "not-ready";

    /// <summary>This server node is draining or cannot reach a dependency; another node (or later) may serve.</summary>
    public const string NodeUnavailable = Prefix + "node-unavailable";

    /// <summary>The server's disk (or database) is full: nothing was stored; the same request may succeed once space is freed.</summary>
    public const string StorageFull = Prefix + "storage-full";
    public const string UploadConflict = Prefix + "upload-conflict";
    public const string Unauthorized = Prefix + "unauthorized";
    public const string RateLimited = Prefix + "rate-limited";
    public const string CreationClosed = Prefix + "creation-closed";
    public const string MethodNotAllowed = Prefix + "method-not-allowed";
    public const string RangeNotSatisfiable = Prefix + "range-not-satisfiable";
    public const string InternalError = Prefix + "internal-error";
}
