using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Parley.Contracts.Messaging;
using Parley.Server.Infrastructure.Text;

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
}

internal sealed record GroupOutcome(GroupStatus Status, GroupRecord? Group = null, IReadOnlyList<string>? Names = null, int Recipients = 0);

/// <summary>
/// Groups: the server knows members and roles, never keys. Every change runs in one store transaction
/// that also queues a <see cref="EnvelopeTypes.GroupEvent"/> envelope to every member it concerns, so
/// clients learn of it (and rotate their sender keys) in queue order with the group's messages.
/// A group send queues one ciphertext for every other member in one transaction, or for none.
/// </summary>
internal sealed class GroupService(IMessagingStore store, RelayWakeBus wake, IOptions<MessagingOptions> options, TimeProvider time)
{
    public const int GroupIdBytes = 16;
    public const int MaxNameLength = 64;
    private readonly MessagingOptions _o = options.Value;

    public static byte[]? ParseId(string? id)
    {
        var bytes = new byte[GroupIdBytes];
        return id is not null && Base64Url.TryDecodeExact(id, bytes) ? bytes : null;
    }

    public async Task<GroupOutcome> CreateAsync(string creator, string name, IReadOnlyList<string> members, CancellationToken cancellationToken)
    {
        var others = members.Where(m => m != creator).Distinct(StringComparer.Ordinal).ToList();
        if (others.Count + 1 > _o.MaxGroupMembers)
        {
            return new GroupOutcome(GroupStatus.GroupFull);
        }

        var id = RandomNumberGenerator.GetBytes(GroupIdBytes);
        var now = time.GetUtcNow();
        return await RunAsync(async (tx, queued) =>
        {
            var unknown = await UnknownAsync(tx, others);
            if (unknown.Count > 0)
            {
                return new GroupOutcome(GroupStatus.UnknownUser, Names: unknown);
            }

            await tx.CreateGroupAsync(id, name, now);
            await tx.AddMemberAsync(id, creator, admin: true, now);
            foreach (var m in others)
            {
                await tx.AddMemberAsync(id, m, admin: false, now);
            }

            var group = (await tx.LockGroupAsync(id))!;
            await AnnounceAsync(tx, queued, group, GroupEvent.Created, creator, others, group.Members.Select(m => m.Username).Where(m => m != creator), now);
            return new GroupOutcome(GroupStatus.Done, group);
        }, cancellationToken);
    }

    public async Task<GroupOutcome> AddAsync(string actor, byte[] groupId, IReadOnlyList<string> usernames, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return await RunAsync(async (tx, queued) =>
        {
            var group = await tx.LockGroupAsync(groupId);
            var me = group?.Member(actor);
            if (me is null)
            {
                return new GroupOutcome(GroupStatus.NotMember);
            }

            if (!me.Admin)
            {
                return new GroupOutcome(GroupStatus.NotAdmin);
            }

            var added = usernames.Distinct(StringComparer.Ordinal).Where(u => group!.Member(u) is null).ToList();
            if (added.Count == 0)
            {
                return new GroupOutcome(GroupStatus.NoChange, group);
            }

            if (group!.Members.Count + added.Count > _o.MaxGroupMembers)
            {
                return new GroupOutcome(GroupStatus.GroupFull);
            }

            var unknown = await UnknownAsync(tx, added);
            if (unknown.Count > 0)
            {
                return new GroupOutcome(GroupStatus.UnknownUser, Names: unknown);
            }

            foreach (var u in added)
            {
                await tx.AddMemberAsync(groupId, u, admin: false, now);
            }

            group = (await tx.LockGroupAsync(groupId))!;
            await AnnounceAsync(tx, queued, group, GroupEvent.Added, actor, added, group.Members.Select(m => m.Username).Where(m => m != actor), now);
            return new GroupOutcome(GroupStatus.Done, group);
        }, cancellationToken);
    }

    /// <summary>An admin removes <paramref name="subject"/>; with <paramref name="subject"/> = <paramref name="actor"/>, the member leaves.</summary>
    public async Task<GroupOutcome> RemoveAsync(string actor, byte[] groupId, string subject, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return await RunAsync((tx, queued) => RemoveInAsync(tx, queued, actor, groupId, subject, now), cancellationToken);
    }

    private async ValueTask<GroupOutcome> RemoveInAsync(IGroupTransaction tx, List<StoredEnvelope> queued, string actor, byte[] groupId,
        string subject, DateTimeOffset now)
    {
        var group = await tx.LockGroupAsync(groupId);
        var me = group?.Member(actor);
        if (me is null)
        {
            return new GroupOutcome(GroupStatus.NotMember);
        }

        var leaving = actor == subject;
        if (!leaving && !me.Admin)
        {
            return new GroupOutcome(GroupStatus.NotAdmin);
        }

        if (group!.Member(subject) is null)
        {
            return new GroupOutcome(GroupStatus.UnknownUser, Names: [subject]);
        }

        await tx.RemoveMemberAsync(groupId, subject);
        var after = (await tx.LockGroupAsync(groupId))!;
        if (after.Members.Count == 0)
        {
            await tx.DeleteGroupAsync(groupId);
            return new GroupOutcome(GroupStatus.Done, after);
        }

        // The removed member hears of it too; the rest learn to rotate their sender keys.
        var recipients = after.Members.Select(m => m.Username).Append(subject).Where(m => m != actor).ToList();
        await AnnounceAsync(tx, queued, after, leaving ? GroupEvent.Left : GroupEvent.Removed, actor, [subject], recipients, now);
        if (!after.Members.Any(m => m.Admin))
        {
            // The last admin left: the longest-standing member takes over.
            var heir = after.Members[0].Username;
            await tx.SetAdminAsync(groupId, heir, true);
            after = (await tx.LockGroupAsync(groupId))!;
            await AnnounceAsync(tx, queued, after, GroupEvent.Promoted, actor, [heir], after.Members.Select(m => m.Username), now);
        }

        return new GroupOutcome(GroupStatus.Done, after);
    }

