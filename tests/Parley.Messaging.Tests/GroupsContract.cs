using System.Text.Json;
using Parley.Client.Messaging;
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

    [Fact]
    public async Task A_group_send_reaches_every_other_member_and_membership_changes_arrive_as_events()
    {
        var server = await Provider.GetAsync();
        await using var admin = await TestUser.CreateAsync(server);
        await using var bob = await TestUser.CreateAsync(server);
        await using var carol = await TestUser.CreateAsync(server);
        await using var dave = await TestUser.CreateAsync(server);
        var group = await admin.Api.CreateGroupAsync("Project X", [bob.Name, carol.Name.ToUpperInvariant()]);
        group.Members.ShouldBe([new GroupMember(admin.Name, "admin"), new GroupMember(bob.Name, "member"), new GroupMember(carol.Name, "member")],
            ignoreOrder: true);

        var a = await admin.ConnectAsync();
        var b = await bob.ConnectAsync();
        var c = await carol.ConnectAsync();
        var created = Event(await NextOfType(b, EnvelopeTypes.GroupEvent));
        created.Kind.ShouldBe(GroupEvent.Created);
        created.GroupId.ShouldBe(group.Id);
        created.Actor.ShouldBe(admin.Name);
        Event(await NextOfType(c, EnvelopeTypes.GroupEvent)).Kind.ShouldBe(GroupEvent.Created);

        var sent = await a.SendGroupAsync(group.Id, 7, [7, 7, 7]);
        sent.Recipients.ShouldBe(2);
        foreach (var member in new[] { b, c })
        {
            var e = await NextOfType(member, 7);
            e.GroupId.ShouldBe(group.Id);
            e.Sender.ShouldBe(admin.Name);
            e.Content.ShouldBe(new byte[] { 7, 7, 7 });
        }

        (await a.Envelopes.StaysQuietAsync(TimeSpan.FromMilliseconds(300))).ShouldBeTrue(); // not to the sender

        await admin.Api.AddMembersAsync(group.Id, [dave.Name]);
        var added = Event(await NextOfType(b, EnvelopeTypes.GroupEvent));
        added.Kind.ShouldBe(GroupEvent.Added);
        added.Subjects.ShouldBe([dave.Name]);
        added.Members.Count.ShouldBe(4);
        Event(await NextOfType(c, EnvelopeTypes.GroupEvent)).Kind.ShouldBe(GroupEvent.Added);

        await admin.Api.RemoveMemberAsync(group.Id, carol.Name);
        var removed = Event(await NextOfType(c, EnvelopeTypes.GroupEvent));
        removed.Kind.ShouldBe(GroupEvent.Removed);
        removed.Subjects.ShouldBe([carol.Name]);
        Event(await NextOfType(b, EnvelopeTypes.GroupEvent)).Kind.ShouldBe(GroupEvent.Removed);

        // Carol gets nothing sent after her removal.
        (await b.SendGroupAsync(group.Id, 7, [8])).Recipients.ShouldBe(2);
        (await NextOfType(a, 7)).Content.ShouldBe(new byte[] { 8 });
        (await c.Envelopes.StaysQuietAsync(TimeSpan.FromMilliseconds(500))).ShouldBeTrue();
        (await Should.ThrowAsync<MessagingApiException>(() => c.SendGroupAsync(group.Id, 7, [9]))).Type.ShouldBe(MessagingProblemTypes.NotGroupMember);
        (await Should.ThrowAsync<MessagingApiException>(() => carol.Api.GetGroupAsync(group.Id))).Status.ShouldBe(404);
        (await carol.Api.ListGroupsAsync()).Groups.ShouldBeEmpty();
        (await dave.Api.ListGroupsAsync()).Groups.Single().Id.ShouldBe(group.Id);
    }

    [Fact]
    public async Task A_member_who_is_not_admin_cannot_add_remove_or_promote()
    {
        var server = await Provider.GetAsync();
        await using var admin = await TestUser.CreateAsync(server);
        await using var bob = await TestUser.CreateAsync(server);
        await using var carol = await TestUser.CreateAsync(server);
        await using var eve = await TestUser.CreateAsync(server);
        var group = await admin.Api.CreateGroupAsync("g", [bob.Name, carol.Name]);
        async Task Denied(Func<Task> call) =>
            (await Should.ThrowAsync<MessagingApiException>(call)).Type.ShouldBe(MessagingProblemTypes.NotGroupAdmin);

        await Denied(() => bob.Api.AddMembersAsync(group.Id, [eve.Name]));
        await Denied(() => bob.Api.RemoveMemberAsync(group.Id, carol.Name));
        await Denied(() => bob.Api.PromoteAsync(group.Id, bob.Name));
        (await Should.ThrowAsync<MessagingApiException>(() => eve.Api.AddMembersAsync(group.Id, [eve.Name]))).Type
            .ShouldBe(MessagingProblemTypes.NotGroupMember);
        (await admin.Api.GetGroupAsync(group.Id)).Members.Count.ShouldBe(3);

        // Promoted, bob may; a member may always leave.
        await admin.Api.PromoteAsync(group.Id, bob.Name);
        await bob.Api.AddMembersAsync(group.Id, [eve.Name]);
        await carol.Api.RemoveMemberAsync(group.Id, carol.Name);
        (await admin.Api.GetGroupAsync(group.Id)).Members.Select(m => m.Username).ShouldBe([admin.Name, bob.Name, eve.Name], ignoreOrder: true);
    }

    [Fact]
    public async Task When_the_last_admin_leaves_the_longest_standing_member_takes_over()
    {
        var server = await Provider.GetAsync();
        await using var admin = await TestUser.CreateAsync(server);
        await using var bob = await TestUser.CreateAsync(server);
        var group = await admin.Api.CreateGroupAsync("g", [bob.Name]);
        await admin.Api.RemoveMemberAsync(group.Id, admin.Name);
        (await bob.Api.GetGroupAsync(group.Id)).Members.ShouldBe([new GroupMember(bob.Name, "admin")]);
        await bob.Api.RemoveMemberAsync(group.Id, bob.Name);
        (await bob.Api.ListGroupsAsync()).Groups.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_group_send_is_all_or_nothing_when_a_queue_is_full()
    {
        var server = await Provider.StartAsync(new Dictionary<string, string?> { ["Parley:Messaging:MaxQueuedEnvelopes"] = "3" });
        await using var admin = await TestUser.CreateAsync(server);
        await using var bob = await TestUser.CreateAsync(server);
        await using var carol = await TestUser.CreateAsync(server);
        var group = await admin.Api.CreateGroupAsync("g", [bob.Name, carol.Name]); // one event each
        await admin.Api.SendAsync(carol.Name, 2, [1]);
        await admin.Api.SendAsync(carol.Name, 2, [2]); // carol's queue is now full
        var e = await Should.ThrowAsync<MessagingApiException>(() => admin.Api.SendGroupAsync(group.Id, 7, [3]));
        e.Type.ShouldBe(MessagingProblemTypes.QueueFull);
        (await bob.Api.ReadQueueAsync()).Envelopes.Count.ShouldBe(1); // just the event: nobody got the message
    }
}

public sealed class MemoryGroups(MemoryMessaging p) : GroupsContract(p), IClassFixture<MemoryMessaging>;

public sealed class SqliteGroups(SqliteMessaging p) : GroupsContract(p), IClassFixture<SqliteMessaging>;

public sealed class PostgresGroups(PostgresMessaging p) : GroupsContract(p), IClassFixture<PostgresMessaging>;
