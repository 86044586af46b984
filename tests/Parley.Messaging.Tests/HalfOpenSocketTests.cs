using System.Diagnostics;
using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Parley.Contracts.Messaging;
using Parley.Messaging.Tests.Support;
using Parley.Server.Features.Messaging;

namespace Parley.Messaging.Tests;

/// <summary>
/// A relay socket whose peer went silent (a laptop closed, a NAT that dropped the mapping: the TCP
/// connection looks open but nothing answers) does not hold a slot for ever: the node pings it every
/// <see cref="RelayHub.KeepAliveInterval"/> and closes it when no pong comes within
/// <see cref="RelayHub.KeepAliveTimeout"/>, freeing the account's connection slot.
/// </summary>
public sealed class HalfOpenSocketTests
{
    [Fact]
    public async Task A_socket_that_stops_answering_pings_is_closed_and_its_slot_freed()
    {
        var settings = MessagingServer.Defaults();
        settings["Parley:Messaging:MaxConnectionsPerAccount"] = "1";
        await using var server = await ParleyTestServer.StartAsync(new ParleyServerOptions { Provider = "memory", RealTime = true, Settings = settings });
        await using var bob = await TestUser.CreateAsync(server);

        // Upgraded, then silent: a ClientWebSocket answers pings only while something reads it, and nothing does.
        using var silent = new ClientWebSocket();
        silent.Options.SetRequestHeader("Authorization", "Bearer " + bob.Token);
        silent.Options.KeepAliveInterval = TimeSpan.Zero;
        await silent.ConnectAsync(new Uri(new Uri(server.BaseAddress.ToString().Replace("http", "ws", StringComparison.Ordinal)), MessagingValues.HubPath),
            TestContext.Current.CancellationToken);
        var connections = server.Services.GetRequiredService<RelayConnections>();
        var clock = Stopwatch.StartNew();
        while (connections.Of(bob.Name).Length == 0 && clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        connections.Of(bob.Name).ShouldHaveSingleItem();
        await Should.ThrowAsync<Parley.Client.Messaging.MessagingApiException>(() => bob.ConnectAsync(), "the one slot is taken");

        var limit = RelayHub.KeepAliveInterval + RelayHub.KeepAliveTimeout + TimeSpan.FromSeconds(15); // slack for a loaded machine
        while (connections.Of(bob.Name).Length > 0 && clock.Elapsed < limit)
        {
            await Task.Delay(250, TestContext.Current.CancellationToken);
        }

        connections.Of(bob.Name).ShouldBeEmpty($"the silent socket was still registered after {clock.Elapsed.TotalSeconds:F0} s");
        clock.Elapsed.ShouldBeGreaterThan(RelayHub.KeepAliveTimeout, "closed for its silence, not at once");
        var fresh = await bob.ConnectAsync(); // the slot is free again
        (await fresh.SendAsync(bob.Name, 2, [1, 2, 3])).Id.ShouldBeGreaterThan(0);
    }
}
