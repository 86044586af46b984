using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Parley.Contracts.Messaging;
using Parley.Server.Infrastructure.Text;

namespace Parley.Server.Features.Messaging;

/// <summary>
/// Groups: the server knows members, invitees and roles, never keys. A user joins only by accepting an
/// invitation; an invitee is no member (it gets no messages and may do nothing but accept or decline).
/// Every change runs in one store transaction that also queues a <see cref="EnvelopeTypes.GroupEvent"/>
/// envelope to everyone it concerns, so clients learn of it (and rotate their sender keys) in queue
/// order with the group's messages. A group send queues one ciphertext for every other member in one
/// transaction, or for none, and takes one send permit per recipient.
/// </summary>
internal sealed class GroupService(IGroupStore store, RelayWakeBus wake, MessagingLimits limits, IOptions<MessagingOptions> options,
    MessagingMetrics metrics, TimeProvider time)
{
    public const int GroupIdBytes = 16;
    public const int MaxNameLength = 64;
    private readonly MessagingOptions _o = options.Value;

    public static byte[]? ParseId(string? id)
    {
        var bytes = new byte[GroupIdBytes];
        return id is not null && Base64Url.TryDecodeExact(id, bytes) ? bytes : null;
    }

    /// <summary>The creator is the admin; every other listed user is invited (and hears of it by the <c>created</c> event).</summary>
    public async Task<GroupOutcome> CreateAsync(string creator, string name, IReadOnlyList<string> members, CancellationToken cancellationToken)
    {
        var invitees = members.Where(m => m != creator).Distinct(StringComparer.Ordinal).ToList();
        if (invitees.Count + 1 > _o.MaxGroupMembers)
        {
            return new GroupOutcome(GroupStatus.GroupFull);
        }

        var id = RandomNumberGenerator.GetBytes(GroupIdBytes);
        var now = time.GetUtcNow();
        return await RunAsync(async (tx, queued) =>
        {
            var unknown = await UnknownAsync(tx, invitees);
            if (unknown.Count > 0)
            {
                return new GroupOutcome(GroupStatus.UnknownUser, Names: unknown);
            }

            await tx.CreateGroupAsync(id, name, now);
            await tx.AddMemberAsync(id, creator, GroupRole.Admin, now);
            foreach (var u in invitees)
            {
                await tx.AddMemberAsync(id, u, GroupRole.Invited, now);
            }

            var group = (await tx.LockGroupAsync(id))!;
            await AnnounceAsync(tx, queued, group, GroupEvent.Created, creator, invitees, invitees, now);
            return new GroupOutcome(GroupStatus.Done, group);
        }, cancellationToken);
    }

    /// <summary>An admin invites users; members and users already invited are left as they are.</summary>
    public async Task<GroupOutcome> InviteAsync(string actor, byte[] groupId, IReadOnlyList<string> usernames, CancellationToken cancellationToken)
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

            var invited = usernames.Distinct(StringComparer.Ordinal).Where(u => group!.Member(u) is null && !group.IsInvited(u)).ToList();
            if (invited.Count == 0)
            {
                return new GroupOutcome(GroupStatus.NoChange, group);
            }

            if (group!.Size + invited.Count > _o.MaxGroupMembers)
            {
                return new GroupOutcome(GroupStatus.GroupFull);
            }

            var unknown = await UnknownAsync(tx, invited);
            if (unknown.Count > 0)
            {
                return new GroupOutcome(GroupStatus.UnknownUser, Names: unknown);
            }

            foreach (var u in invited)
            {
                await tx.AddMemberAsync(groupId, u, GroupRole.Invited, now);
            }

            group = (await tx.LockGroupAsync(groupId))!;
            await AnnounceAsync(tx, queued, group, GroupEvent.Invited, actor, invited, group.MemberNames.Concat(invited), now);
            return new GroupOutcome(GroupStatus.Done, group);
        }, cancellationToken);
    }

    /// <summary>An invitee accepts and becomes a member; for a member already, nothing changes.</summary>
    public async Task<GroupOutcome> AcceptAsync(string actor, byte[] groupId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return await RunAsync(async (tx, queued) =>
        {
            var group = await tx.LockGroupAsync(groupId);
            if (group?.Member(actor) is not null)
            {
                return new GroupOutcome(GroupStatus.NoChange, group);
            }

            if (group is null || !group.IsInvited(actor))
            {
                return new GroupOutcome(GroupStatus.NotMember);
            }

            // Membership starts now: the time decides who takes over when the last admin leaves.
            await tx.AddMemberAsync(groupId, actor, GroupRole.Member, now);
            group = (await tx.LockGroupAsync(groupId))!;
            await AnnounceAsync(tx, queued, group, GroupEvent.Joined, actor, [actor], group.MemberNames, now);
            return new GroupOutcome(GroupStatus.Done, group);
        }, cancellationToken);
    }

    /// <summary>
    /// <paramref name="actor"/> = <paramref name="subject"/>: a member leaves, or an invitee declines. Otherwise an
    /// admin removes a member or revokes an invitation.
    /// </summary>
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
        var leaving = actor == subject;
        if (me is null)
        {
            // An invitee may do one thing here: decline its own invitation.
            return leaving && group is not null && group.IsInvited(actor)
                ? await DropInvitationAsync(tx, queued, actor, group, subject, now)
                : new GroupOutcome(GroupStatus.NotMember);
        }

        if (!leaving && !me.Admin)
        {
            return new GroupOutcome(GroupStatus.NotAdmin);
        }

        if (group!.IsInvited(subject))
        {
            return await DropInvitationAsync(tx, queued, actor, group, subject, now);
        }

        if (group.Member(subject) is null)
        {
            return new GroupOutcome(GroupStatus.UnknownUser, Names: [subject]);
        }

        await tx.RemoveMemberAsync(groupId, subject);
        var after = (await tx.LockGroupAsync(groupId))!;
        if (after.Members.Count == 0)
        {
            // The last member left: the group goes, with its invitations; the invitees hear of it.
            await tx.DeleteGroupAsync(groupId);
            await AnnounceAsync(tx, queued, after, GroupEvent.Left, actor, [subject], after.Invitees.Select(i => i.Username), now);
            return new GroupOutcome(GroupStatus.Done, after);
        }

        // The removed member hears of it too; the rest learn to rotate their sender keys.
        await AnnounceAsync(tx, queued, after, leaving ? GroupEvent.Left : GroupEvent.Removed, actor, [subject], after.MemberNames.Append(subject), now);
        if (!after.Members.Any(m => m.Admin))
        {
            // The last admin left: the longest-standing member takes over.
            var heir = after.Members[0].Username;
            await tx.SetAdminAsync(groupId, heir, true);
            after = (await tx.LockGroupAsync(groupId))!;
            await AnnounceAsync(tx, queued, after, GroupEvent.Promoted, actor, [heir], after.MemberNames, now);
        }

        return new GroupOutcome(GroupStatus.Done, after);
    }

    /// <summary>An invitation goes (declined by the invitee or revoked by an admin): the members and the invitee hear of it.</summary>
    private async ValueTask<GroupOutcome> DropInvitationAsync(IGroupTransaction tx, List<StoredEnvelope> queued, string actor, StoredGroup group,
        string invitee, DateTimeOffset now)
    {
        await tx.RemoveMemberAsync(group.Id, invitee);
        var after = (await tx.LockGroupAsync(group.Id))!;
        await AnnounceAsync(tx, queued, after, GroupEvent.Declined, actor, [invitee], after.MemberNames.Append(invitee), now);
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
            await AnnounceAsync(tx, queued, group, GroupEvent.Promoted, actor, [subject], group.MemberNames, now);
            return new GroupOutcome(GroupStatus.Done, group);
        }, cancellationToken);
    }

    /// <summary>The group, for a member or an invitee; null for anyone else.</summary>
    public async Task<StoredGroup?> GetAsync(string user, byte[] groupId, CancellationToken cancellationToken)
    {
        var groups = await store.GroupsOfAsync(user, cancellationToken);
        return groups.FirstOrDefault(g => g.Id.AsSpan().SequenceEqual(groupId));
    }

    /// <summary>Before an account is deleted: leaves each of its groups and declines each invitation, with the usual events.</summary>
    public async Task LeaveAllAsync(string user, CancellationToken cancellationToken)
    {
        foreach (var group in await store.GroupsOfAsync(user, cancellationToken))
        {
            await RemoveAsync(user, group.Id, user, cancellationToken);
        }
    }

    /// <summary>
    /// One ciphertext to every other member, all in one transaction: if any queue is full, nobody gets it.
    /// Each copy takes one of the sender's send permits (<see cref="MessagingLimits.TrySend"/>).
    /// </summary>
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

                var recipients = group.MemberNames.Where(m => m != sender).Order(StringComparer.Ordinal).ToList();
                if (!limits.TrySend(sender, recipients.Count))
                {
                    metrics.SendRateLimited();
                    return new GroupOutcome(GroupStatus.RateLimited);
                }

                var ids = new List<long>(recipients.Count);
                var full = new List<string>();
                foreach (var member in recipients)
                {
                    var e = new NewEnvelope(member, sender, type, groupId, now, now + _o.EnvelopeTtl, content);
                    var r = await tx.EnqueueAsync(e, _o.MaxQueuedEnvelopes);
                    if (r.Status == EnqueueStatus.Queued)
                    {
                        ids.Add(r.Id);
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

                return new GroupOutcome(GroupStatus.Done, group, recipients, ids, now);
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
            metrics.Queued(queued.Count);
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

    /// <summary>
    /// Queues the event to each of <paramref name="recipients"/> but the actor, who has the call's answer.
    /// The event lists the group's members after the change (invitees are not members).
    /// </summary>
    private async ValueTask AnnounceAsync(IGroupTransaction tx, List<StoredEnvelope> queued, StoredGroup group, string kind, string actor,
        IReadOnlyList<string> subjects, IEnumerable<string> recipients, DateTimeOffset now)
    {
        var content = JsonSerializer.SerializeToUtf8Bytes(new GroupEvent(Base64Url.Encode(group.Id), kind, actor, subjects,
            [.. group.Members.Select(ToContract)]), MessagingJsonContext.Default.GroupEvent);
        foreach (var recipient in recipients.Where(r => r != actor).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var e = new NewEnvelope(recipient, actor, EnvelopeTypes.GroupEvent, group.Id, now, now + _o.EnvelopeTtl, content);
            var r = await tx.EnqueueAsync(e, null);
            if (r.Status == EnqueueStatus.Queued)
            {
                queued.Add(new StoredEnvelope(r.Id, recipient, actor, e.Type, group.Id, now, content));
            }
        }
    }

    public static GroupMember ToContract(StoredGroupMember m) => new(m.Username, m.Role switch
    {
        GroupRole.Admin => MessagingValues.RoleAdmin,
        GroupRole.Member => MessagingValues.RoleMember,
        _ => MessagingValues.RoleInvited,
    });

    /// <summary>The group as its members and invitees see it: members first (longest-standing first), then invitees.</summary>
    public static GroupResponse ToContract(StoredGroup g) => new(Base64Url.Encode(g.Id), g.Name, [.. g.Members.Concat(g.Invitees).Select(ToContract)]);

    private sealed class GroupQueueFullException(IReadOnlyList<string> members) : Exception("A member's queue is full.")
    {
        public IReadOnlyList<string> Members { get; } = members;
    }
}
