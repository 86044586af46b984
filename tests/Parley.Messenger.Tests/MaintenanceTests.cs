using Microsoft.Extensions.Time.Testing;
using Parley.Client.Messenger;
using Parley.Client.Profiles;

namespace Parley.Messenger.Tests;

/// <summary>
/// What the messenger keeps in order by itself, over days: logins when tokens expire, one-time prekeys
/// when they run low, the signed prekey when it is old. Server and clients share one fake clock.
/// </summary>
public sealed class MaintenanceTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly string _root = Path.Combine(Path.GetTempPath(), "parley-maintenance-" + Guid.NewGuid().ToString("N"));
    private readonly List<Client.Messenger.Messenger> _open = [];
    private ParleyTestServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await ParleyTestServer.StartAsync(new ParleyServerOptions
    {
        Provider = "sqlite",
        Time = _time,
        Settings = new Dictionary<string, string?> { ["Parley:Messaging:SendsPerSecond"] = "0", ["Parley:Messaging:BundleFetchesPerTargetPerHour"] = "0" },
    });

    public async ValueTask DisposeAsync()
    {
        foreach (var m in _open)
        {
            await m.DisposeAsync();
        }

        await _server.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    private MessengerOptions Options(int preKeyBatch = 100) =>
        new() { ProfilesRoot = _root, Time = _time, KdfMemoryKiB = 256, KdfIterations = 1, LockWait = TimeSpan.Zero, PreKeyBatch = preKeyBatch };

    private async Task<Client.Messenger.Messenger> RegisterAsync(string stem, int preKeyBatch = 100)
    {
        var name = MessengerKit.Name(stem);
        var m = await Client.Messenger.Messenger.RegisterAsync(name, MessengerKit.Passphrase, _server.BaseAddress, name, options: Options(preKeyBatch));
        _open.Add(m);
        return m;
    }

    [Fact]
    public async Task An_expired_token_means_a_new_login_and_nothing_else()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        (await alice.SendTextAsync(bob.Username, "before")).Queued.ShouldBeTrue();
        var firstToken = alice.Profile.Get(ItemKind.Token, TokenRecord.Name, ProfileCodecs.Token)!.Token;

        _time.Advance(TimeSpan.FromHours(3)); // the server's tokens last one hour
        (await alice.SendTextAsync(bob.Username, "after")).Queued.ShouldBeTrue();
        alice.Profile.Get(ItemKind.Token, TokenRecord.Name, ProfileCodecs.Token)!.Token.ShouldNotBe(firstToken);
        (await bob.ReceivePendingAsync()).OfType<MessageReceived>().Select(m => m.Message.Text).ShouldBe(["before", "after"]);
    }

    [Fact]
    public async Task One_time_prekeys_are_refilled_when_the_server_runs_low()
    {
        var bob = await RegisterAsync("bob", preKeyBatch: 25);
        await bob.LoginAsync();
        (await bob.Api.CountPreKeysAsync()).PreKeys.ShouldBe(25);
        for (var i = 0; i < 10; i++)
        {
            var sender = await RegisterAsync("s" + i);
            (await sender.SendTextAsync(bob.Username, "hi " + i)).Queued.ShouldBeTrue();
        }

        (await bob.Api.CountPreKeysAsync()).PreKeys.ShouldBe(15); // below the refill threshold of 20
        (await bob.ReceivePendingAsync()).OfType<MessageReceived>().Count().ShouldBe(10);
        var counts = await bob.Api.CountPreKeysAsync();
        counts.PreKeys.ShouldBe(15 + 25);
        counts.KyberPreKeys.ShouldBe(15 + 25);

        // the new keys work: a new sender gets one of them and bob decrypts
        var late = await RegisterAsync("late");
        (await late.SendTextAsync(bob.Username, "with a fresh prekey")).Queued.ShouldBeTrue();
        (await bob.ReceivePendingAsync()).OfType<MessageReceived>().Single().Message.Text.ShouldBe("with a fresh prekey");
    }

    [Fact]
    public async Task An_old_signed_prekey_is_replaced_and_sessions_made_with_it_still_work()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        await alice.LoginAsync();
        var before = (await alice.Api.GetBundleAsync(bob.Username)).SignedPreKey.Id;

        // carol starts a session with bob's current signed prekey, then bob's key ages past a week
        var carol = await RegisterAsync("carol");
        (await carol.SendTextAsync(bob.Username, "made with the old key")).Queued.ShouldBeTrue();
        _time.Advance(TimeSpan.FromDays(8));
        await alice.LoginAsync();
        (await bob.ReceivePendingAsync()).OfType<MessageReceived>().Single().Message.Text.ShouldBe("made with the old key");

        var after = await alice.Api.GetBundleAsync(bob.Username);
        after.SignedPreKey.Id.ShouldNotBe(before);
        (await alice.SendTextAsync(bob.Username, "made with the new key")).Queued.ShouldBeTrue();
        (await carol.SendTextAsync(bob.Username, "carol again")).Queued.ShouldBeTrue();
        (await bob.ReceivePendingAsync()).OfType<MessageReceived>().Select(m => m.Message.Text).ShouldBe(["made with the new key", "carol again"]);
    }

    [Fact]
    public async Task A_session_reset_starts_over_and_tells_the_other_side()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        await alice.SendTextAsync(bob.Username, "one");
        await bob.ReceivePendingAsync();
        await bob.SendTextAsync(alice.Username, "two");
        await alice.ReceivePendingAsync();

        (await alice.ResetSessionAsync(bob.Username)).Queued.ShouldBeTrue();
        var seen = await bob.ReceivePendingAsync();
        seen.OfType<MessageReceived>().Single().Message.Text.ShouldContain("reset the secure session");
        (await bob.SendTextAsync(alice.Username, "three")).Queued.ShouldBeTrue();
        (await alice.ReceivePendingAsync()).OfType<MessageReceived>().Single().Message.Text.ShouldBe("three");
        (await alice.SendTextAsync(bob.Username, "four")).Queued.ShouldBeTrue();
        (await bob.ReceivePendingAsync()).OfType<MessageReceived>().Single().Message.Text.ShouldBe("four");
    }

    [Fact]
    public async Task Delivery_state_moves_from_sent_to_delivered_when_the_recipient_stored_it()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var carol = await RegisterAsync("carol");
        var sent = await alice.SendTextAsync(bob.Username, "are you there?");
        sent.Message.State.ShouldBe(DeliveryState.Sent);
        (await alice.RefreshDeliveryAsync()).ShouldBeEmpty();
        alice.History(bob.Username, 1).Single().State.ShouldBe(DeliveryState.Sent);

        await bob.ReceivePendingAsync();
        (await alice.RefreshDeliveryAsync()).OfType<DeliveryChanged>().Single().State.ShouldBe(DeliveryState.Delivered);
        alice.History(bob.Username, 1).Single().State.ShouldBe(DeliveryState.Delivered);

        // a group message is delivered once every member stored it
        var group = await alice.CreateGroupAsync("Pair", [bob.Username, carol.Username]);
        await bob.ReceivePendingAsync();
        await carol.ReceivePendingAsync();
        await bob.AcceptInvitationAsync("#" + group.Id);
        await carol.AcceptInvitationAsync("#" + group.Id);
        await alice.ReceivePendingAsync();
        await alice.SendTextAsync("#" + group.Id, "to both");
        await bob.ReceivePendingAsync();
        await alice.RefreshDeliveryAsync();
        alice.History("#" + group.Id, 100).Last().State.ShouldBe(DeliveryState.Sent);
        await carol.ReceivePendingAsync();
        await alice.RefreshDeliveryAsync();
        alice.History("#" + group.Id, 100).Last().State.ShouldBe(DeliveryState.Delivered);
    }
}
