using System.Text.Json;
using Parley.Client.Messaging;
using Parley.Client.Profiles;
using Parley.Contracts;
using Parley.Contracts.Messaging;
using Parley.Protocol.Wire;

namespace Parley.Client.Messenger;

public sealed partial class Messenger
{
    /// <summary>
    /// The name the server stores for every group: the real name travels end to end, inside the
    /// invitations and sender-key messages, so the server never learns what a group is called.
    /// </summary>
    public const string ServerGroupLabel = "group";

    public const int MaxGroupNameLength = 64;

    /// <summary>Every group this profile knows, invitations included, by name.</summary>
    public IReadOnlyList<GroupRecord> Groups() =>
        Exclusive(() => _profile.BeginWrite().List(ItemKind.Group, ProfileCodecs.Group).OrderBy(g => g.DisplayName, StringComparer.OrdinalIgnoreCase).ToList());

    /// <summary>The group <paramref name="text"/> names (<c>#name</c>, <c>#id</c>, or an id prefix).</summary>
    public GroupRecord FindGroup(string text) => Exclusive(() => RequireGroup(_profile.BeginWrite(), text));

    private GroupRecord RequireGroup(ProfileWrite write, string text) =>
        ConversationId.FindGroup(write.List(ItemKind.Group, ProfileCodecs.Group), text)
        ?? throw new MessengerException(MessengerFailure.UnknownGroup, $"no group '{text}' (see 'parley group list')");

    /// <summary>Creates a group with this profile as admin and invites <paramref name="members"/>; each gets the name end to end.</summary>
    public Task<GroupRecord> CreateGroupAsync(string name, IReadOnlyList<string> members, CancellationToken cancellationToken = default) => ExclusiveAsync(async () =>
    {
        var groupName = RequireGroupName(name);
        var invitees = members.Select(RequireUsername).Distinct(StringComparer.Ordinal).Where(m => m != Username).ToList();
        GroupResponse created;
        try
        {
            created = await _server.CallAsync((api, ct) => api.CreateGroupAsync(ServerGroupLabel, invitees, ct), cancellationToken).ConfigureAwait(false);
        }
        catch (MessagingApiException e) when (e.Status is >= 400 and < 500)
        {
            throw GroupRefusal(e);
        }

        var write = _profile.BeginWrite();
        var group = FromServer(created, null) with { Name = groupName };
        write.Put(ItemKind.Group, group.Id, group, ProfileCodecs.Group);
        AddNotice(write, ConversationId.Group(group.Id), $"You created the group \"{groupName}\"{InvitedText(invitees)}.");
        write.Commit();
        var problem = await SendInvitationsAsync(group, invitees, cancellationToken).ConfigureAwait(false);
        return _profile.Get(ItemKind.Group, group.Id, ProfileCodecs.Group) is { } stored && problem is null ? stored : group;
    }, cancellationToken);

    /// <summary>Invites more users (admins only); they become members when they accept.</summary>
    public Task<GroupRecord> InviteAsync(string groupText, IReadOnlyList<string> users, CancellationToken cancellationToken = default) => ExclusiveAsync(async () =>
    {
        var group = RequireGroup(_profile.BeginWrite(), groupText);
        RequireStanding(group, GroupStanding.Member);
        var invitees = users.Select(RequireUsername).Distinct(StringComparer.Ordinal).Where(u => u != Username).ToList();
        if (invitees.Count == 0)
        {
            throw new MessengerException(MessengerFailure.InvalidArgument, "name at least one user to invite");
        }

        var response = await GroupCallAsync((api, ct) => api.AddMembersAsync(group.Id, invitees, ct), cancellationToken).ConfigureAwait(false);
        var write = _profile.BeginWrite();
        group = FromServer(response, group);
        write.Put(ItemKind.Group, group.Id, group, ProfileCodecs.Group);
        write.Commit();
        await SendInvitationsAsync(group, invitees, cancellationToken).ConfigureAwait(false);
        return _profile.Get(ItemKind.Group, group.Id, ProfileCodecs.Group)!;
    }, cancellationToken);

