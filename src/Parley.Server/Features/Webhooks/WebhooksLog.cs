namespace Parley.Server.Features.Webhooks;

/// <summary>
/// Everything the webhooks feature logs. No message takes a URL, signing key, id or payload: URLs may
/// carry the receiver's own tokens. Only counts and outcomes.
/// </summary>
internal static partial class WebhooksLog
{
    [LoggerMessage(EventId = 2201, Level = LogLevel.Debug, Message = "Webhook delivered after {Attempts} attempt(s)")]
    public static partial void Delivered(ILogger logger, int attempts);

    [LoggerMessage(EventId = 2202, Level = LogLevel.Debug, Message = "Webhook delivery failed (attempt {Attempts}); next try in {DelaySeconds} s")]
    public static partial void WillRetry(ILogger logger, int attempts, double delaySeconds);

    [LoggerMessage(EventId = 2203, Level = LogLevel.Information, Message = "Webhook given up after {Attempts} attempt(s): {Reason}")]
    public static partial void GivenUp(ILogger logger, int attempts, string reason);

    // 2204 ("Webhook event could not be queued") is retired: an event now commits with the change it reports.

    [LoggerMessage(EventId = 2205, Level = LogLevel.Error, Message = "Webhook delivery round failed")]
    public static partial void RoundFailed(ILogger logger, Exception exception);
}
