using System.Text.Json;
using Parley.Client.Messaging;
using Parley.Contracts;
using Parley.Contracts.Messaging;
using Parley.Messaging.Tests.Support;

namespace Parley.Messaging.Tests;

/// <summary>Groups over real HTTP and WebSockets on every storage provider.</summary>
public abstract class GroupsContract(MessagingServer provider)
{
    protected MessagingServer Provider { get; } = provider;

    private static GroupEvent Event(HubEnvelope e)
    {
        e.Type.ShouldBe(EnvelopeTypes.GroupEvent);
        return JsonSerializer.Deserialize(e.Content, MessagingJsonContext.Default.GroupEvent)!;
    }

    /// <summary>The next envelope of this type (acknowledging it and every other envelope on the way).</summary>
    private static async Task<HubEnvelope> NextOfType(RelayClient relay, int type)
    {
        while (true)
        {
            var e = await relay.Envelopes.NextAsync();
            await relay.AckAsync([e.Id]);
            if (e.Type == type)
            {
                return e;
            }
        }
    }

    private static async Task<GroupEvent> NextEvent(RelayClient relay) => Event(await NextOfType(relay, EnvelopeTypes.GroupEvent));

    private static GroupMember Admin(TestUser u) => new(u.Name, MessagingValues.RoleAdmin);

    private static GroupMember Member(TestUser u) => new(u.Name, MessagingValues.RoleMember);

    private static GroupMember Invited(TestUser u) => new(u.Name, MessagingValues.RoleInvited);

    /// <summary>A group of <paramref name="admin"/> that each of <paramref name="members"/> has joined.</summary>
    private static async Task<GroupResponse> GroupOfAsync(TestUser admin, params TestUser[] members)
    {
        var group = await admin.Api.CreateGroupAsync("g", [.. members.Select(m => m.Name)]);
        foreach (var m in members)
        {
            group = await m.Api.AcceptGroupInvitationAsync(group.Id);
        }

        return group;
    }

    /// <summary>Reads and acknowledges everything queued for the user (over REST).</summary>
    private static async Task ClearQueueAsync(TestUser user)
    {
        var queue = await user.Api.ReadQueueAsync(limit: 500);
        if (queue.Envelopes.Count > 0)
        {
            await user.Api.AckAsync([.. queue.Envelopes.Select(e => e.Id)]);
        }
    }

    private static async Task ShouldFail(Func<Task> call, string type) =>
        (await Should.ThrowAsync<MessagingApiException>(call)).Type.ShouldBe(type);

