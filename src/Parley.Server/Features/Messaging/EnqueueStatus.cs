namespace Parley.Server.Features.Messaging;

internal enum EnqueueStatus
{
    Queued,
    UnknownRecipient,
    QueueFull,
}
