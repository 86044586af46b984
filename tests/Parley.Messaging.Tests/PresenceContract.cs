using Parley.Client.Messaging;
using Parley.Contracts.Messaging;
using Parley.Messaging.Tests.Support;
using Parley.Server.Features.Messaging;

namespace Parley.Messaging.Tests;

/// <summary>
/// Presence by consent (the default <c>contacts</c> visibility) on every storage provider: a viewer sees a
/// subject only when the subject wrote to the viewer or allowed it; hub events, <c>GetPresence</c> and
/// <c>GET /api/presence</c> agree.
/// </summary>
public abstract class PresenceContract(MessagingServer provider)
{
    protected MessagingServer Provider { get; } = provider;

    private static TimeSpan Quiet => TimeSpan.FromMilliseconds(400);

    private static async Task ShouldSee(TestUser viewer, RelayClient relay, params string[] online)
    {
        (await relay.GetPresenceAsync()).ShouldBe(online);
        (await viewer.Api.GetPresenceAsync()).Online.ShouldBe(online);
    }

    private static async Task ShouldHear(RelayClient relay, string username, bool online)
    {
        var e = await relay.Presence.NextAsync();
        e.ShouldSatisfyAllConditions(() => e.Username.ShouldBe(username), () => e.Online.ShouldBe(online));
    }

    [Fact]
    public async Task An_unsolicited_message_does_not_show_the_recipient_to_the_sender_but_a_reply_does()
    {
        var server = await Provider.GetAsync();
        await using var alice = await TestUser.CreateAsync(server);
        await using var bob = await TestUser.CreateAsync(server);
        await alice.Api.SendAsync(bob.Name, 2, [1]);
        var a = await alice.ConnectAsync();
        var b = await bob.ConnectAsync();

        // Alice wrote to bob, so bob sees her; bob never agreed to anything, so alice does not see him.
        await ShouldSee(bob, b, alice.Name);
        await ShouldSee(alice, a);
        (await a.Presence.StaysQuietAsync(Quiet)).ShouldBeTrue();
        (await alice.Api.ListPresenceAllowedAsync()).Usernames.ShouldBe([bob.Name]);
        (await bob.Api.ListPresenceAllowedAsync()).Usernames.ShouldBeEmpty();

        await b.SendAsync(alice.Name, 2, [2]); // the reply
        await ShouldHear(a, bob.Name, online: true);
        await ShouldSee(alice, a, bob.Name);
        await b.DisposeAsync();
        await ShouldHear(a, bob.Name, online: false);
        await ShouldSee(alice, a);
    }

    [Fact]
    public async Task Allowing_shows_me_at_once_and_withdrawing_hides_me_at_once()
    {
        var server = await Provider.GetAsync();
        await using var alice = await TestUser.CreateAsync(server);
        await using var carol = await TestUser.CreateAsync(server);
        var a = await alice.ConnectAsync();
        var c = await carol.ConnectAsync();
        await ShouldSee(alice, a);

        await carol.Api.AllowPresenceAsync(alice.Name.ToUpperInvariant());
        await ShouldHear(a, carol.Name, online: true);
        await ShouldSee(alice, a, carol.Name);
        (await carol.Api.ListPresenceAllowedAsync()).Usernames.ShouldBe([alice.Name]);
        await carol.Api.AllowPresenceAsync(alice.Name); // again: nothing new to tell
        (await a.Presence.StaysQuietAsync(Quiet)).ShouldBeTrue();

        await carol.Api.DisallowPresenceAsync(alice.Name);
        await ShouldHear(a, carol.Name, online: false);
        await ShouldSee(alice, a);
        (await carol.Api.ListPresenceAllowedAsync()).Usernames.ShouldBeEmpty();
        await c.DisposeAsync();
        await carol.ConnectAsync();
        (await a.Presence.StaysQuietAsync(Quiet)).ShouldBeTrue();
    }

    [Fact]
    public async Task A_withdrawal_outlasts_later_messages_until_I_allow_again()
    {
        var server = await Provider.GetAsync();
        await using var alice = await TestUser.CreateAsync(server);
        await using var bob = await TestUser.CreateAsync(server);
        await using var dave = await TestUser.CreateAsync(server);
        await alice.Api.SendAsync(bob.Name, 2, [1]);
        await alice.Api.DisallowPresenceAsync(dave.Name); // before ever writing to dave
        var b = await bob.ConnectAsync();
        var d = await dave.ConnectAsync();
        var a = await alice.ConnectAsync();
        await ShouldHear(b, alice.Name, online: true);

        await alice.Api.DisallowPresenceAsync(bob.Name);
        await ShouldHear(b, alice.Name, online: false);
        await a.SendAsync(bob.Name, 2, [2]);
        await a.SendAsync(dave.Name, 2, [3]);
        (await b.ReceiveAsync(2)).Count.ShouldBe(2);
        (await d.ReceiveAsync(1)).Count.ShouldBe(1);
        await ShouldSee(bob, b);
        await ShouldSee(dave, d);
        (await b.Presence.StaysQuietAsync(Quiet)).ShouldBeTrue();
        (await d.Presence.StaysQuietAsync(Quiet)).ShouldBeTrue();
        (await alice.Api.ListPresenceAllowedAsync()).Usernames.ShouldBeEmpty();

        await alice.Api.AllowPresenceAsync(bob.Name);
        await ShouldHear(b, alice.Name, online: true);
        await ShouldSee(bob, b, alice.Name);
    }

    [Fact]
    public async Task A_group_message_shows_no_one_to_anyone()
    {
        var server = await Provider.GetAsync();
        await using var alice = await TestUser.CreateAsync(server);
        await using var bob = await TestUser.CreateAsync(server);
        var group = await alice.Api.CreateGroupAsync("g", [bob.Name]);
        await bob.Api.AcceptGroupInvitationAsync(group.Id);
        await alice.Api.SendGroupAsync(group.Id, 7, [1]);
        await bob.Api.SendGroupAsync(group.Id, 7, [2]);
        var a = await alice.ConnectAsync();
        var b = await bob.ConnectAsync();
        await ShouldSee(alice, a);
        await ShouldSee(bob, b);
    }

    [Fact]
    public async Task A_deleted_account_takes_its_presence_grants_along_both_ways()
    {
        var server = await Provider.GetAsync();
        await using var alice = await TestUser.CreateAsync(server);
        await using var bob = await TestUser.CreateAsync(server);
        await alice.Api.AllowPresenceAsync(bob.Name);
        await bob.Api.SendAsync(alice.Name, 2, [1]);
        await bob.Api.DeleteAccountAsync();
        (await alice.Api.ListPresenceAllowedAsync()).Usernames.ShouldBeEmpty();
        (await server.Store<IPresenceStore>().PresenceSubjectsAsync(alice.Name, default)).ShouldBeEmpty();
    }
}

public sealed class MemoryPresence(MemoryMessaging p) : PresenceContract(p), IClassFixture<MemoryMessaging>;

public sealed class SqlitePresence(SqliteMessaging p) : PresenceContract(p), IClassFixture<SqliteMessaging>;

public sealed class PostgresPresence(PostgresMessaging p) : PresenceContract(p), IClassFixture<PostgresMessaging>;
