namespace Parley.Client.Profiles;

/// <summary>Where this profile stands in a group.</summary>
public enum GroupStanding
{
    /// <summary>Invited; not a member until the user accepts.</summary>
    Invited,

    Member,

    /// <summary>Left, removed, or the invitation was declined: nothing more is received.</summary>
    Gone,
}

/// <summary>A member as this profile last learnt from the server's group events.</summary>
public sealed record GroupMemberRecord(string Username, string Role);

/// <summary>
/// A group as this profile knows it. The name travels end to end (the server stores only a neutral
/// label). <see cref="DistributionId"/> names this profile's current sender key; it is replaced by a
/// fresh one whenever the membership changes (<see cref="NeedsRotation"/>), and
/// <see cref="KeyHolders"/> lists the members who already received the current one.
/// </summary>
public sealed record GroupRecord(
    string Id,
    string? Name,
    GroupStanding Standing,
    IReadOnlyList<GroupMemberRecord> Members,
    IReadOnlyList<string> Invited,
    Guid DistributionId,
    bool NeedsRotation,
    IReadOnlyList<string> KeyHolders,
    DateTimeOffset CreatedAt)
{
    public bool IsMember(string username) => Members.Any(m => m.Username == username);

    public bool IsAdmin(string username) => Members.Any(m => m.Username == username && m.Role == "admin");

    public string DisplayName => string.IsNullOrEmpty(Name) ? "(unnamed group)" : Name;

    public override string ToString() => $"GroupRecord({Id}, {Standing}, {Members.Count} members)";
}
