using System.Threading.Channels;
using Parley.Client.Messenger;
using Parley.Client.Profiles;

namespace Parley.Messenger.Tests;

/// <summary>
/// The receiving profile lives on a small tmpfs that fills up while messages arrive, over REST and live
/// over the hub. Nothing the server queued may be lost: a batch that cannot be stored is not
/// acknowledged (the server keeps it), the messenger says clearly that the disk is full, and once space
/// is freed every message is in the history exactly once, in order.
/// </summary>
public sealed class ProfileDiskFullTests(MessengerKit kit) : IClassFixture<MessengerKit>
{
    [Fact]
    public async Task Messages_that_arrive_on_a_full_disk_are_not_acknowledged_and_are_stored_once_space_is_free()
    {
        using var disk = SmallFilesystem.Mount(8 * 1024 * 1024);
        var alice = await kit.RegisterAsync(MessengerKit.Name("alice"));
        var bobName = MessengerKit.Name("bob");
        var bobOptions = new MessengerOptions { ProfilesRoot = disk.Path, KdfMemoryKiB = 256, KdfIterations = 1, LockWait = TimeSpan.Zero };
        await using var bob = await Client.Messenger.Messenger.RegisterAsync(bobName, MessengerKit.Passphrase, kit.Server.BaseAddress, bobName, options: bobOptions);

        var texts = Enumerable.Range(0, 60).Select(i => $"message {i:D2} " + new string('x', 2000)).ToList();
        foreach (var text in texts[..10])
        {
            (await alice.SendTextAsync(bob.Username, text)).Queued.ShouldBeTrue();
        }

        (await bob.ReceivePendingAsync()).OfType<MessageReceived>().Count().ShouldBe(10);

        // REST: the whole batch is refused with a clear failure, and nothing of it is acknowledged.
        disk.Fill();
        foreach (var text in texts[10..30])
        {
            (await alice.SendTextAsync(bob.Username, text)).Queued.ShouldBeTrue();
        }

        var full = await Should.ThrowAsync<ProfileDiskFullException>(() => bob.ReceivePendingAsync());
        full.Message.ShouldBe("the disk is full: the profile could not be written (nothing was changed)");

        // Live: the follow stream reports the full disk and keeps going instead of ending.
        using var stop = new CancellationTokenSource();
        var events = Channel.CreateUnbounded<MessengerEvent>();
        var pump = Task.Run(async () =>
        {
            await foreach (var e in bob.FollowAsync(cancellationToken: stop.Token))
            {
                await events.Writer.WriteAsync(e);
            }
        });
        var refused = await NextAsync<ConnectionChanged>(events.Reader, c => !c.Connected && c.Problem!.Contains("disk"));
        refused.Problem.ShouldBe("the disk is full: the profile could not be written (nothing was changed); retrying");
        foreach (var text in texts[30..40])
        {
            (await alice.SendTextAsync(bob.Username, text)).Queued.ShouldBeTrue();
        }

        disk.Free();
        var live = new List<string>();
        while (live.Count < 30)
        {
            live.Add((await NextAsync<MessageReceived>(events.Reader)).Message.Text!);
        }

        live.ShouldBe(texts[10..40]);
        foreach (var text in texts[40..60])
        {
            (await alice.SendTextAsync(bob.Username, text)).Queued.ShouldBeTrue();
        }

        for (var i = 0; i < 20; i++)
        {
            (await NextAsync<MessageReceived>(events.Reader)).Message.Text.ShouldBe(texts[40 + i]);
        }

        await stop.CancelAsync();
        await pump;
        bob.History(alice.Username, 100).Select(m => m.Text).ShouldBe(texts);
        (await bob.ReceivePendingAsync()).OfType<MessageReceived>().ShouldBeEmpty("everything stored was acknowledged, nothing twice");
    }

    private static async Task<T> NextAsync<T>(ChannelReader<MessengerEvent> events, Func<T, bool>? match = null)
        where T : MessengerEvent
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var e = await events.ReadAsync(timeout.Token);
            if (e is T t && (match is null || match(t)))
            {
                return t;
            }
        }
    }
}