    [Fact]
    public async Task Invitees_become_members_only_by_accepting_and_every_change_arrives_as_an_event()
    {
        var server = await Provider.GetAsync();
        await using var admin = await TestUser.CreateAsync(server);
        await using var bob = await TestUser.CreateAsync(server);
        await using var carol = await TestUser.CreateAsync(server);
        await using var dave = await TestUser.CreateAsync(server);
        var group = await admin.Api.CreateGroupAsync("Project X", [bob.Name, carol.Name.ToUpperInvariant()]);
        group.Members.ShouldBe([Admin(admin), Invited(bob), Invited(carol)], ignoreOrder: true);

        var a = await admin.ConnectAsync();
        var b = await bob.ConnectAsync();
        var c = await carol.ConnectAsync();
        var created = await NextEvent(b);
        created.Kind.ShouldBe(GroupEvent.Created);
        created.GroupId.ShouldBe(group.Id);
        created.Actor.ShouldBe(admin.Name);
        created.Subjects.ShouldBe([bob.Name, carol.Name], ignoreOrder: true);
        created.Members.ShouldBe([Admin(admin)]); // invitees are not members
        (await NextEvent(c)).Kind.ShouldBe(GroupEvent.Created);

        // Before anyone accepts, a group send reaches nobody.
        var early = await a.SendGroupAsync(group.Id, 7, [1]);
        early.Recipients.ShouldBe(0);
        early.RecipientNames.ShouldBeEmpty();
        early.Ids.ShouldBeEmpty();
        (await b.Envelopes.StaysQuietAsync(TimeSpan.FromMilliseconds(300))).ShouldBeTrue();

        var accepted = await bob.Api.AcceptGroupInvitationAsync(group.Id);
        accepted.Members.ShouldBe([Admin(admin), Member(bob), Invited(carol)], ignoreOrder: true);
        var joined = await NextEvent(a);
        joined.ShouldSatisfyAllConditions(
            () => joined.Kind.ShouldBe(GroupEvent.Joined),
            () => joined.Actor.ShouldBe(bob.Name),
            () => joined.Subjects.ShouldBe([bob.Name]),
            () => joined.Members.ShouldBe([Admin(admin), Member(bob)], ignoreOrder: true));
        (await c.Envelopes.StaysQuietAsync(TimeSpan.FromMilliseconds(300))).ShouldBeTrue(); // another invitee is not concerned
        await carol.Api.AcceptGroupInvitationAsync(group.Id);
        (await NextEvent(a)).Kind.ShouldBe(GroupEvent.Joined);
        (await NextEvent(b)).Subjects.ShouldBe([carol.Name]);

        var sent = await a.SendGroupAsync(group.Id, 7, [7, 7, 7]);
        sent.Recipients.ShouldBe(2);
        sent.RecipientNames.ShouldBe([.. new[] { bob.Name, carol.Name }.Order(StringComparer.Ordinal)]);
        foreach (var (user, relay) in new[] { (bob, b), (carol, c) })
        {
            var e = await NextOfType(relay, 7);
            e.Id.ShouldBe(sent.Ids[Array.IndexOf(sent.RecipientNames, user.Name)]);
            e.GroupId.ShouldBe(group.Id);
            e.Sender.ShouldBe(admin.Name);
            e.Content.ShouldBe(new byte[] { 7, 7, 7 });
        }

        await admin.Api.AddMembersAsync(group.Id, [dave.Name]);
        var invited = await NextEvent(b);
        invited.Kind.ShouldBe(GroupEvent.Invited);
        invited.Subjects.ShouldBe([dave.Name]);
        invited.Members.Count.ShouldBe(3);
        (await NextEvent(c)).Kind.ShouldBe(GroupEvent.Invited);
        var d = await dave.ConnectAsync();
        (await NextEvent(d)).Kind.ShouldBe(GroupEvent.Invited); // the invitee learns of it
        (await b.SendGroupAsync(group.Id, 7, [2])).RecipientNames.ShouldBe([.. new[] { admin.Name, carol.Name }.Order(StringComparer.Ordinal)]);
        (await d.Envelopes.StaysQuietAsync(TimeSpan.FromMilliseconds(300))).ShouldBeTrue();
        (await dave.Api.ListGroupsAsync()).Groups.Single().Members.ShouldContain(Invited(dave));

        await admin.Api.RemoveMemberAsync(group.Id, carol.Name);
        var removed = await NextEvent(c);
        removed.Kind.ShouldBe(GroupEvent.Removed);
        removed.Subjects.ShouldBe([carol.Name]);
        (await NextEvent(b)).Kind.ShouldBe(GroupEvent.Removed);
        (await d.Envelopes.StaysQuietAsync(TimeSpan.FromMilliseconds(300))).ShouldBeTrue(); // an invitee is not concerned
    }

    [Fact]
    public async Task A_removed_member_gets_nothing_sent_after_the_removal()
    {
        var server = await Provider.GetAsync();
        await using var admin = await TestUser.CreateAsync(server);
        await using var bob = await TestUser.CreateAsync(server);
        await using var carol = await TestUser.CreateAsync(server);
        var group = await GroupOfAsync(admin, bob, carol);
        await ClearQueueAsync(carol);
        await admin.Api.RemoveMemberAsync(group.Id, carol.Name);
        var c = await carol.ConnectAsync();
        (await NextEvent(c)).Kind.ShouldBe(GroupEvent.Removed);

        (await bob.Api.SendGroupAsync(group.Id, 7, [8])).RecipientNames.ShouldBe([admin.Name]);
        (await c.Envelopes.StaysQuietAsync(TimeSpan.FromMilliseconds(500))).ShouldBeTrue();
        await ShouldFail(() => c.SendGroupAsync(group.Id, 7, [9]), MessagingProblemTypes.NotGroupMember);
        (await Should.ThrowAsync<MessagingApiException>(() => carol.Api.GetGroupAsync(group.Id))).Status.ShouldBe(404);
        (await carol.Api.ListGroupsAsync()).Groups.ShouldBeEmpty();
    }

