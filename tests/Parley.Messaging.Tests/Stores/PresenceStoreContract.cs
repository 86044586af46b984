using Parley.Server.Features.Messaging;
using static Parley.Messaging.Tests.Stores.StoreData;

namespace Parley.Messaging.Tests.Stores;

/// <summary><see cref="IPresenceStore"/> on every provider: consent per pair, a withdrawal outlasting later sends.</summary>
public abstract class PresenceStoreContract(MessagingStoreProvider provider)
{
    private IPresenceStore Presence => provider.Get<IPresenceStore>();

    private IAccountStore Accounts => provider.Get<IAccountStore>();

    [Fact]
    public async Task A_send_allows_only_a_new_pair_and_a_withdrawal_outlasts_later_sends()
    {
        var alice = await RegisterAsync(Accounts, "a");
        var bob = await RegisterAsync(Accounts, "b");
        var carol = await RegisterAsync(Accounts, "c");

        (await Presence.SetPresenceGrantAsync(alice, bob, PresenceGrant.Sent, default)).ShouldBeTrue();
        (await Presence.SetPresenceGrantAsync(alice, bob, PresenceGrant.Sent, default)).ShouldBeFalse();
        (await Presence.SetPresenceGrantAsync(alice, carol, PresenceGrant.Allowed, default)).ShouldBeTrue();
        (await Presence.PresenceViewersAsync(alice, default)).ShouldBe(new[] { bob, carol }.Order(StringComparer.Ordinal));
        (await Presence.PresenceSubjectsAsync(bob, default)).ShouldBe([alice]);

        (await Presence.SetPresenceGrantAsync(alice, bob, PresenceGrant.Withdrawn, default)).ShouldBeTrue();
        (await Presence.SetPresenceGrantAsync(alice, bob, PresenceGrant.Sent, default)).ShouldBeFalse();
        (await Presence.PresenceViewersAsync(alice, default)).ShouldBe([carol]);
        (await Presence.PresenceSubjectsAsync(bob, default)).ShouldBeEmpty();

        (await Presence.SetPresenceGrantAsync(alice, bob, PresenceGrant.Allowed, default)).ShouldBeTrue();
        (await Presence.PresenceSubjectsAsync(bob, default)).ShouldBe([alice]);
    }

    [Fact]
    public async Task No_grant_is_recorded_for_an_unknown_account()
    {
        var alice = await RegisterAsync(Accounts, "a");
        var nobody = Name("nobody");
        (await Presence.SetPresenceGrantAsync(alice, nobody, PresenceGrant.Allowed, default)).ShouldBeFalse();
        (await Presence.SetPresenceGrantAsync(nobody, alice, PresenceGrant.Sent, default)).ShouldBeFalse();
        (await Presence.PresenceViewersAsync(alice, default)).ShouldBeEmpty();
        (await Presence.PresenceSubjectsAsync(alice, default)).ShouldBeEmpty();
    }
}

public sealed class MemoryPresenceStore(MemoryStores p) : PresenceStoreContract(p), IClassFixture<MemoryStores>;

public sealed class SqlitePresenceStore(SqliteStores p) : PresenceStoreContract(p), IClassFixture<SqliteStores>;

public sealed class PostgresPresenceStore(PostgresStores p) : PresenceStoreContract(p), IClassFixture<PostgresStores>;
