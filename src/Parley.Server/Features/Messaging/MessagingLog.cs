namespace Parley.Server.Features.Messaging;

/// <summary>
/// Everything messaging logs. No message takes a key, token, nonce, signature or envelope content;
/// usernames appear only at Debug.
/// </summary>
internal static partial class MessagingLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Account registered with {PreKeys} one-time EC and {KyberPreKeys} one-time Kyber prekeys")]
    public static partial void Registered(ILogger logger, int preKeys, int kyberPreKeys);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Registration refused: {Reason}")]
    public static partial void RegistrationRefused(ILogger logger, string reason);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Debug, Message = "Login succeeded")]
    public static partial void LoggedIn(ILogger logger);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "Login refused: {Reason}")]
    public static partial void LoginRefused(ILogger logger, string reason);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Information, Message = "Account deleted with everything queued for it")]
    public static partial void AccountDeleted(ILogger logger);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Debug, Message = "Bundle served: one-time EC prekey {WithPreKey}, Kyber last resort {LastResort}")]
    public static partial void BundleServed(ILogger logger, bool withPreKey, bool lastResort);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Debug, Message = "Relay connection opened for {User}")]
    public static partial void Connected(ILogger logger, string user);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Debug, Message = "Relay connection closed for {User}")]
    public static partial void Disconnected(ILogger logger, string user);

    [LoggerMessage(EventId = 3009, Level = LogLevel.Warning, Message = "Delivery to a connection failed; it will be re-sent from the queue on reconnect")]
    public static partial void PumpFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Information, Message = "Sweep: {Envelopes} expired envelopes, {Challenges} challenges, {Tokens} tokens deleted")]
    public static partial void Swept(ILogger logger, int envelopes, int challenges, int tokens);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Error, Message = "Messaging sweep failed")]
    public static partial void SweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Warning, Message = "Cross-node wake-up failed ({Cause}); the envelope stays queued, "
        + "and every connection reads its queue again when Redis is back ({HeldBack} more failures since the last such line)")]
    public static partial void WakeFailed(ILogger logger, string cause, int heldBack);

    [LoggerMessage(EventId = 3018, Level = LogLevel.Information, Message = "Redis is back: every relay connection of this node reads its queue again")]
    public static partial void RedisRestored(ILogger logger);

    [LoggerMessage(EventId = 3013, Level = LogLevel.Warning, Message = "Parley:Messaging:ServerName is not set and the server does not listen on loopback only ({Addresses}): "
        + "registration and login answer 503 server-name-required until it names the host clients connect to")]
    public static partial void ServerNameRequired(ILogger logger, string addresses);

    [LoggerMessage(EventId = 3014, Level = LogLevel.Information, Message = "{Request} refused: its Host is not this server's name")]
    public static partial void WrongHostRefused(ILogger logger, string request);

    [LoggerMessage(EventId = 3015, Level = LogLevel.Debug, Message = "Hub call {Method} refused: {ProblemType} ({Unlogged} other refused hub calls since the last such line)")]
    public static partial void HubCallRefused(ILogger logger, string method, string problemType, int unlogged);

    [LoggerMessage(EventId = 3016, Level = LogLevel.Error, Message = "Hub call {Method} failed")]
    public static partial void HubCallFailed(ILogger logger, string method, Exception exception);

    [LoggerMessage(EventId = 3017, Level = LogLevel.Information, Message = "Bearer token refused on a messaging route: {Reason}")]
    public static partial void BearerRefused(ILogger logger, string reason);
}
