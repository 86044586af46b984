using Parley.Client.Messaging;
using Parley.Contracts;
using Parley.Messaging.Tests.Support;

namespace Parley.Messaging.Tests;

/// <summary>
/// The SQLite store on a small tmpfs that fills up while envelopes are queued (relay socket and REST):
/// every refused send is a clear <c>storage-full</c> (503 over REST, the problem text over the socket;
/// no hang, no stack trace in the log), the recipient's queue holds exactly the envelopes whose send was
/// acknowledged — nothing refused, nothing half-written — and once space is freed sending works again
/// with everything queued before intact.
/// </summary>
public sealed class RelayDiskFullTests
{
    [Fact]
    public async Task A_full_disk_refuses_sends_cleanly_and_the_queue_holds_exactly_what_was_acknowledged()
    {
        using var disk = SmallFilesystem.Mount(16 * 1024 * 1024);
        var settings = MessagingServer.Defaults();
        settings["Parley:Storage:DataDirectory"] = Path.Combine(disk.Path, "data");
        await using var server = await ParleyTestServer.StartAsync(new ParleyServerOptions { Provider = "sqlite", Settings = settings });
        await using var alice = await TestUser.CreateAsync(server);
        await using var bob = await TestUser.CreateAsync(server);
        var relay = await alice.ConnectAsync();
        var acknowledged = new Dictionary<long, byte[]>();

        async Task<bool> SendAsync(int n)
        {
            var content = new byte[32 * 1024];
            Random.Shared.NextBytes(content);
            try
            {
                var id = n % 2 == 0
                    ? (await relay.SendAsync(bob.Name, 2, content).WaitAsync(TimeSpan.FromSeconds(30))).Id
                    : (await alice.Api.SendAsync(bob.Name, 2, content).WaitAsync(TimeSpan.FromSeconds(30))).Id;
                acknowledged.Add(id, content);
                return true;
            }
            catch (MessagingApiException e) when (e.Type == ProblemTypes.StorageFull)
            {
                e.Status.ShouldBeOneOf(0, 503); // 0: the relay socket's error frames carry no status
                return false;
            }
        }

        for (var n = 0; n < 20; n++)
        {
            (await SendAsync(n)).ShouldBeTrue("there is room before the disk fills");
        }

        disk.Fill();
        var refused = 0;
        for (var n = 0; n < 5_000 && refused < 6; n++)
        {
            refused += await SendAsync(n) ? 0 : 1;
        }

        refused.ShouldBe(6, "sends kept succeeding on a full disk");

        disk.Free();
        (await SendAsync(0)).ShouldBeTrue("the socket works again once there is room");
        (await SendAsync(1)).ShouldBeTrue("REST works again once there is room");

        var queued = await bob.Api.ReadWholeQueueAsync();
        queued.Keys.Order().ShouldBe(acknowledged.Keys.Order());
        foreach (var (id, content) in acknowledged)
        {
            queued[id].ShouldBe(content);
        }

        var errors = server.Logs.Lines.Where(l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal)).ToList();
        errors.ShouldNotBeEmpty();
        errors.ShouldAllBe(l => l.Contains("[9101]") && l.Contains("out of space"));
        server.Logs.Text.ShouldNotContain("   at ");
    }
}
