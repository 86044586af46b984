namespace Parley.Server.Features.Messaging;

/// <summary>A group's member or invitee; <see cref="Since"/> is when it joined (or was invited).</summary>
internal sealed record StoredGroupMember(string Username, GroupRole Role, DateTimeOffset Since)
{
    public bool Admin => Role == GroupRole.Admin;
}
