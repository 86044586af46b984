using Parley.Client.Messenger;
using Parley.Client.Profiles;

namespace Parley.Messenger.Tests;

/// <summary>A send while the server is away: stored with its session step, sent later, in order, exactly once.</summary>
public sealed class OutboxTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "parley-outbox-" + Guid.NewGuid().ToString("N"));
    private ServerProcess _server = null!;

    public async ValueTask InitializeAsync() => _server = await ServerProcess.StartAsync(new Dictionary<string, string?>
    {
        ["Parley:Storage:Provider"] = "sqlite",
        ["Parley:Messaging:SendsPerSecond"] = "0",
    });

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task A_message_written_while_the_server_is_down_goes_out_when_it_is_back()
    {
        var options = new MessengerOptions { ProfilesRoot = _root, KdfMemoryKiB = 256, KdfIterations = 1, LockWait = TimeSpan.Zero };
        var aliceName = MessengerKit.Name("alice");
        var bobName = MessengerKit.Name("bob");
        await using var alice = await Client.Messenger.Messenger.RegisterAsync(aliceName, MessengerKit.Passphrase, _server.BaseUrl, aliceName, options: options);
        await using var bob = await Client.Messenger.Messenger.RegisterAsync(bobName, MessengerKit.Passphrase, _server.BaseUrl, bobName, options: options);
        (await alice.SendTextAsync(bobName, "one")).Queued.ShouldBeTrue();

        await _server.KillAsync();
        var offline = await alice.SendTextAsync(bobName, "two");
        offline.Queued.ShouldBeFalse();
        offline.Problem.ShouldNotBeNull().ShouldContain("could not be reached");
        offline.Message.State.ShouldBe(DeliveryState.Pending);
        alice.History(bobName, 10).Select(m => (m.Text, m.State)).ShouldBe([("one", DeliveryState.Sent), ("two", DeliveryState.Pending)]);

        await _server.RestartAsync();
        (await alice.SendTextAsync(bobName, "three")).Queued.ShouldBeTrue(); // the waiting one goes first
        alice.History(bobName, 10).Select(m => m.State).ShouldAllBe(s => s == DeliveryState.Sent);
        (await bob.ReceivePendingAsync()).OfType<MessageReceived>().Select(m => m.Message.Text).ShouldBe(["one", "two", "three"]);
        (await alice.FlushOutboxAsync()).ShouldBeNull();
        (await bob.ReceivePendingAsync()).OfType<MessageReceived>().ShouldBeEmpty();
    }
}
