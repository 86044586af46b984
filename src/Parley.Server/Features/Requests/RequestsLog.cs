namespace Parley.Server.Features.Requests;

/// <summary>
/// Everything the requests feature logs. No message takes an id, token, key, label or content:
/// only counts, sizes and outcomes (tests scan captured logs for the values they used).
/// </summary>
internal static partial class RequestsLog
{
    [LoggerMessage(EventId = 2101, Level = LogLevel.Debug, Message = "Request created: expires in {ExpirySeconds} s, label {HasLabel}")]
    public static partial void Created(ILogger logger, int expirySeconds, bool hasLabel);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Debug, Message = "Request answered: stream {StreamBytes} bytes")]
    public static partial void Answered(ILogger logger, long streamBytes);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Information, Message = "Answer refused: another answer was recorded first")]
    public static partial void AnswerLostRace(ILogger logger);

    [LoggerMessage(EventId = 2104, Level = LogLevel.Information, Message = "Request destroyed by its requester (answer destroyed: {AnswerDestroyed})")]
    public static partial void Destroyed(ILogger logger, bool answerDestroyed);

    [LoggerMessage(EventId = 2105, Level = LogLevel.Information, Message = "Request sweep: {Labels} labels dropped, {Records} records purged")]
    public static partial void Swept(ILogger logger, int labels, int records);

    [LoggerMessage(EventId = 2106, Level = LogLevel.Error, Message = "Request sweep failed")]
    public static partial void SweepFailed(ILogger logger, Exception exception);
}
