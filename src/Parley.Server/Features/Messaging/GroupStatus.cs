namespace Parley.Server.Features.Messaging;

internal enum GroupStatus
{
    Done,
    NotMember,
    NotAdmin,
    UnknownUser,
    GroupFull,
    QueueFull,
    NoChange,
    RateLimited,
}
