using Parley.Contracts.Messaging;
using Parley.Messaging.Tests.Support;

namespace Parley.Messaging.Tests;

/// <summary>
/// Presence events follow connects and disconnects, as far as the operator's visibility setting allows
/// (the default, <c>contacts</c>, is <see cref="PresenceContract"/>'s).
/// </summary>
public sealed class PresenceTests(SqliteMessaging provider) : IClassFixture<SqliteMessaging>
{
    private async Task<ParleyTestServer> Server(string visibility) =>
        await provider.StartAsync(new Dictionary<string, string?> { ["Parley:Messaging:PresenceVisibility"] = visibility });

    [Fact]
    public async Task With_everyone_visibility_everyone_sees_connects_and_disconnects()
    {
        var server = await Server("everyone");
        await using var alice = await TestUser.CreateAsync(server);
        await using var carol = await TestUser.CreateAsync(server);
        var a = await alice.ConnectAsync();
        // The node registers a socket just after its 101 and answers its calls only once it has: a client
        // that asks who is online after connecting (as this one does) then misses no one's arrival.
        (await a.GetPresenceAsync()).ShouldBeEmpty();
        var c = await carol.ConnectAsync();
        var seen = await a.Presence.NextAsync();
        seen.Username.ShouldBe(carol.Name);
        seen.Online.ShouldBeTrue();
        (await c.GetPresenceAsync()).ShouldContain(alice.Name);
        await c.DisposeAsync();
        (await a.Presence.NextAsync()).Online.ShouldBeFalse();
    }

    [Fact]
    public async Task With_nobody_visibility_no_one_sees_anyone()
    {
        var server = await Server("nobody");
        await using var alice = await TestUser.CreateAsync(server);
        await using var bob = await TestUser.CreateAsync(server);
        await alice.Api.SendAsync(bob.Name, 2, [1]);
        await bob.Api.SendAsync(alice.Name, 2, [1]);
        await bob.Api.AllowPresenceAsync(alice.Name); // consent does not override the operator
        var a = await alice.ConnectAsync();
        var b = await bob.ConnectAsync();
        (await a.Presence.StaysQuietAsync(TimeSpan.FromMilliseconds(500))).ShouldBeTrue();
        (await a.GetPresenceAsync()).ShouldBeEmpty();
        (await b.Envelopes.NextAsync()).Type.ShouldBe(2);
        (await alice.Api.GetConfigAsync()).PresenceVisibility.ShouldBe("nobody");
    }
}
