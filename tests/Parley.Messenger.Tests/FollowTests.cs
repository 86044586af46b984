using System.Threading.Channels;
using Parley.Client.Messenger;
using Parley.Client.Profiles;

namespace Parley.Messenger.Tests;

/// <summary>Live delivery over the hub (inbox --follow, the chat screen): queued first, then live, with receipts and presence.</summary>
public sealed class FollowTests(MessengerKit kit) : IClassFixture<MessengerKit>
{
    private static async Task<T> NextAsync<T>(ChannelReader<MessengerEvent> events, Func<T, bool>? match = null)
        where T : MessengerEvent
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var e = await events.ReadAsync(timeout.Token);
            if (e is T t && (match is null || match(t)))
            {
                return t;
            }
        }
    }

    private static (ChannelReader<MessengerEvent> Events, Task Pump) Follow(Client.Messenger.Messenger m, CancellationToken stop)
    {
        var channel = Channel.CreateUnbounded<MessengerEvent>();
        var pump = Task.Run(async () =>
        {
            await foreach (var e in m.FollowAsync(cancellationToken: stop))
            {
                await channel.Writer.WriteAsync(e);
            }
        });
        return (channel.Reader, pump);
    }

    [Fact]
    public async Task Queued_then_live_messages_arrive_in_order_and_the_sender_sees_them_delivered()
    {
        var alice = await kit.RegisterAsync(MessengerKit.Name("alice"));
        var bob = await kit.RegisterAsync(MessengerKit.Name("bob"));
        await bob.AddContactAsync(alice.Username); // bob lets alice see when he is online
        (await alice.SendTextAsync(bob.Username, "while you were away")).Queued.ShouldBeTrue();

        using var stop = new CancellationTokenSource();
        var (bobEvents, bobPump) = Follow(bob, stop.Token);
        var (aliceEvents, alicePump) = Follow(alice, stop.Token);
        (await NextAsync<MessageReceived>(bobEvents)).Message.Text.ShouldBe("while you were away");

        var live = await alice.SendTextAsync(bob.Username, "and now live");
        (await NextAsync<MessageReceived>(bobEvents)).Message.Text.ShouldBe("and now live");
        var delivered = await NextAsync<DeliveryChanged>(aliceEvents, d => d.Uid == live.Message.Uid);
        delivered.State.ShouldBe(DeliveryState.Delivered);
        alice.History(bob.Username, 10).Last().State.ShouldBe(DeliveryState.Delivered);

        // bob answers while both follow: alice gets it live too
        await bob.SendTextAsync(alice.Username, "hello back");
        (await NextAsync<MessageReceived>(aliceEvents, m => m.Message.Kind == StoredMessage.KindText)).Message.Text.ShouldBe("hello back");
        (await alice.OnlineAsync()).ShouldContain(bob.Username);

        await stop.CancelAsync();
        await Task.WhenAll(bobPump, alicePump);
    }

    [Fact]
    public async Task Read_receipts_for_thousands_of_messages_leave_over_the_hub_in_batches_that_fit()
    {
        var alice = await kit.RegisterAsync(MessengerKit.Name("alice"));
        var bob = await kit.RegisterAsync(MessengerKit.Name("bob"));
        for (var i = 0; i < 3000; i += 1000)
        {
            await alice.SendTextsAsync(bob.Username, [.. Enumerable.Range(i, 1000).Select(n => $"m{n}")]);
        }

        await bob.ReceivePendingAsync();
        using var stop = new CancellationTokenSource();
        var (bobEvents, bobPump) = Follow(bob, stop.Token);
        await NextAsync<ConnectionChanged>(bobEvents, c => c.Connected);

        // 3,000 ids make 12 receipts of ~6.5 KB: more than one hub message holds
        (await bob.MarkReadAsync(ConversationId.Direct(alice.Username))).ShouldBe(3000);
        (await bob.FlushOutboxAsync()).ShouldBeNull();
        (await bob.SendTextAsync(alice.Username, "read them all")).Queued.ShouldBeTrue(); // the connection is still up

        var events = await alice.ReceivePendingAsync();
        events.OfType<MessageRead>().Count().ShouldBe(3000);
        alice.History(bob.Username, 5000).Where(m => m.Direction == MessageDirection.Outgoing).ShouldAllBe(m => m.ReadBy.Count == 1);
        events.OfType<MessageReceived>().Single(m => m.Message.Kind == StoredMessage.KindText).Message.Text.ShouldBe("read them all");

        await stop.CancelAsync();
        await bobPump;
    }
}
