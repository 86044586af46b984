namespace Parley.Server.Features.Messaging;

/// <summary>A row of a group: an invitee, or a member with its role.</summary>
internal enum GroupRole
{
    Invited,
    Member,
    Admin,
}
