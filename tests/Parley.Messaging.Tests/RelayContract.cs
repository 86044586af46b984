using Microsoft.Extensions.DependencyInjection;
using Parley.Client.Messaging;
using Parley.Contracts;
using Parley.Contracts.Messaging;
using Parley.Messaging.Tests.Support;
using Parley.Server.Features.Messaging;

namespace Parley.Messaging.Tests;

/// <summary>The relay over real WebSockets (MessagePack frames) on every storage provider.</summary>
public abstract class RelayContract(MessagingServer provider)
{
    protected MessagingServer Provider { get; } = provider;

    private static byte[] Payload(int i) => [0x44, .. BitConverter.GetBytes(i)];

    private static int Index(HubEnvelope e) => BitConverter.ToInt32(e.Content, 1);

    [Fact]
    public async Task Envelopes_to_an_offline_user_arrive_on_connect_in_order()
    {
        var server = await Provider.GetAsync();
        await using var alice = await TestUser.CreateAsync(server);
        await using var bob = await TestUser.CreateAsync(server);
        var sender = await alice.ConnectAsync();
        var ids = new List<long>();
        for (var i = 0; i < 300; i++)
        {
            ids.Add((await sender.SendAsync(bob.Name, 2, Payload(i))).Id);
        }

        ids.ShouldBeInOrder(SortDirection.Ascending);
        var receiver = await bob.ConnectAsync();
        var received = await receiver.ReceiveAsync(300);
        received.Select(Index).ShouldBe(Enumerable.Range(0, 300));
        received.Select(e => e.Id).ShouldBe(ids);
        received.ShouldAllBe(e => e.Sender == alice.Name && e.Type == 2 && e.GroupId == null);
        received[0].ServerTimestamp.ShouldBe(server.Time!.GetUtcNow().ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task An_online_user_gets_envelopes_at_once_and_the_sender_sees_delivery()
    {
        var server = await Provider.GetAsync();
        await using var alice = await TestUser.CreateAsync(server);
        await using var bob = await TestUser.CreateAsync(server);
        var a = await alice.ConnectAsync();
        var b = await bob.ConnectAsync();
        var sent = await a.SendAsync(bob.Name, 3, [1, 2, 3]);
        var got = await b.Envelopes.NextAsync();
        got.Id.ShouldBe(sent.Id);
        got.Content.ShouldBe(new byte[] { 1, 2, 3 });
        (await alice.Api.GetStatusAsync(sent.Id)).State.ShouldBe(MessagingValues.StateQueued);

        (await b.AckAsync([got.Id])).ShouldBe(1);
        var receipt = await a.Receipts.NextAsync();
        receipt.Recipient.ShouldBe(bob.Name);
        receipt.Ids.ShouldBe([sent.Id]);
        (await alice.Api.GetStatusAsync(sent.Id)).State.ShouldBe(MessagingValues.StateGone);
    }

    [Fact]
    public async Task A_batch_send_queues_its_envelopes_in_order_and_refuses_only_the_bad_ones()
    {
        var server = await Provider.GetAsync();
        await using var alice = await TestUser.CreateAsync(server);
        await using var bob = await TestUser.CreateAsync(server);
        await using var carol = await TestUser.CreateAsync(server);
        var a = await alice.ConnectAsync();
        var b = await bob.ConnectAsync();
        HubOutgoingEnvelope To(string name, int i, int type = 2) => new() { To = name, Type = type, Content = Payload(i) };
        var results = await a.SendBatchAsync(
        [
            To(bob.Name, 0), To(carol.Name, 1), To("nobody-here", 2), To(bob.Name, 3, type: 0), To("../x", 4),
            new HubOutgoingEnvelope { To = bob.Name, Type = 2, Content = [] }, To(bob.Name.ToUpperInvariant(), 6), To(bob.Name, 7),
        ]);

        results.Length.ShouldBe(8);
        results[2].Problem!.ShouldStartWith(MessagingProblemTypes.UnknownRecipient + ": ");
        results[3].Problem!.ShouldStartWith(ProblemTypes.InvalidRequest + ": ");
        results[4].Problem!.ShouldStartWith(MessagingProblemTypes.UsernameInvalid + ": ");
        results[5].Problem!.ShouldStartWith(ProblemTypes.InvalidRequest + ": ");
        int[] queued = [0, 1, 6, 7];
        foreach (var i in queued)
        {
            results[i].Problem.ShouldBeNull();
            results[i].Id.ShouldBeGreaterThan(0);
            results[i].ServerTimestamp.ShouldBe(server.Time!.GetUtcNow().ToUnixTimeMilliseconds());
        }

        foreach (var i in new[] { 2, 3, 4, 5 })
        {
            results[i].Id.ShouldBe(0);
        }

        results[0].Id.ShouldBeLessThan(results[6].Id);
        results[6].Id.ShouldBeLessThan(results[7].Id);
        var got = await b.ReceiveAsync(3);
        got.Select(Index).ShouldBe([0, 6, 7]);
        got.Select(e => e.Id).ShouldBe([results[0].Id, results[6].Id, results[7].Id]);
        got.ShouldAllBe(e => e.Sender == alice.Name);
        (await b.Envelopes.StaysQuietAsync(TimeSpan.FromMilliseconds(300))).ShouldBeTrue();

        var c = await carol.ConnectAsync();
        (await c.ReceiveAsync(1)).Single().Id.ShouldBe(results[1].Id);
        (await b.AckAsync([.. got.Select(e => e.Id)])).ShouldBe(3);
        (await a.Receipts.NextAsync()).Ids.ShouldBe([results[0].Id, results[6].Id, results[7].Id]);
    }

    [Fact]
    public async Task Unacknowledged_envelopes_come_again_after_a_reconnect_and_acknowledged_ones_never()
    {
        var server = await Provider.GetAsync();
        await using var alice = await TestUser.CreateAsync(server);
        await using var bob = await TestUser.CreateAsync(server);
        for (var i = 0; i < 10; i++)
        {
            await alice.Api.SendAsync(bob.Name, 2, Payload(i));
        }

        var first = await bob.ConnectAsync();
        var batch = await first.ReceiveAsync(10);
        (await first.AckAsync([.. batch.Take(4).Select(e => e.Id)])).ShouldBe(4);
        (await first.AckAsync([batch[0].Id])).ShouldBe(0); // a repeated ack deletes nothing
        await first.DisposeAsync();

        var second = await bob.ConnectAsync();
        var again = await second.ReceiveAsync(6);
        again.Select(Index).ShouldBe(Enumerable.Range(4, 6));
        (await second.Envelopes.StaysQuietAsync(TimeSpan.FromMilliseconds(500))).ShouldBeTrue();
        (await second.AckAsync([.. again.Select(e => e.Id)])).ShouldBe(6);
        await second.DisposeAsync();

        var third = await bob.ConnectAsync();
        (await third.Envelopes.StaysQuietAsync(TimeSpan.FromMilliseconds(500))).ShouldBeTrue();
        var sent = await alice.Api.SendAsync(bob.Name, 2, Payload(99));
        (await third.Envelopes.NextAsync()).Id.ShouldBe(sent.Id);
    }

    [Fact]
    public async Task Envelopes_sent_while_the_queue_drains_all_arrive_once()
    {
        var server = await Provider.GetAsync();
        await using var alice = await TestUser.CreateAsync(server);
        await using var bob = await TestUser.CreateAsync(server);
        var a = await alice.ConnectAsync();
        for (var i = 0; i < 600; i++)
        {
            await a.SendAsync(bob.Name, 2, Payload(i));
        }

        var sending = Task.Run(async () =>
        {
            for (var i = 600; i < 900; i++)
            {
                await a.SendAsync(bob.Name, 2, Payload(i));
            }
        });
        var b = await bob.ConnectAsync();
        var received = await b.ReceiveAsync(900);
        await sending;
        received.Select(Index).Order().ShouldBe(Enumerable.Range(0, 900));
        received.Take(600).Select(Index).ShouldBe(Enumerable.Range(0, 600)); // the stored queue first, in order
        (await b.Envelopes.StaysQuietAsync(TimeSpan.FromMilliseconds(500))).ShouldBeTrue();
    }

    [Fact]
    public async Task After_every_envelope_is_acknowledged_the_store_holds_none_of_them()
    {
        var server = await Provider.GetAsync();
        await using var alice = await TestUser.CreateAsync(server);
        await using var bob = await TestUser.CreateAsync(server);
        var store = server.Store<IEnvelopeQueue>();
        var a = await alice.ConnectAsync();
        var b = await bob.ConnectAsync();
        for (var i = 0; i < 200; i++)
        {
            await a.SendAsync(bob.Name, 2, Payload(i));
        }

        var received = await b.ReceiveAsync(200);
        foreach (var chunk in received.Chunk(50))
        {
            await b.AckAsync([.. chunk.Select(e => e.Id)]);
        }

        (await store.ReadQueueAsync(bob.Name, 0, 1000, server.Time!.GetUtcNow(), default)).ShouldBeEmpty();
        (await store.QueuedOfAsync(alice.Name, [.. received.Select(e => e.Id)], server.Time!.GetUtcNow(), default)).ShouldBeEmpty();
    }

    [Fact]
    public async Task The_queue_cap_refuses_further_envelopes_until_some_are_acknowledged()
    {
        var server = await Provider.StartAsync(new Dictionary<string, string?> { ["Parley:Messaging:MaxQueuedEnvelopes"] = "5" });
        await using var alice = await TestUser.CreateAsync(server);
        await using var bob = await TestUser.CreateAsync(server);
        for (var i = 0; i < 5; i++)
        {
            await alice.Api.SendAsync(bob.Name, 2, Payload(i));
        }

        var full = await Should.ThrowAsync<MessagingApiException>(() => alice.Api.SendAsync(bob.Name, 2, Payload(5)));
        full.Type.ShouldBe(MessagingProblemTypes.QueueFull);
        var a = await alice.ConnectAsync();
        (await Should.ThrowAsync<MessagingApiException>(() => a.SendAsync(bob.Name, 2, Payload(5)))).Type.ShouldBe(MessagingProblemTypes.QueueFull);
        var queue = await bob.Api.ReadQueueAsync();
        queue.Envelopes.Count.ShouldBe(5);
        (await bob.Api.AckAsync([queue.Envelopes[0].Id])).Deleted.ShouldBe(1);
        await a.SendAsync(bob.Name, 2, Payload(5));
    }

    [Fact]
    public async Task A_client_that_stops_reading_holds_a_bounded_backlog_and_gets_everything_when_it_reads_again()
    {
        var server = await Provider.StartAsync(new Dictionary<string, string?>
        {
            ["Parley:Messaging:SendsPerSecond"] = "0",
            ["Parley:Messaging:MaxConnectionsPerAccount"] = "2",
        });
        await using var alice = await TestUser.CreateAsync(server);
        await using var bob = await TestUser.CreateAsync(server);

        // bob's first socket upgrades and then never reads: no pong, no frame taken off the wire
        using var stalled = new System.Net.WebSockets.ClientWebSocket();
        stalled.Options.SetRequestHeader("Authorization", "Bearer " + bob.Token);
        await stalled.ConnectAsync(new Uri(new Uri(server.BaseAddress.ToString().Replace("http", "ws", StringComparison.Ordinal)), MessagingValues.HubPath), default);
        var connections = server.Services.GetRequiredService<RelayConnections>();
        for (var waited = 0; connections.Of(bob.Name).Length == 0 && waited < 100; waited++)
        {
            await Task.Delay(50); // the node registers the socket just after the client sees it open
        }

        var connection = connections.Of(bob.Name).ShouldHaveSingleItem();

        // 24 MB for him: what the node holds for the stalled socket stays within its bound
        var a = await alice.ConnectAsync();
        var filler = new byte[60_000];
        const int Count = 400;
        for (var i = 0; i < Count; i++)
        {
            await a.SendAsync(bob.Name, 2, [.. Payload(i), .. filler]);
        }

        connection.Backlog.Bytes.ShouldBeLessThanOrEqualTo(1024 * 1024);
        connection.Backlog.Items.ShouldBeGreaterThan(0, "the socket really stalled");

        // a second socket is allowed, a third is refused; the second, reading, gets every envelope in order
        var reader = await bob.ConnectAsync();
        await Should.ThrowAsync<MessagingApiException>(() => bob.ConnectAsync());
        var got = await reader.ReceiveAsync(Count, TimeSpan.FromSeconds(60));
        got.Select(Index).ShouldBe(Enumerable.Range(0, Count));
        got.ShouldAllBe(e => e.Content.Length == 5 + filler.Length);
    }

    [Fact]
    public async Task A_full_batch_that_overflows_the_queue_queues_exactly_what_fits_in_order()
    {
        // 120 envelopes into a queue with room for 77 (cap 80, 3 queued): the first 77 go in, in order, with
        // growing ids; the other 43 are refused as queue-full, as single sends would be.
        var server = await Provider.StartAsync(new Dictionary<string, string?> { ["Parley:Messaging:MaxQueuedEnvelopes"] = "80" });
        await using var alice = await TestUser.CreateAsync(server);
        await using var bob = await TestUser.CreateAsync(server);
        var a = await alice.ConnectAsync();
        for (var i = 0; i < 3; i++)
        {
            await a.SendAsync(bob.Name, 2, Payload(1000 + i));
        }

        var results = await a.SendBatchAsync([.. Enumerable.Range(0, 120).Select(i => new HubOutgoingEnvelope { To = bob.Name, Type = 2, Content = Payload(i) })]);
        results.Take(77).ShouldAllBe(r => r.Problem == null && r.Id > 0);
        results.Take(77).Select(r => r.Id).ShouldBeInOrder(SortDirection.Ascending);
        results.Take(77).Select(r => r.Id).Distinct().Count().ShouldBe(77);
        results.Skip(77).ShouldAllBe(r => r.Id == 0 && r.Problem!.StartsWith(MessagingProblemTypes.QueueFull + ": "));

        var b = await bob.ConnectAsync();
        var got = await b.ReceiveAsync(80);
        got.Select(Index).ShouldBe([1000, 1001, 1002, .. Enumerable.Range(0, 77)]);
        got.Skip(3).Select(e => e.Id).ShouldBe(results.Take(77).Select(r => r.Id));
        (await b.Envelopes.StaysQuietAsync(TimeSpan.FromMilliseconds(300))).ShouldBeTrue();

        // Acknowledging frees the slots again: a second full batch of 40 fits whole.
        (await b.AckAsync([.. got.Select(e => e.Id)])).ShouldBe(80);
        var again = await a.SendBatchAsync([.. Enumerable.Range(0, 40).Select(i => new HubOutgoingEnvelope { To = bob.Name, Type = 2, Content = Payload(500 + i) })]);
        again.ShouldAllBe(r => r.Problem == null);
        (await b.ReceiveAsync(40)).Select(e => e.Id).ShouldBe(again.Select(r => r.Id));
    }

    [Fact]
    public async Task Envelopes_expire_after_their_time_to_live()
    {
        var server = await Provider.GetAsync();
        await using var alice = await TestUser.CreateAsync(server);
        await using var bob = await TestUser.CreateAsync(server);
        var sent = await alice.Api.SendAsync(bob.Name, 2, Payload(1));
        (await server.IsQueuedAsync(sent.Id, alice.Name)).ShouldBeTrue();
        server.Time!.Advance(TimeSpan.FromDays(30));
        await alice.Api.LoginAsync(alice.Name, alice.Keys.Identity);
        await bob.Api.LoginAsync(bob.Name, bob.Keys.Identity);
        (await bob.Api.ReadQueueAsync()).Envelopes.ShouldBeEmpty();
        // Expired is gone for the sender at once, swept or not.
        (await alice.Api.GetStatusAsync(sent.Id)).State.ShouldBe(MessagingValues.StateGone);
        (await alice.Api.QueryQueuedAsync([sent.Id])).Queued.ShouldBeEmpty();
        await server.MessagingSweeper().SweepOnceAsync(); // the timer may have swept already
        (await server.IsQueuedAsync(sent.Id, alice.Name)).ShouldBeFalse();
        await alice.Api.SendAsync(bob.Name, 2, Payload(2));
        (await bob.Api.ReadQueueAsync()).Envelopes.Count.ShouldBe(1);
    }

    [Fact]
    public async Task Rest_clients_can_send_read_and_acknowledge()
    {
        var server = await Provider.GetAsync();
        await using var alice = await TestUser.CreateAsync(server);
        await using var bob = await TestUser.CreateAsync(server);
        var sent = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            sent.Add((await alice.Api.SendAsync(bob.Name.ToUpperInvariant(), 2, Payload(i))).Id);
        }

        var page = await bob.Api.ReadQueueAsync(limit: 3);
        page.More.ShouldBeTrue();
        page.Envelopes.Select(e => e.Id).ShouldBe(sent.Take(3));
        var rest = await bob.Api.ReadQueueAsync(after: page.Envelopes[^1].Id);
        rest.More.ShouldBeFalse();
        rest.Envelopes.Select(e => e.Id).ShouldBe(sent.Skip(3));
        (await bob.Api.AckAsync(sent)).Deleted.ShouldBe(5);
        (await bob.Api.ReadQueueAsync()).Envelopes.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_sender_learns_which_of_its_envelopes_are_still_queued_and_nothing_about_anyone_elses()
    {
        var server = await Provider.GetAsync();
        await using var alice = await TestUser.CreateAsync(server);
        await using var bob = await TestUser.CreateAsync(server);
        await using var carol = await TestUser.CreateAsync(server);
        var mine = new List<long>();
        for (var i = 0; i < 4; i++)
        {
            mine.Add((await alice.Api.SendAsync(bob.Name, 2, Payload(i))).Id);
        }

        var carols = (await carol.Api.SendAsync(bob.Name, 2, Payload(9))).Id;
        var toAlice = (await bob.Api.SendAsync(alice.Name, 2, Payload(8))).Id;
        (await bob.Api.AckAsync([mine[1], mine[2]])).Deleted.ShouldBe(2);

        // Repeated, foreign, unknown and acknowledged ids are all simply absent; the rest come once, ascending.
        var answer = await alice.Api.QueryQueuedAsync([mine[3], mine[0], mine[1], mine[3], carols, toAlice, long.MaxValue]);
        answer.Queued.ShouldBe([mine[0], mine[3]]);
        (await carol.Api.QueryQueuedAsync([.. mine, carols])).Queued.ShouldBe([carols]);
        (await bob.Api.QueryQueuedAsync([.. mine, carols])).Queued.ShouldBeEmpty(); // the recipient is not the sender
        var thousand = await alice.Api.QueryQueuedAsync([.. Enumerable.Range(0, 1000).Select(i => mine[0] + i)]); // the most one call takes
        thousand.Queued.ShouldBe([mine[0], mine[3]]);
    }

    [Fact]
    public async Task Sends_are_rate_limited_per_account()
    {
        var server = await Provider.StartAsync(new Dictionary<string, string?> { ["Parley:Messaging:SendsPerSecond"] = "3" });
        await using var alice = await TestUser.CreateAsync(server);
        await using var bob = await TestUser.CreateAsync(server);
        var a = await alice.ConnectAsync();
        for (var i = 0; i < 3; i++)
        {
            await a.SendAsync(bob.Name, 2, Payload(i));
        }

        (await Should.ThrowAsync<MessagingApiException>(() => a.SendAsync(bob.Name, 2, Payload(3)))).Type.ShouldBe(ProblemTypes.RateLimited);
        (await Should.ThrowAsync<MessagingApiException>(() => alice.Api.SendAsync(bob.Name, 2, Payload(3)))).Status.ShouldBe(429);
        server.Time!.Advance(TimeSpan.FromSeconds(1));
        await a.SendAsync(bob.Name, 2, Payload(3));
        (await bob.Api.ReadQueueAsync()).Envelopes.Count.ShouldBe(4);
    }
}

public sealed class MemoryRelay(MemoryMessaging p) : RelayContract(p), IClassFixture<MemoryMessaging>;

public sealed class SqliteRelay(SqliteMessaging p) : RelayContract(p), IClassFixture<SqliteMessaging>;

public sealed class PostgresRelay(PostgresMessaging p) : RelayContract(p), IClassFixture<PostgresMessaging>;