    [Fact]
    public async Task An_invitee_sees_the_group_but_may_do_nothing_else_until_it_accepts()
    {
        var server = await Provider.GetAsync();
        await using var admin = await TestUser.CreateAsync(server);
        await using var bob = await TestUser.CreateAsync(server);
        await using var eve = await TestUser.CreateAsync(server);
        var group = await admin.Api.CreateGroupAsync("g", [bob.Name]);
        (await bob.Api.GetGroupAsync(group.Id)).Members.ShouldBe([Admin(admin), Invited(bob)]);
        (await bob.Api.ListGroupsAsync()).Groups.Single().Id.ShouldBe(group.Id);

        var b = await bob.ConnectAsync();
        await ShouldFail(() => bob.Api.SendGroupAsync(group.Id, 7, [1]), MessagingProblemTypes.NotGroupMember);
        await ShouldFail(() => b.SendGroupAsync(group.Id, 7, [1]), MessagingProblemTypes.NotGroupMember);
        await ShouldFail(() => bob.Api.AddMembersAsync(group.Id, [eve.Name]), MessagingProblemTypes.NotGroupMember);
        await ShouldFail(() => bob.Api.PromoteAsync(group.Id, bob.Name), MessagingProblemTypes.NotGroupMember);
        await ShouldFail(() => bob.Api.RemoveMemberAsync(group.Id, admin.Name), MessagingProblemTypes.NotGroupMember);
        await ShouldFail(() => admin.Api.PromoteAsync(group.Id, bob.Name), ProblemTypes.InvalidRequest); // not a member yet
        await ShouldFail(() => eve.Api.AcceptGroupInvitationAsync(group.Id), MessagingProblemTypes.NotGroupMember);
        await ShouldFail(() => eve.Api.GetGroupAsync(group.Id), MessagingProblemTypes.NotGroupMember);
        await ShouldFail(() => bob.Api.AcceptGroupInvitationAsync(Base64Url(new byte[16])), MessagingProblemTypes.NotGroupMember);
        (await admin.Api.GetGroupAsync(group.Id)).Members.ShouldBe([Admin(admin), Invited(bob)]);

        // Accepting twice answers the same group and changes nothing more.
        var first = await bob.Api.AcceptGroupInvitationAsync(group.Id);
        (await bob.Api.AcceptGroupInvitationAsync(group.Id)).Members.ShouldBe(first.Members);
        (await admin.Api.ReadQueueAsync()).Envelopes.Count(e => e.Type == EnvelopeTypes.GroupEvent).ShouldBe(1);
        (await b.SendGroupAsync(group.Id, 7, [1])).RecipientNames.ShouldBe([admin.Name]);
    }

    private static string Base64Url(byte[] bytes) => AccountKeys.B64u(bytes);

    [Fact]
    public async Task An_invitee_may_decline_and_an_admin_may_revoke_an_invitation()
    {
        var server = await Provider.GetAsync();
        await using var admin = await TestUser.CreateAsync(server);
        await using var bob = await TestUser.CreateAsync(server);
        await using var carol = await TestUser.CreateAsync(server);
        await using var dave = await TestUser.CreateAsync(server);
        var group = await admin.Api.CreateGroupAsync("g", [bob.Name, carol.Name]);
        await carol.Api.AcceptGroupInvitationAsync(group.Id);
        await ClearQueueAsync(admin);
        await ClearQueueAsync(carol);
        var a = await admin.ConnectAsync();
        var c = await carol.ConnectAsync();

        await bob.Api.RemoveMemberAsync(group.Id, bob.Name); // declines
        var declined = await NextEvent(a);
        declined.ShouldSatisfyAllConditions(
            () => declined.Kind.ShouldBe(GroupEvent.Declined),
            () => declined.Actor.ShouldBe(bob.Name),
            () => declined.Subjects.ShouldBe([bob.Name]),
            () => declined.Members.ShouldBe([Admin(admin), Member(carol)], ignoreOrder: true));
        (await NextEvent(c)).Kind.ShouldBe(GroupEvent.Declined);
        (await bob.Api.ListGroupsAsync()).Groups.ShouldBeEmpty();
        await ShouldFail(() => bob.Api.AcceptGroupInvitationAsync(group.Id), MessagingProblemTypes.NotGroupMember);

        await admin.Api.AddMembersAsync(group.Id, [dave.Name, bob.Name]);
        await ShouldFail(() => carol.Api.RemoveMemberAsync(group.Id, dave.Name), MessagingProblemTypes.NotGroupAdmin);
        await admin.Api.RemoveMemberAsync(group.Id, dave.Name); // revokes
        var d = await dave.ConnectAsync();
        (await NextEvent(d)).Kind.ShouldBe(GroupEvent.Invited);
        var revoked = await NextEvent(d); // the invitee hears of it
        revoked.Kind.ShouldBe(GroupEvent.Declined);
        revoked.Actor.ShouldBe(admin.Name);
        revoked.Subjects.ShouldBe([dave.Name]);
        await ShouldFail(() => dave.Api.AcceptGroupInvitationAsync(group.Id), MessagingProblemTypes.NotGroupMember);
        (await admin.Api.GetGroupAsync(group.Id)).Members.ShouldBe([Admin(admin), Member(carol), Invited(bob)], ignoreOrder: true);
    }

