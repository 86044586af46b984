namespace Parley.Client.Messaging;

/// <summary>
/// A messaging call failed: the server answered with a problem (HTTP) or a hub error, or the server
/// could not be reached. <see cref="Type"/> is the stable problem type (<c>urn:parley:problem:…</c>).
/// </summary>
public sealed class MessagingApiException : Exception
{
    public MessagingApiException(int status, string type, string? detail)
        : base($"{type} ({status}){(detail is null ? "" : ": " + detail)}")
    {
        Status = status;
        Type = type;
        Detail = detail;
    }

    public MessagingApiException(string message, Exception inner)
        : base(message, inner)
    {
        Type = NetworkType;
    }

    public const string NetworkType = "urn:parley:client:network";

    /// <summary>The HTTP status (0 for hub errors and network failures).</summary>
    public int Status { get; }

    public string Type { get; }

    public string? Detail { get; }
}
