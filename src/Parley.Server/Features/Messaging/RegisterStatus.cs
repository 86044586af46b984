namespace Parley.Server.Features.Messaging;

internal enum RegisterStatus
{
    Registered,
    UsernameTaken,
    InviteUsed,
}