    public async Task<GroupOutcome> PromoteAsync(string actor, byte[] groupId, string subject, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return await RunAsync(async (tx, queued) =>
        {
            var group = await tx.LockGroupAsync(groupId);
            var me = group?.Member(actor);
            if (me is null)
            {
                return new GroupOutcome(GroupStatus.NotMember);
            }

            if (!me.Admin)
            {
                return new GroupOutcome(GroupStatus.NotAdmin);
            }

            var target = group!.Member(subject);
            if (target is null)
            {
                return new GroupOutcome(GroupStatus.UnknownUser, Names: [subject]);
            }

            if (target.Admin)
            {
                return new GroupOutcome(GroupStatus.NoChange, group);
            }

            await tx.SetAdminAsync(groupId, subject, true);
            group = (await tx.LockGroupAsync(groupId))!;
            await AnnounceAsync(tx, queued, group, GroupEvent.Promoted, actor, [subject], group.Members.Select(m => m.Username).Where(m => m != actor), now);
            return new GroupOutcome(GroupStatus.Done, group);
        }, cancellationToken);
    }

    public async Task<GroupRecord?> GetAsync(string user, byte[] groupId, CancellationToken cancellationToken)
    {
        var groups = await store.GroupsOfAsync(user, cancellationToken);
        return groups.FirstOrDefault(g => g.Id.AsSpan().SequenceEqual(groupId));
    }

    /// <summary>Before an account is deleted: leaves each of its groups, with the usual events.</summary>
    public async Task LeaveAllAsync(string user, CancellationToken cancellationToken)
    {
        foreach (var group in await store.GroupsOfAsync(user, cancellationToken))
        {
            await RemoveAsync(user, group.Id, user, cancellationToken);
        }
    }

    /// <summary>One ciphertext to every other member, all in one transaction: if any queue is full, nobody gets it.</summary>
    public async Task<GroupOutcome> SendAsync(string sender, byte[] groupId, int type, byte[] content, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        try
        {
            return await RunAsync(async (tx, queued) =>
            {
                var group = await tx.LockGroupAsync(groupId);
                if (group?.Member(sender) is null)
                {
                    return new GroupOutcome(GroupStatus.NotMember);
                }

                var full = new List<string>();
                foreach (var member in group.Members.Select(m => m.Username).Where(m => m != sender).Order(StringComparer.Ordinal))
                {
                    var e = new NewEnvelope(member, sender, type, groupId, now, now + _o.EnvelopeTtl, content);
                    var r = await tx.EnqueueAsync(e, _o.MaxQueuedEnvelopes);
                    if (r.Status == EnqueueStatus.Queued)
                    {
                        queued.Add(new StoredEnvelope(r.Id, member, sender, type, groupId, now, content));
                    }
                    else
                    {
                        full.Add(member);
                    }
                }

                if (full.Count > 0)
                {
                    throw new GroupQueueFullException(full);
                }

                return new GroupOutcome(GroupStatus.Done, group, Recipients: queued.Count);
            }, cancellationToken);
        }
        catch (GroupQueueFullException e)
        {
            return new GroupOutcome(GroupStatus.QueueFull, Names: e.Members);
        }
    }

    private async Task<GroupOutcome> RunAsync(Func<IGroupTransaction, List<StoredEnvelope>, ValueTask<GroupOutcome>> work, CancellationToken cancellationToken)
    {
        var queued = new List<StoredEnvelope>();
        var outcome = await store.InGroupTransactionAsync(tx => work(tx, queued), cancellationToken);
        if (outcome.Status == GroupStatus.Done)
        {
            foreach (var e in queued)
            {
                wake.Wake(e);
            }
        }

        return outcome;
    }

    private static async Task<List<string>> UnknownAsync(IGroupTransaction tx, IEnumerable<string> users)
    {
        var unknown = new List<string>();
        foreach (var u in users)
        {
            if (!await tx.AccountExistsAsync(u))
            {
                unknown.Add(u);
            }
        }

        return unknown;
    }

    private async ValueTask AnnounceAsync(IGroupTransaction tx, List<StoredEnvelope> queued, GroupRecord group, string kind, string actor,
        IReadOnlyList<string> subjects, IEnumerable<string> recipients, DateTimeOffset now)
    {
        var content = JsonSerializer.SerializeToUtf8Bytes(new GroupEvent(Base64Url.Encode(group.Id), kind, actor, subjects,
            [.. group.Members.Select(ToContract)]), MessagingJsonContext.Default.GroupEvent);
        foreach (var recipient in recipients.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var e = new NewEnvelope(recipient, actor, EnvelopeTypes.GroupEvent, group.Id, now, now + _o.EnvelopeTtl, content);
            var r = await tx.EnqueueAsync(e, null);
            if (r.Status == EnqueueStatus.Queued)
            {
                queued.Add(new StoredEnvelope(r.Id, recipient, actor, e.Type, group.Id, now, content));
            }
        }
    }

    public static GroupMember ToContract(GroupMemberRecord m) => new(m.Username, m.Admin ? MessagingValues.RoleAdmin : MessagingValues.RoleMember);

    public static GroupResponse ToContract(GroupRecord g) => new(Base64Url.Encode(g.Id), g.Name, [.. g.Members.Select(ToContract)]);

    private sealed class GroupQueueFullException(IReadOnlyList<string> members) : Exception("A member's queue is full.")
    {
        public IReadOnlyList<string> Members { get; } = members;
    }
}
