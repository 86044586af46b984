namespace Parley.Server.Features.Messaging;

internal readonly record struct EnqueueResult(EnqueueStatus Status, long Id);
