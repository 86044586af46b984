using Parley.Client.Messaging;
using Parley.Messaging.Tests.Support;

namespace Parley.Messaging.Tests;

/// <summary>
/// Commit before answer, for the relay: the server process is SIGKILLed the moment a random send is
/// acknowledged to its sender (over the relay socket or REST), several times over; after each restart
/// every acknowledged envelope is in the recipient's queue with its content. SIGKILL keeps the page
/// cache, so this shows the order of commit and answer; the power-cut half is the fsync that
/// <c>Parley:Storage:SqliteSynchronous</c> chooses (docs/configuration.md, "Durability on a power cut").
/// </summary>
public sealed class AnsweredEnvelopesSurviveKillTests
{
    [Theory]
    [InlineData("full")]
    [InlineData("normal")]
    public async Task Every_acknowledged_send_survives_a_kill_9_at_a_random_moment(string synchronous)
    {
        var settings = MessagingServer.Defaults();
        settings["Parley:Storage:Provider"] = "sqlite";
        settings["Parley:Storage:SqliteSynchronous"] = synchronous;
        await using var server = await ServerProcess.StartAsync(settings, cancellationToken: TestContext.Current.CancellationToken);
        await using var alice = await TestUser.CreateAsync(server.BaseUrl);
        await using var bob = await TestUser.CreateAsync(server.BaseUrl);
        var relay = new Lazy<Task<RelayClient>>(() => RelayClient.ConnectAsync(server.BaseUrl, alice.Token));

        var checkedWrites = await KillAfterAnswer.RunAsync(server, rounds: 5,
            write: async (n, ct) =>
            {
                var content = BitConverter.GetBytes(n);
                var id = n % 2 == 0
                    ? (await (await relay.Value).SendAsync(bob.Name, 2, content, ct)).Id
                    : (await alice.Api.SendAsync(bob.Name, 2, content, ct)).Id;
                return (Id: id, Content: content);
            },
            verifyAfterRestart: async answered =>
            {
                await (await relay.Value).DisposeAsync();
                relay = new Lazy<Task<RelayClient>>(() => RelayClient.ConnectAsync(server.BaseUrl, alice.Token));
                var queued = await bob.Api.ReadWholeQueueAsync();
                foreach (var (id, content) in answered)
                {
                    queued.ShouldContainKey(id, $"envelope {id} was acknowledged before the kill");
                    queued[id].ShouldBe(content);
                }
            });

        checkedWrites.ShouldBeGreaterThanOrEqualTo(5);
        await (await relay.Value).DisposeAsync();
    }
}
