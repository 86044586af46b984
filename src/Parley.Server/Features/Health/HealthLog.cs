namespace Parley.Server.Features.Health;

internal static partial class HealthLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Draining: /readyz answers 503 for {Seconds} s before the server stops")]
    public static partial void Draining(ILogger logger, int seconds);
}