    [Fact]
    public async Task Inviting_members_or_invitees_again_changes_nothing_and_invitees_count_against_the_group_size()
    {
        var server = await Provider.StartAsync(new Dictionary<string, string?> { ["Parley:Messaging:MaxGroupMembers"] = "3" });
        await using var admin = await TestUser.CreateAsync(server);
        await using var bob = await TestUser.CreateAsync(server);
        await using var carol = await TestUser.CreateAsync(server);
        await using var dave = await TestUser.CreateAsync(server);
        var group = await GroupOfAsync(admin, bob);
        await admin.Api.AddMembersAsync(group.Id, [bob.Name, carol.Name]);
        (await admin.Api.AddMembersAsync(group.Id, [carol.Name, bob.Name, admin.Name])).Members
            .ShouldBe([Admin(admin), Member(bob), Invited(carol)], ignoreOrder: true);
        (await carol.Api.ReadQueueAsync()).Envelopes.Count.ShouldBe(1); // one invitation, not two

        await ShouldFail(() => admin.Api.AddMembersAsync(group.Id, [dave.Name]), MessagingProblemTypes.GroupFull);
        await ShouldFail(() => admin.Api.CreateGroupAsync("h", [bob.Name, carol.Name, dave.Name]), MessagingProblemTypes.GroupFull);
        await carol.Api.RemoveMemberAsync(group.Id, "me"); // declines, as with her own name
        (await admin.Api.AddMembersAsync(group.Id, [dave.Name])).Members.ShouldContain(Invited(dave));
    }

    [Fact]
    public async Task A_member_who_is_not_admin_cannot_invite_remove_or_promote()
    {
        var server = await Provider.GetAsync();
        await using var admin = await TestUser.CreateAsync(server);
        await using var bob = await TestUser.CreateAsync(server);
        await using var carol = await TestUser.CreateAsync(server);
        await using var eve = await TestUser.CreateAsync(server);
        var group = await GroupOfAsync(admin, bob, carol);
        await ShouldFail(() => bob.Api.AddMembersAsync(group.Id, [eve.Name]), MessagingProblemTypes.NotGroupAdmin);
        await ShouldFail(() => bob.Api.RemoveMemberAsync(group.Id, carol.Name), MessagingProblemTypes.NotGroupAdmin);
        await ShouldFail(() => bob.Api.PromoteAsync(group.Id, bob.Name), MessagingProblemTypes.NotGroupAdmin);
        await ShouldFail(() => eve.Api.AddMembersAsync(group.Id, [eve.Name]), MessagingProblemTypes.NotGroupMember);
        (await admin.Api.GetGroupAsync(group.Id)).Members.Count.ShouldBe(3);

        // Promoted, bob may; a member may always leave.
        await admin.Api.PromoteAsync(group.Id, bob.Name);
        await bob.Api.AddMembersAsync(group.Id, [eve.Name]);
        await carol.Api.RemoveMemberAsync(group.Id, carol.Name);
        (await admin.Api.GetGroupAsync(group.Id)).Members.ShouldBe([Admin(admin), Admin(bob), Invited(eve)], ignoreOrder: true);
    }

