namespace Parley.Server.Features.Messaging;

/// <summary>A group: <see cref="Members"/> (longest-standing first) and, apart, its pending <see cref="Invitees"/>.</summary>
internal sealed record StoredGroup(byte[] Id, string Name, DateTimeOffset CreatedAt, IReadOnlyList<StoredGroupMember> Members,
    IReadOnlyList<StoredGroupMember> Invitees)
{
    /// <summary>Members and invitees together, as they count against the group's size limit.</summary>
    public int Size => Members.Count + Invitees.Count;

    /// <summary>Splits a store's rows (ordered by time, then username) into members and invitees.</summary>
    public static StoredGroup Of(byte[] id, string name, DateTimeOffset createdAt, IEnumerable<StoredGroupMember> rows)
    {
        var all = rows.ToList();
        return new StoredGroup(id, name, createdAt, [.. all.Where(r => r.Role != GroupRole.Invited)], [.. all.Where(r => r.Role == GroupRole.Invited)]);
    }

    public StoredGroupMember? Member(string username) => Members.FirstOrDefault(m => m.Username == username);

    public bool IsInvited(string username) => Invitees.Any(m => m.Username == username);

    public IEnumerable<string> MemberNames => Members.Select(m => m.Username);
}
