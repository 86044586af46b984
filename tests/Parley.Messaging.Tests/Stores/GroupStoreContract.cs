using Parley.Server.Features.Messaging;
using static Parley.Messaging.Tests.Stores.StoreData;

namespace Parley.Messaging.Tests.Stores;

/// <summary><see cref="IGroupStore"/> on every provider: group transactions commit whole or not at all.</summary>
public abstract class GroupStoreContract(MessagingStoreProvider provider)
{
    private IGroupStore Groups => provider.Get<IGroupStore>();

    private IAccountStore Accounts => provider.Get<IAccountStore>();

    [Fact]
    public async Task A_group_keeps_its_members_by_role_longest_standing_first_and_its_invitees_apart()
    {
        var alice = await RegisterAsync(Accounts, "a");
        var bob = await RegisterAsync(Accounts, "b");
        var carol = await RegisterAsync(Accounts, "c");
        var id = Guid.NewGuid().ToByteArray();
        await Groups.InGroupTransactionAsync(async tx =>
        {
            (await tx.LockGroupAsync(id)).ShouldBeNull();
            (await tx.AccountExistsAsync(bob)).ShouldBeTrue();
            (await tx.AccountExistsAsync(Name("nobody"))).ShouldBeFalse();
            await tx.CreateGroupAsync(id, "team", T0);
            await tx.AddMemberAsync(id, alice, GroupRole.Admin, T0);
            await tx.AddMemberAsync(id, bob, GroupRole.Member, T0.AddSeconds(1));
            await tx.AddMemberAsync(id, carol, GroupRole.Invited, T0.AddSeconds(2));
            return 0;
        }, default);

        var group = (await Groups.GroupsOfAsync(carol, default)).Single();
        (group.Name, group.CreatedAt).ShouldBe(("team", T0));
        group.Id.ShouldBe(id);
        group.Members.Select(m => (m.Username, m.Role, m.Since)).ShouldBe([(alice, GroupRole.Admin, T0), (bob, GroupRole.Member, T0.AddSeconds(1))]);
        group.Invitees.Select(m => m.Username).ShouldBe([carol]);

        await Groups.InGroupTransactionAsync(async tx =>
        {
            (await tx.LockGroupAsync(id)).ShouldNotBeNull().Size.ShouldBe(3);
            await tx.AddMemberAsync(id, carol, GroupRole.Member, T0.AddSeconds(3)); // accepts
            await tx.SetAdminAsync(id, bob, true);
            await tx.RemoveMemberAsync(id, alice);
            return 0;
        }, default);
        group = (await Groups.GroupsOfAsync(bob, default)).Single();
        group.Members.Select(m => (m.Username, m.Role)).ShouldBe([(bob, GroupRole.Admin), (carol, GroupRole.Member)]);
        (await Groups.GroupsOfAsync(alice, default)).ShouldBeEmpty();

        await Groups.InGroupTransactionAsync(async tx =>
        {
            await tx.DeleteGroupAsync(id);
            return 0;
        }, default);
        (await Groups.GroupsOfAsync(bob, default)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Work_that_throws_leaves_no_trace_and_server_events_ignore_the_queue_cap()
    {
        var alice = await RegisterAsync(Accounts, "a");
        var bob = await RegisterAsync(Accounts, "b");
        var id = Guid.NewGuid().ToByteArray();
        await Should.ThrowAsync<InvalidOperationException>(async () => await Groups.InGroupTransactionAsync<int>(async tx =>
        {
            await tx.CreateGroupAsync(id, "doomed", T0);
            await tx.AddMemberAsync(id, alice, GroupRole.Admin, T0);
            (await tx.EnqueueAsync(Envelope(bob, alice, 1), null)).Status.ShouldBe(EnqueueStatus.Queued);
            throw new InvalidOperationException("undo");
        }, default));
        (await Groups.GroupsOfAsync(alice, default)).ShouldBeEmpty();
        var queue = provider.Get<IEnvelopeQueue>();
        (await queue.ReadQueueAsync(bob, 0, 10, T0, default)).ShouldBeEmpty();

        (await queue.EnqueueAsync(Envelope(bob, alice, 1), 1, default)).Status.ShouldBe(EnqueueStatus.Queued);
        var events = await Groups.InGroupTransactionAsync(async tx =>
            (await tx.EnqueueAsync(Envelope(bob, alice, 2), null), await tx.EnqueueAsync(Envelope(bob, alice, 3), 1)), default);
        (events.Item1.Status, events.Item2.Status).ShouldBe((EnqueueStatus.Queued, EnqueueStatus.QueueFull));
        (await queue.ReadQueueAsync(bob, 0, 10, T0, default)).Select(e => (int)e.Content[0]).ShouldBe([1, 2]);
    }
}

public sealed class MemoryGroupStore(MemoryStores p) : GroupStoreContract(p), IClassFixture<MemoryStores>;

public sealed class SqliteGroupStore(SqliteStores p) : GroupStoreContract(p), IClassFixture<SqliteStores>;

public sealed class PostgresGroupStore(PostgresStores p) : GroupStoreContract(p), IClassFixture<PostgresStores>;
