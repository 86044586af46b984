namespace Parley.Server.Features.Messaging;

/// <summary>The outcome of a send, as the REST and hub front ends report it.</summary>
internal enum SendStatus
{
    Queued,
    InvalidType,
    EmptyContent,
    TooLarge,
    UnknownRecipient,
    QueueFull,
    RateLimited,
}
