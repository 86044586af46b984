namespace Parley.Server.Features.Blobs;

/// <summary>
/// Everything the blob store logs. By design no message takes a blob id, a token, a verifier or an
/// account name: only sizes, counts and outcomes. Refusals are a client's doing: Information, not errors.
/// </summary>
internal static partial class BlobsLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Debug, Message = "Blob announced: {Size} bytes, {Tokens} fetch token(s), expires in {ExpirySeconds} s")]
    public static partial void Created(ILogger logger, long size, int tokens, long expirySeconds);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Debug, Message = "Blob uploaded: {Size} bytes")]
    public static partial void Uploaded(ILogger logger, long size);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Information, Message = "Blob upload refused: {Reason}")]
    public static partial void UploadRefused(ILogger logger, BlobUpload reason);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Debug, Message = "Blob fetch token spent; blob deleted: {Deleted}")]
    public static partial void Released(ILogger logger, bool deleted);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Information, Message = "Blob refused: the account's quota of {Quota} bytes would be exceeded")]
    public static partial void QuotaExceeded(ILogger logger, long quota);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Information, Message = "Sweep: {Blobs} expired or abandoned blob(s) deleted")]
    public static partial void Swept(ILogger logger, int blobs);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Error, Message = "Blob sweep failed")]
    public static partial void SweepFailed(ILogger logger, Exception exception);
}
