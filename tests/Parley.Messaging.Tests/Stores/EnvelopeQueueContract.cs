using Parley.Server.Features.Messaging;
using static Parley.Messaging.Tests.Stores.StoreData;

namespace Parley.Messaging.Tests.Stores;

/// <summary><see cref="IEnvelopeQueue"/> on every provider: the cap, queue order, acknowledgement, expiry.</summary>
public abstract class EnvelopeQueueContract(MessagingStoreProvider provider)
{
    private IEnvelopeQueue Queue => provider.Get<IEnvelopeQueue>();

    private IAccountStore Accounts => provider.Get<IAccountStore>();

    [Fact]
    public async Task Envelopes_queue_in_order_up_to_the_cap_and_an_ack_frees_their_places()
    {
        var bob = await RegisterAsync(Accounts, "bob");
        var alice = await RegisterAsync(Accounts, "alice");
        (await Queue.EnqueueAsync(Envelope(Name("nobody"), alice, 0), 3, default)).Status.ShouldBe(EnqueueStatus.UnknownRecipient);
        var ids = new List<long>();
        for (byte i = 1; i <= 3; i++)
        {
            var r = await Queue.EnqueueAsync(Envelope(bob, alice, i), 3, default);
            r.Status.ShouldBe(EnqueueStatus.Queued);
            ids.Add(r.Id);
        }

        ids.ShouldBeInOrder(SortDirection.Ascending);
        (await Queue.EnqueueAsync(Envelope(bob, alice, 4), 3, default)).Status.ShouldBe(EnqueueStatus.QueueFull);

        var all = await Queue.ReadQueueAsync(bob, 0, 10, T0, default);
        all.Select(e => (e.Id, e.Sender, e.Recipient, e.Content[0], e.ServerTimestamp)).ShouldBe(ids.Select((id, i) => (id, alice, bob, (byte)(i + 1), T0)));
        (await Queue.ReadQueueAsync(bob, ids[0], 1, T0, default)).Single().Id.ShouldBe(ids[1]);

        (await Queue.AckAsync(bob, [ids[1], ids[0], ids[0]], default))
            .ShouldBe([new AckedEnvelope(ids[0], alice), new AckedEnvelope(ids[1], alice)], ignoreOrder: true); // each once, in no promised order
        (await Queue.AckAsync(bob, [ids[0]], default)).ShouldBeEmpty();
        (await Queue.AckAsync(alice, [ids[2]], default)).ShouldBeEmpty(); // not hers
        (await Queue.EnqueueAsync(Envelope(bob, alice, 5), 3, default)).Status.ShouldBe(EnqueueStatus.Queued);
    }

    [Fact]
    public async Task A_batch_over_the_cap_queues_exactly_what_fits_in_order()
    {
        var bob = await RegisterAsync(Accounts, "bob");
        var alice = await RegisterAsync(Accounts, "alice");
        var results = await Queue.EnqueueManyAsync([.. Enumerable.Range(1, 40).Select(i => Envelope(bob, alice, (byte)i))], 37, default);
        results.Take(37).ShouldAllBe(r => r.Status == EnqueueStatus.Queued);
        results.Skip(37).ShouldAllBe(r => r.Status == EnqueueStatus.QueueFull);
        results.Take(37).Select(r => r.Id).ShouldBeInOrder(SortDirection.Ascending);
        (await Queue.ReadQueueAsync(bob, 0, 100, T0, default)).Select(e => (int)e.Content[0]).ShouldBe(Enumerable.Range(1, 37));
    }

    [Fact]
    public async Task Queued_of_names_each_waiting_envelope_of_its_sender_once()
    {
        var bob = await RegisterAsync(Accounts, "bob");
        var alice = await RegisterAsync(Accounts, "alice");
        var carol = await RegisterAsync(Accounts, "carol");
        var fromAlice = (await Queue.EnqueueAsync(Envelope(bob, alice, 1), 10, default)).Id;
        var fromCarol = (await Queue.EnqueueAsync(Envelope(bob, carol, 2), 10, default)).Id;
        var expiring = (await Queue.EnqueueAsync(Envelope(bob, alice, 3, T0.AddMinutes(1)), 10, default)).Id;

        (await Queue.QueuedOfAsync(alice, [expiring, fromCarol, fromAlice, fromAlice], T0, default)).ShouldBe([fromAlice, expiring]);
        (await Queue.QueuedOfAsync(alice, [expiring, fromAlice], T0.AddMinutes(1), default)).ShouldBe([fromAlice]);
        (await Queue.ReadQueueAsync(bob, 0, 10, T0.AddMinutes(1), default)).Select(e => e.Id).ShouldBe([fromAlice, fromCarol]);
    }

    [Fact]
    public async Task A_sweep_deletes_expired_envelopes_and_frees_their_places()
    {
        var bob = await RegisterAsync(Accounts, "bob");
        var alice = await RegisterAsync(Accounts, "alice");
        var at = T0.AddYears(5); // later than every other test's envelopes
        await Queue.SweepEnvelopesAsync(at.AddSeconds(-1), default);
        (await Queue.EnqueueAsync(Envelope(bob, alice, 1, at), 2, default)).Status.ShouldBe(EnqueueStatus.Queued);
        (await Queue.EnqueueAsync(Envelope(bob, alice, 2, at.AddDays(1)), 2, default)).Status.ShouldBe(EnqueueStatus.Queued);
        var before = await Queue.CountEnvelopesAsync(default);

        (await Queue.SweepEnvelopesAsync(at, default)).ShouldBe(1);
        (await Queue.CountEnvelopesAsync(default)).ShouldBe(before - 1);
        (await Queue.EnqueueAsync(Envelope(bob, alice, 3, at.AddDays(1)), 2, default)).Status.ShouldBe(EnqueueStatus.Queued);
        (await Queue.ReadQueueAsync(bob, 0, 10, at, default)).Select(e => (int)e.Content[0]).ShouldBe([2, 3]);
    }
}

public sealed class MemoryEnvelopeQueue(MemoryStores p) : EnvelopeQueueContract(p), IClassFixture<MemoryStores>;

public sealed class SqliteEnvelopeQueue(SqliteStores p) : EnvelopeQueueContract(p), IClassFixture<SqliteStores>;

public sealed class PostgresEnvelopeQueue(PostgresStores p) : EnvelopeQueueContract(p), IClassFixture<PostgresStores>;