    [Fact]
    public async Task When_the_last_admin_leaves_the_longest_standing_member_takes_over_and_the_last_member_takes_the_invitations_along()
    {
        var server = await Provider.GetAsync();
        await using var admin = await TestUser.CreateAsync(server);
        await using var bob = await TestUser.CreateAsync(server);
        await using var carol = await TestUser.CreateAsync(server);
        await using var dave = await TestUser.CreateAsync(server);
        var group = await admin.Api.CreateGroupAsync("g", [bob.Name, carol.Name, dave.Name]);
        // Membership counts from the acceptance: carol before bob; dave, invited first, never joins.
        server.Time!.Advance(TimeSpan.FromSeconds(1));
        await carol.Api.AcceptGroupInvitationAsync(group.Id);
        server.Time.Advance(TimeSpan.FromSeconds(1));
        await bob.Api.AcceptGroupInvitationAsync(group.Id);

        await admin.Api.RemoveMemberAsync(group.Id, admin.Name);
        (await bob.Api.GetGroupAsync(group.Id)).Members.ShouldBe([Admin(carol), Member(bob), Invited(dave)]);
        await carol.Api.RemoveMemberAsync(group.Id, carol.Name);
        (await bob.Api.GetGroupAsync(group.Id)).Members.ShouldBe([Admin(bob), Invited(dave)]);
        await ClearQueueAsync(dave);

        await bob.Api.RemoveMemberAsync(group.Id, bob.Name);
        (await bob.Api.ListGroupsAsync()).Groups.ShouldBeEmpty();
        (await dave.Api.ListGroupsAsync()).Groups.ShouldBeEmpty();
        var d = await dave.ConnectAsync();
        var gone = await NextEvent(d);
        gone.Kind.ShouldBe(GroupEvent.Left);
        gone.Subjects.ShouldBe([bob.Name]);
        gone.Members.ShouldBeEmpty();
        await ShouldFail(() => dave.Api.AcceptGroupInvitationAsync(group.Id), MessagingProblemTypes.NotGroupMember);
    }

    [Fact]
    public async Task A_group_send_is_all_or_nothing_when_a_queue_is_full()
    {
        var server = await Provider.StartAsync(new Dictionary<string, string?> { ["Parley:Messaging:MaxQueuedEnvelopes"] = "3" });
        await using var admin = await TestUser.CreateAsync(server);
        await using var bob = await TestUser.CreateAsync(server);
        await using var carol = await TestUser.CreateAsync(server);
        var group = await GroupOfAsync(admin, bob, carol); // bob: created, joined (carol); carol: created
        await admin.Api.SendAsync(carol.Name, 2, [1]);
        await admin.Api.SendAsync(carol.Name, 2, [2]); // carol's queue is now full
        var e = await Should.ThrowAsync<MessagingApiException>(() => admin.Api.SendGroupAsync(group.Id, 7, [3]));
        e.Type.ShouldBe(MessagingProblemTypes.QueueFull);
        (await bob.Api.ReadQueueAsync()).Envelopes.ShouldAllBe(x => x.Type == EnvelopeTypes.GroupEvent); // nobody got the message
    }

    [Fact]
    public async Task A_group_send_names_each_recipients_envelope_and_delivery_receipts_name_the_same_ids()
    {
        var server = await Provider.GetAsync();
        await using var admin = await TestUser.CreateAsync(server);
        await using var bob = await TestUser.CreateAsync(server);
        await using var carol = await TestUser.CreateAsync(server);
        var group = await GroupOfAsync(admin, bob, carol);
        foreach (var u in new[] { admin, bob, carol })
        {
            await ClearQueueAsync(u);
        }

        var a = await admin.ConnectAsync();
        var b = await bob.ConnectAsync();
        var now = server.Time!.GetUtcNow();
        var rest = await admin.Api.SendGroupAsync(group.Id, 7, [1]);
        rest.ServerTimestamp.ToUnixTimeMilliseconds().ShouldBe(now.ToUnixTimeMilliseconds());
        rest.Recipients.ShouldBe(2);
        rest.RecipientNames.ShouldBe([.. new[] { bob.Name, carol.Name }.Order(StringComparer.Ordinal)]);
        var hub = await a.SendGroupAsync(group.Id, 7, [2]);
        hub.ServerTimestamp.ShouldBe(now.ToUnixTimeMilliseconds());
        hub.RecipientNames.ShouldBe(rest.RecipientNames);
        var bobsIds = new[] { rest.Ids[rest.RecipientNames.ToList().IndexOf(bob.Name)], hub.Ids[Array.IndexOf(hub.RecipientNames, bob.Name)] };
        var carolsIds = rest.Ids.Concat(hub.Ids).Except(bobsIds).ToArray();

        var got = await b.ReceiveAsync(2);
        got.Select(e => e.Id).ShouldBe(bobsIds);
        await b.AckAsync([.. got.Select(e => e.Id)]);
        var receipt = await a.Receipts.NextAsync();
        receipt.Recipient.ShouldBe(bob.Name);
        receipt.Ids.ShouldBe(bobsIds);
        (await admin.Api.QueryQueuedAsync([.. rest.Ids, .. hub.Ids])).Queued.ShouldBe(carolsIds.Order());
        (await carol.Api.ReadQueueAsync()).Envelopes.Select(e => e.Id).ShouldBe(carolsIds);
    }