    /// <summary>Accepts an invitation: this profile becomes a member and starts receiving the group's messages.</summary>
    public Task<GroupRecord> AcceptInvitationAsync(string groupText, CancellationToken cancellationToken = default) => ExclusiveAsync(async () =>
    {
        var group = RequireGroup(_profile.BeginWrite(), groupText);
        RequireStanding(group, GroupStanding.Invited);
        var response = await GroupCallAsync((api, ct) => api.AcceptGroupInvitationAsync(group.Id, ct), cancellationToken).ConfigureAwait(false);
        var write = _profile.BeginWrite();
        group = FromServer(response, group) with { Standing = GroupStanding.Member, NeedsRotation = true, KeyHolders = [] };
        write.Put(ItemKind.Group, group.Id, group, ProfileCodecs.Group);
        AddNotice(write, ConversationId.Group(group.Id), $"You joined \"{group.DisplayName}\".");
        write.Commit();
        return group;
    }, cancellationToken);

    /// <summary>Leaves a group (or declines its invitation). History stays; nothing more arrives.</summary>
    public Task<GroupRecord> LeaveGroupAsync(string groupText, CancellationToken cancellationToken = default) => ExclusiveAsync(async () =>
    {
        var group = RequireGroup(_profile.BeginWrite(), groupText);
        if (group.Standing == GroupStanding.Gone)
        {
            throw new MessengerException(MessengerFailure.UnknownGroup, $"you are no longer in \"{group.DisplayName}\"");
        }

        await GroupCallAsync<bool>(async (api, ct) =>
        {
            await api.RemoveMemberAsync(group.Id, Username, ct).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
        var write = _profile.BeginWrite();
        var declined = group.Standing == GroupStanding.Invited;
        group = group with { Standing = GroupStanding.Gone };
        write.Put(ItemKind.Group, group.Id, group, ProfileCodecs.Group);
        AddNotice(write, ConversationId.Group(group.Id), declined ? "You declined the invitation." : "You left the group.");
        write.Commit();
        return group;
    }, cancellationToken);

    /// <summary>Removes a member (admins only). Every remaining member rotates its sender key before it sends again.</summary>
    public Task<GroupRecord> RemoveMemberAsync(string groupText, string username, CancellationToken cancellationToken = default) => ExclusiveAsync(async () =>
    {
        var user = RequireUsername(username);
        var group = RequireGroup(_profile.BeginWrite(), groupText);
        RequireStanding(group, GroupStanding.Member);
        if (user == Username)
        {
            throw new MessengerException(MessengerFailure.InvalidArgument, "to leave a group use 'parley group leave'");
        }

        await GroupCallAsync<bool>(async (api, ct) =>
        {
            await api.RemoveMemberAsync(group.Id, user, ct).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
        var write = _profile.BeginWrite();
        group = Without(group, [user]);
        write.Put(ItemKind.Group, group.Id, group, ProfileCodecs.Group);
        write.Commit();
        return group;
    }, cancellationToken);

    /// <summary>Makes a member an admin (admins only).</summary>
    public Task<GroupRecord> PromoteAsync(string groupText, string username, CancellationToken cancellationToken = default) => ExclusiveAsync(async () =>
    {
        var user = RequireUsername(username);
        var group = RequireGroup(_profile.BeginWrite(), groupText);
        RequireStanding(group, GroupStanding.Member);
        var response = await GroupCallAsync((api, ct) => api.PromoteAsync(group.Id, user, ct), cancellationToken).ConfigureAwait(false);
        var write = _profile.BeginWrite();
        group = FromServer(response, group);
        write.Put(ItemKind.Group, group.Id, group, ProfileCodecs.Group);
        write.Commit();
        return group;
    }, cancellationToken);

    /// <summary>Renames a group (admins only): the new name goes to the members end to end, as a group message.</summary>
    public Task<SendResult> RenameGroupAsync(string groupText, string name, CancellationToken cancellationToken = default) => ExclusiveAsync(async () =>
    {
        var newName = RequireGroupName(name);
        var write = _profile.BeginWrite();
        var group = RequireGroup(write, groupText);
        RequireStanding(group, GroupStanding.Member);
        if (!group.IsAdmin(Username))
        {
            throw new MessengerException(MessengerFailure.NotAdmin, $"only an admin of \"{group.DisplayName}\" can rename it");
        }

        await _server.EnsureLoggedInAsync(cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var content = MessageContent.Of(MessageContent.KindGroupRename, now, group: group.Id, name: newName);
        var uid = MessageUid(Username, content.Id);
        group = await QueueGroupContentAsync(write, group, content, uid, cancellationToken).ConfigureAwait(false);
        write.Put(ItemKind.Group, group.Id, group with { Name = newName }, ProfileCodecs.Group);
        write.PutMessage(new StoredMessage(uid, ConversationId.Group(group.Id), MessageDirection.Outgoing, Username, StoredMessage.KindNotice,
            $"You renamed the group to \"{newName}\".", now, now, DeliveryState.Pending, MembersExceptMe(group), []));
        write.Commit();
        var problem = await FlushOutboxCoreAsync(cancellationToken).ConfigureAwait(false);
        var message = _profile.GetMessage(uid)!;
        return new SendResult(message, message.State != DeliveryState.Pending, problem);
    }, cancellationToken);

    /// <summary>Replaces this profile's sender key in the group now and hands the new one to every member.</summary>
    public Task<GroupRecord> RekeyGroupAsync(string groupText, CancellationToken cancellationToken = default) => ExclusiveAsync(async () =>
    {
        var write = _profile.BeginWrite();
        var group = RequireGroup(write, groupText);
        RequireStanding(group, GroupStanding.Member);
        await _server.EnsureLoggedInAsync(cancellationToken).ConfigureAwait(false);
        group = await DistributeSenderKeyAsync(write, group with { NeedsRotation = true }, cancellationToken).ConfigureAwait(false);
        write.Put(ItemKind.Group, group.Id, group, ProfileCodecs.Group);
        AddNotice(write, ConversationId.Group(group.Id), "You replaced your key for this group.");
        write.Commit();
        await FlushOutboxCoreAsync(cancellationToken).ConfigureAwait(false);
        return group;
    }, cancellationToken);

    private async Task<List<string>> QueueGroupTextsAsync(string target, IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        var write = _profile.BeginWrite();
        var group = RequireGroup(write, target);
        RequireStanding(group, GroupStanding.Member);
        var conversation = ConversationId.Group(group.Id);
        var timer = TimerOf(write, conversation);
        var uids = new List<string>(texts.Count);
        foreach (var text in texts)
        {
            var now = _time.GetUtcNow();
            var content = MessageContent.Of(MessageContent.KindText, now, text, group.Id) with { Timer = timer };
            var uid = MessageUid(Username, content.Id);
            group = await QueueGroupContentAsync(write, group, content, uid, cancellationToken).ConfigureAwait(false);
            var message = ScheduleExpiry(write, new StoredMessage(uid, conversation, MessageDirection.Outgoing, Username, StoredMessage.KindText, text, now, now,
                DeliveryState.Pending, MembersExceptMe(group), []), timer);
            write.PutMessage(message);
            Touch(write, conversation, now, Preview(message), incoming: false);
            uids.Add(uid);
        }

        write.Put(ItemKind.Group, group.Id, group, ProfileCodecs.Group);
        write.Commit();
        return uids;
    }

    /// <summary>Makes sure every member holds this profile's current sender key, then queues <paramref name="content"/> under it.</summary>
    private async Task<GroupRecord> QueueGroupContentAsync(ProfileWrite write, GroupRecord group, MessageContent content, string uid, CancellationToken cancellationToken)
    {
        group = await DistributeSenderKeyAsync(write, group, cancellationToken).ConfigureAwait(false);
        _protocol.Write = write;
        var result = _groups.Encrypt(Self, group.DistributionId, content.Encode());
        if (!result.IsSuccess)
        {
            throw new MessengerException(MessengerFailure.Refused, $"could not encrypt for the group: {result.Failure}");
        }

        write.AddOutbox(new OutboxEntry(uid, ConversationId.Group(group.Id), null, group.Id, (int)CiphertextMessageType.SenderKey, result.Value));
        return group;
    }

    /// <summary>
    /// Rotates this profile's sender key when the membership changed since it was made, and sends it
    /// (inside the 1:1 sessions) to every member who does not hold it yet. A removed member never gets
    /// the new key, so cannot read what is sent under it.
    /// </summary>
    private async Task<GroupRecord> DistributeSenderKeyAsync(ProfileWrite write, GroupRecord group, CancellationToken cancellationToken)
    {
        _protocol.Write = write;
        if (group.NeedsRotation || group.DistributionId == Guid.Empty)
        {
            group = group with { DistributionId = Guid.NewGuid(), NeedsRotation = false, KeyHolders = [] };
        }

        var distribution = _groups.CreateDistributionMessage(Self, group.DistributionId);
        var missing = MembersExceptMe(group).Except(group.KeyHolders, StringComparer.Ordinal).ToList();
        foreach (var member in missing)
        {
            await EnsureSessionAsync(write, member, cancellationToken).ConfigureAwait(false);
            var content = MessageContent.Of(MessageContent.KindSenderKey, _time.GetUtcNow(), group: group.Id, name: group.Name,
                senderKey: AccountKeys.B64u(distribution.Serialized));
            QueueDirect(write, member, content, string.Empty, ConversationId.Group(group.Id));
        }

        return group with { KeyHolders = MembersExceptMe(group) };
    }

    /// <summary>Sends each invitee the group's name end to end (the server only knows a neutral label). Returns the first problem.</summary>
    private async Task<string?> SendInvitationsAsync(GroupRecord group, IReadOnlyList<string> invitees, CancellationToken cancellationToken)
    {
        string? problem = null;
        foreach (var invitee in invitees)
        {
            var write = _profile.BeginWrite();
            _protocol.Write = write;
            try
            {
                await EnsureSessionAsync(write, invitee, cancellationToken).ConfigureAwait(false);
                var content = MessageContent.Of(MessageContent.KindGroupInvite, _time.GetUtcNow(), group: group.Id, name: group.Name);
                QueueDirect(write, invitee, content, string.Empty, ConversationId.Group(group.Id));
                write.Commit();
            }
            catch (MessengerException e)
            {
                problem ??= $"{invitee} was invited, but the group's name could not be sent to them: {e.Message}";
                var notice = _profile.BeginWrite();
                AddNotice(notice, ConversationId.Group(group.Id), problem);
                notice.Commit();
            }
        }

        return await FlushOutboxCoreAsync(cancellationToken).ConfigureAwait(false) ?? problem;
    }

    private async Task<string?> SendGroupEnvelopeAsync(ProfileWrite write, (long Sequence, OutboxEntry Entry) item, string groupId, CancellationToken cancellationToken)
    {
        var (sequence, entry) = item;
        IReadOnlyList<long> ids;
        try
        {
            ids = await _server.OverHubOrRestAsync<IReadOnlyList<long>>(
                async (hub, ct) => (await hub.SendGroupAsync(groupId, entry.Type, entry.Content, ct).ConfigureAwait(false)).Ids,
                async (api, ct) => (await api.SendGroupAsync(groupId, entry.Type, entry.Content, ct).ConfigureAwait(false)).Ids,
                cancellationToken).ConfigureAwait(false);
        }
        catch (MessagingApiException e) when (e.Type == MessagingApiException.NetworkType || e.Status >= 500)
        {
            return "the server could not be reached; the message is stored and will be sent the next time parley connects";
        }
        catch (MessagingApiException e) when (e.Type == ProblemTypes.RateLimited)
        {
            return RefusalText(e);
        }
        catch (MessagingApiException e)
        {
            write.RemoveOutbox(sequence);
            UpdateOutgoing(write, entry.MessageUid, DeliveryState.Failed);
            return RefusalText(e);
        }

        write.RemoveOutbox(sequence);
        if (entry.MessageUid.Length > 0)
        {
            foreach (var id in ids)
            {
                write.MapSent(id, entry.MessageUid); // one envelope per recipient: each receipt counts one delivery
            }

            UpdateOutgoing(write, entry.MessageUid, DeliveryState.Sent);
        }

        return null;
    }

    private async Task<T> GroupCallAsync<T>(Func<MessagingApi, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await _server.CallAsync(call, cancellationToken).ConfigureAwait(false);
        }
        catch (MessagingApiException e) when (e.Status is >= 400 and < 500)
        {
            throw GroupRefusal(e);
        }
    }

    private static MessengerException GroupRefusal(MessagingApiException e) => e.Type switch
    {
        MessagingProblemTypes.NotGroupAdmin => new MessengerException(MessengerFailure.NotAdmin, "only a group admin can do that", e),
        MessagingProblemTypes.NotGroupMember => new MessengerException(MessengerFailure.UnknownGroup, "the server says you are not in that group", e),
        MessagingProblemTypes.UnknownRecipient => new MessengerException(MessengerFailure.UnknownUser, RefusalText(e), e),
        _ => new MessengerException(MessengerFailure.Refused, RefusalText(e), e),
    };

    /// <summary>The group as the server describes it, keeping what only this profile knows (name, sender-key state).</summary>
    private GroupRecord FromServer(GroupResponse response, GroupRecord? known, IReadOnlyList<string>? invitedOverride = null)
    {
        var members = response.Members.Where(m => m.Role != RoleInvited).Select(m => new GroupMemberRecord(m.Username, m.Role)).ToList();
        var invited = invitedOverride?.ToList() ?? response.Members.Where(m => m.Role == RoleInvited).Select(m => m.Username).ToList();
        var standing = members.Any(m => m.Username == Username) ? GroupStanding.Member
            : invited.Contains(Username) ? GroupStanding.Invited : GroupStanding.Gone;
        var group = known ?? new GroupRecord(response.Id, null, standing, [], [], Guid.Empty, false, [], _time.GetUtcNow());
        var removed = group.Members.Select(m => m.Username).Except(members.Select(m => m.Username)).Any();
        return group with
        {
            Standing = standing,
            Members = members,
            Invited = invited,
            NeedsRotation = group.NeedsRotation || removed,
            KeyHolders = [.. group.KeyHolders.Where(k => members.Any(m => m.Username == k))],
        };
    }

    private static GroupRecord Without(GroupRecord group, IReadOnlyCollection<string> gone) => group with
    {
        Members = [.. group.Members.Where(m => !gone.Contains(m.Username))],
        Invited = [.. group.Invited.Where(i => !gone.Contains(i))],
        KeyHolders = [.. group.KeyHolders.Where(k => !gone.Contains(k))],
        NeedsRotation = group.NeedsRotation || group.Members.Any(m => gone.Contains(m.Username)),
    };

    private List<string> MembersExceptMe(GroupRecord group) => [.. group.Members.Select(m => m.Username).Where(m => m != Username)];

    private static void RequireStanding(GroupRecord group, GroupStanding standing)
    {
        if (group.Standing != standing)
        {
            throw new MessengerException(MessengerFailure.UnknownGroup, group.Standing switch
            {
                GroupStanding.Invited => $"you are invited to \"{group.DisplayName}\" but have not accepted (parley group accept '#{group.Id}')",
                GroupStanding.Member => $"you are already a member of \"{group.DisplayName}\"",
                _ => $"you are no longer in \"{group.DisplayName}\"",
            });
        }
    }

    private static string RequireGroupName(string name)
    {
        var trimmed = name.Trim();
        return VisibleText.Problem(trimmed, MaxGroupNameLength) is null
            ? trimmed
            : throw new MessengerException(MessengerFailure.InvalidArgument, $"a group name is 1 to {MaxGroupNameLength} visible characters");
    }

    private static string InvitedText(IReadOnlyList<string> invitees) => invitees.Count == 0 ? "" : " and invited " + string.Join(", ", invitees);

    private const string RoleInvited = MessagingValues.RoleInvited;

    // ---- incoming: the server's membership events and members' group-related messages ----

    /// <summary>Applies a membership event the server queued (type 100, plaintext JSON): the server is the authority on membership.</summary>
    private void ApplyGroupEvent(ProfileWrite write, IncomingEnvelope envelope, List<MessengerEvent> events)
    {
        GroupEvent? e;
        try
        {
            e = JsonSerializer.Deserialize(envelope.Content, MessagingJsonContext.Default.GroupEvent);
        }
        catch (JsonException)
        {
            throw new EnvelopeDropException("malformed group event");
        }

        if (e is null || e.GroupId != envelope.GroupId || e.Members is null || e.Subjects is null || e.Kind is null || e.Actor is null)
        {
            throw new EnvelopeDropException("malformed group event");
        }

        var known = write.Get(ItemKind.Group, e.GroupId, ProfileCodecs.Group);
        var subjects = e.Subjects.ToList();
        // An event lists the members; who is invited follows from the events themselves.
        var invited = (known?.Invited ?? []).ToList();
        switch (e.Kind)
        {
            case GroupEvent.Created or GroupEvent.Invited:
                invited.AddRange(subjects.Where(s => !invited.Contains(s)));
                break;
            case GroupEvent.Joined:
                invited.Remove(e.Actor);
                break;
            case GroupEvent.Declined or GroupEvent.Removed:
                invited.RemoveAll(subjects.Contains);
                break;
        }

        var group = FromServer(new GroupResponse(e.GroupId, ServerGroupLabel, e.Members), known, invited);
        if (e.Kind is GroupEvent.Removed or GroupEvent.Left && (subjects.Contains(Username) || (e.Kind == GroupEvent.Left && e.Actor == Username)))
        {
            group = group with { Standing = GroupStanding.Gone };
        }

        if (known is null && group.Standing == GroupStanding.Gone)
        {
            return; // an event about a group this profile never knew, and is not part of
        }

        write.Put(ItemKind.Group, group.Id, group, ProfileCodecs.Group);
        var text = GroupEventText(e, group);
        if (text is not null)
        {
            events.Add(new MessageReceived(AddNotice(write, ConversationId.Group(group.Id), text, envelope.ServerTimestamp)));
        }
    }

    private string? GroupEventText(GroupEvent e, GroupRecord group)
    {
        string Who(string user) => user == Username ? "you" : user;
        var subjects = string.Join(", ", e.Subjects.Select(Who));
        var actor = e.Actor == Username ? "You" : e.Actor;
        return e.Kind switch
        {
            GroupEvent.Created when e.Subjects.Contains(Username) => $"{actor} invited you to a group (accept with 'parley group accept #{group.Id}')",
            GroupEvent.Created => null,
            GroupEvent.Invited when e.Subjects.Contains(Username) => $"{actor} invited you to a group (accept with 'parley group accept #{group.Id}')",
            GroupEvent.Invited => $"{actor} invited {subjects}.",
            GroupEvent.Joined => $"{actor} joined the group.",
            GroupEvent.Declined => $"{subjects} declined the invitation.",
            GroupEvent.Removed => $"{actor} removed {subjects}.",
            GroupEvent.Left => $"{actor} left the group.",
            GroupEvent.Promoted => $"{actor} made {subjects} an admin.",
            _ => null,
        };
    }

    /// <summary>A member's sender key for the group (inside a 1:1 message): kept only from a member, only while this profile is one.</summary>
    private void AcceptSenderKey(ProfileWrite write, string sender, MessageContent content)
    {
        var group = content.Group is null ? null : write.Get(ItemKind.Group, content.Group, ProfileCodecs.Group);
        if (group is null || group.Standing != GroupStanding.Member)
        {
            throw new EnvelopeDropException("a sender key for a group this profile is not in");
        }

        if (!group.IsMember(sender))
        {
            throw new EnvelopeDropException("a sender key from someone who is not a member");
        }

        byte[] serialized;
        try
        {
            serialized = System.Buffers.Text.Base64Url.DecodeFromChars(content.SenderKey ?? "");
        }
        catch (FormatException)
        {
            throw new EnvelopeDropException("malformed sender key");
        }

        _protocol.Write = write;
        var result = _groups.ProcessDistributionMessage(AddressOf(sender), serialized);
        if (!result.IsSuccess)
        {
            throw new EnvelopeDropException($"sender key refused ({result.Failure})");
        }

        if (string.IsNullOrEmpty(group.Name) && IsUsableName(content.Name))
        {
            write.Put(ItemKind.Group, group.Id, group with { Name = content.Name }, ProfileCodecs.Group);
        }
    }

    /// <summary>An invitation's end-to-end part: the group's name, from an admin of a group this profile is invited to.</summary>
    private void AcceptInvitationNote(ProfileWrite write, string sender, MessageContent content, List<MessengerEvent> events)
    {
        var group = content.Group is null ? null : write.Get(ItemKind.Group, content.Group, ProfileCodecs.Group);
        if (group is null || !group.IsAdmin(sender) || !IsUsableName(content.Name))
        {
            throw new EnvelopeDropException("an invitation note that does not match an invitation");
        }

        write.Put(ItemKind.Group, group.Id, group with { Name = content.Name }, ProfileCodecs.Group);
        events.Add(new GroupNamed(ConversationId.Group(group.Id), content.Name!));
    }

    private static bool IsUsableName(string? name) => name is not null && VisibleText.Problem(name, MaxGroupNameLength) is null;
}
