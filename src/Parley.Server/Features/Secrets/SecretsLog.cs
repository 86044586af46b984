namespace Parley.Server.Features.Secrets;

/// <summary>
/// Everything the secrets feature logs. By design no message takes an id, token, key, verifier or
/// content: only counts, sizes and outcomes (tests scan captured logs for the values they used).
/// </summary>
internal static partial class SecretsLog
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Debug, Message = "Secret created: {MaxViews} view(s), expires in {ExpirySeconds} s, passphrase {HasPassphrase}, stream {StreamBytes} bytes")]
    public static partial void Created(ILogger logger, int maxViews, int expirySeconds, bool hasPassphrase, long streamBytes);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Debug, Message = "Secret opened, {ViewsLeft} view(s) left")]
    public static partial void Opened(ILogger logger, int viewsLeft);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Open refused: wrong access key")]
    public static partial void WrongAccessKey(ILogger logger);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "Open refused: wrong passphrase, {AttemptsLeft} attempt(s) left")]
    public static partial void WrongPassphrase(ILogger logger, int attemptsLeft);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "Secret burned after too many wrong passphrases")]
    public static partial void Burned(ILogger logger);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Information, Message = "Secret destroyed by its creator")]
    public static partial void Destroyed(ILogger logger);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Debug, Message = "Stream part stored: {Bytes} bytes, {Received} of {Total} received")]
    public static partial void PartStored(ILogger logger, long bytes, long received, long total);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Information, Message = "Stream part refused: {Reason}")]
    public static partial void PartRefused(ILogger logger, AppendStatus reason);

    [LoggerMessage(EventId = 2009, Level = LogLevel.Information, Message = "Sweep: {AbandonedUploads} abandoned uploads, {Contents} contents, {Streams} streams, {Grants} download grants, {Tombstones} tombstones deleted")]
    public static partial void Swept(ILogger logger, int abandonedUploads, int contents, int streams, int grants, int tombstones);

    [LoggerMessage(EventId = 2010, Level = LogLevel.Error, Message = "Sweep failed")]
    public static partial void SweepFailed(ILogger logger, Exception exception);
}