    [Fact]
    public async Task A_group_send_counts_once_per_recipient_against_the_send_rate_on_the_hub_and_over_rest()
    {
        var server = await Provider.StartAsync(new Dictionary<string, string?> { ["Parley:Messaging:SendsPerSecond"] = "5" });
        await using var admin = await TestUser.CreateAsync(server);
        await using var bob = await TestUser.CreateAsync(server);
        await using var carol = await TestUser.CreateAsync(server);
        var group = await GroupOfAsync(admin, bob, carol); // two recipients a send
        var a = await admin.ConnectAsync();

        await a.SendGroupAsync(group.Id, 7, [1]);
        await a.SendGroupAsync(group.Id, 7, [2]); // 4 of 5 permits
        await ShouldFail(() => a.SendGroupAsync(group.Id, 7, [3]), ProblemTypes.RateLimited);
        await a.SendAsync(bob.Name, 2, [4]); // the fifth
        await ShouldFail(() => a.SendAsync(bob.Name, 2, [5]), ProblemTypes.RateLimited);

        server.Time!.Advance(TimeSpan.FromSeconds(1));
        await admin.Api.SendGroupAsync(group.Id, 7, [6]);
        await admin.Api.SendGroupAsync(group.Id, 7, [7]);
        var refused = await Should.ThrowAsync<MessagingApiException>(() => admin.Api.SendGroupAsync(group.Id, 7, [8]));
        refused.Status.ShouldBe(429);
        refused.Type.ShouldBe(ProblemTypes.RateLimited);

        var bobs = (await bob.Api.ReadQueueAsync()).Envelopes.Where(e => e.Type != EnvelopeTypes.GroupEvent).Select(e => e.Content).ToList();
        bobs.ShouldBe(["AQ", "Ag", "BA", "Bg", "Bw"]); // 1, 2, 4, 6, 7: nothing of a refused send
    }

    [Fact]
    public async Task A_group_bigger_than_the_send_rate_is_slowed_to_one_send_a_window_and_never_locked_out()
    {
        var server = await Provider.StartAsync(new Dictionary<string, string?> { ["Parley:Messaging:SendsPerSecond"] = "2" });
        await using var admin = await TestUser.CreateAsync(server);
        await using var bob = await TestUser.CreateAsync(server);
        await using var carol = await TestUser.CreateAsync(server);
        await using var dave = await TestUser.CreateAsync(server);
        var group = await GroupOfAsync(admin, bob, carol, dave); // three recipients, more than a window holds
        var a = await admin.ConnectAsync();

        (await a.SendGroupAsync(group.Id, 7, [1])).Recipients.ShouldBe(3); // an unused window: granted, and used up
        await ShouldFail(() => a.SendAsync(bob.Name, 2, [2]), ProblemTypes.RateLimited);
        await ShouldFail(() => a.SendGroupAsync(group.Id, 7, [3]), ProblemTypes.RateLimited);

        server.Time!.Advance(TimeSpan.FromSeconds(1));
        await a.SendAsync(bob.Name, 2, [4]);
        // The window is no longer unused: the big send waits for the next.
        (await Should.ThrowAsync<MessagingApiException>(() => admin.Api.SendGroupAsync(group.Id, 7, [5]))).Status.ShouldBe(429);

        server.Time.Advance(TimeSpan.FromSeconds(1));
        (await admin.Api.SendGroupAsync(group.Id, 7, [6])).Recipients.ShouldBe(3);
        await ShouldFail(() => admin.Api.SendGroupAsync(group.Id, 7, [7]), ProblemTypes.RateLimited);
        (await dave.Api.ReadQueueAsync()).Envelopes.Where(e => e.Type == 7).Select(e => e.Content).ShouldBe(["AQ", "Bg"]);
    }
}

public sealed class MemoryGroups(MemoryMessaging p) : GroupsContract(p), IClassFixture<MemoryMessaging>;

public sealed class SqliteGroups(SqliteMessaging p) : GroupsContract(p), IClassFixture<SqliteMessaging>;

public sealed class PostgresGroups(PostgresMessaging p) : GroupsContract(p), IClassFixture<PostgresMessaging>;
