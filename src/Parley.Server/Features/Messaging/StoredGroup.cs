namespace Parley.Server.Features.Messaging;

/// <summary>A group: <see cref="Members"/> (longest-standing first) and, apart, its pending <see cref="Invitees"/>.</summary>
internal sealed record GroupRecord(byte[] Id, string Name, DateTimeOffset CreatedAt, IReadOnlyList<GroupMemberRecord> Members,
    IReadOnlyList<GroupMemberRecord> Invitees)
{
    /// <summary>Members and invitees together, as they count against the group's size limit.</summary>
    public int Size => Members.Count + Invitees.Count;

    /// <summary>Splits a store's rows (ordered by time, then username) into members and invitees.</summary>
    public static GroupRecord Of(byte[] id, string name, DateTimeOffset createdAt, IEnumerable<GroupMemberRecord> rows)
    {
        var all = rows.ToList();
        return new GroupRecord(id, name, createdAt, [.. all.Where(r => r.Role != GroupRole.Invited)], [.. all.Where(r => r.Role == GroupRole.Invited)]);
    }

    public GroupMemberRecord? Member(string username) => Members.FirstOrDefault(m => m.Username == username);

    public bool IsInvited(string username) => Invitees.Any(m => m.Username == username);

    public IEnumerable<string> MemberNames => Members.Select(m => m.Username);
}
