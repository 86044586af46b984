using Parley.Server.Features.Messaging;
using static Parley.Messaging.Tests.Stores.StoreData;

namespace Parley.Messaging.Tests.Stores;

/// <summary><see cref="IAccountStore"/> on every provider: accounts, login challenges and tokens.</summary>
public abstract class AccountStoreContract(MessagingStoreProvider provider)
{
    private IAccountStore Accounts => provider.Get<IAccountStore>();

    [Fact]
    public async Task A_registered_account_is_found_and_its_name_cannot_be_taken_again()
    {
        (await Accounts.PingAsync(default)).ShouldBeTrue();
        var name = await RegisterAsync(Accounts, "acc");
        var found = (await Accounts.FindAccountAsync(name, default)).ShouldNotBeNull();
        (found.Username, found.RegistrationId, found.CreatedAt).ShouldBe((name, 42u, T0));
        found.IdentityKey.ShouldBe([1, 2, 3]);
        (await Accounts.RegisterAsync(Account(name), default)).ShouldBe(RegisterStatus.UsernameTaken);
        (await Accounts.FindAccountAsync(Name("nobody"), default)).ShouldBeNull();
    }

    [Fact]
    public async Task An_invite_is_used_once_and_a_refused_registration_creates_nothing()
    {
        var invite = Guid.NewGuid().ToByteArray();
        var first = Name("inv");
        var second = Name("inv");
        (await Accounts.RegisterAsync(Account(first, invite: invite), default)).ShouldBe(RegisterStatus.Registered);
        (await Accounts.RegisterAsync(Account(second, invite: invite), default)).ShouldBe(RegisterStatus.InviteUsed);
        (await Accounts.FindAccountAsync(second, default)).ShouldBeNull();
    }

    [Fact]
    public async Task A_challenge_is_taken_once_and_only_by_its_account()
    {
        var name = await RegisterAsync(Accounts, "chal");
        var other = await RegisterAsync(Accounts, "chal");
        byte[] nonce = [.. Guid.NewGuid().ToByteArray()];
        await Accounts.StoreChallengeAsync(name, nonce, T0.AddMinutes(2), default);
        (await Accounts.TakeChallengeAsync(other, nonce, default)).ShouldBeNull();
        (await Accounts.TakeChallengeAsync(name, nonce, default)).ShouldBe(T0.AddMinutes(2));
        (await Accounts.TakeChallengeAsync(name, nonce, default)).ShouldBeNull();
    }

    [Fact]
    public async Task Only_the_newest_challenges_of_an_account_are_kept()
    {
        var name = await RegisterAsync(Accounts, "flood");
        var nonces = Enumerable.Range(0, MessagingStoreLimits.PendingChallenges + 3).Select(_ => Guid.NewGuid().ToByteArray()).ToList();
        for (var i = 0; i < nonces.Count; i++)
        {
            await Accounts.StoreChallengeAsync(name, nonces[i], T0.AddSeconds(i + 1), default);
        }

        var kept = new List<int>();
        for (var i = 0; i < nonces.Count; i++)
        {
            if (await Accounts.TakeChallengeAsync(name, nonces[i], default) is not null)
            {
                kept.Add(i);
            }
        }

        kept.ShouldBe(Enumerable.Range(3, MessagingStoreLimits.PendingChallenges));
    }

    [Fact]
    public async Task A_token_is_found_until_it_expires_or_is_deleted()
    {
        var name = await RegisterAsync(Accounts, "tok");
        byte[] token = [.. Guid.NewGuid().ToByteArray()];
        await Accounts.StoreTokenAsync(token, name, T0.AddHours(1), default);
        (await Accounts.FindTokenAsync(token, T0, default)).ShouldBe(new StoredToken(name, T0.AddHours(1)));
        (await Accounts.FindTokenAsync(token, T0.AddHours(1), default)).ShouldBeNull();
        (await Accounts.DeleteTokenAsync(token, default)).ShouldBeTrue();
        (await Accounts.DeleteTokenAsync(token, default)).ShouldBeFalse();
        (await Accounts.FindTokenAsync(token, T0, default)).ShouldBeNull();
    }

    [Fact]
    public async Task A_sweep_deletes_the_expired_challenges_and_tokens_and_nothing_else()
    {
        var name = await RegisterAsync(Accounts, "sweep");
        byte[] oldNonce = [.. Guid.NewGuid().ToByteArray()], newNonce = [.. Guid.NewGuid().ToByteArray()];
        byte[] oldToken = [.. Guid.NewGuid().ToByteArray()], newToken = [.. Guid.NewGuid().ToByteArray()];
        var at = T0.AddYears(5); // later than every other test's rows, so this sweep counts only its own
        await Accounts.SweepLoginsAsync(at.AddSeconds(-1), default);
        await Accounts.StoreChallengeAsync(name, oldNonce, at, default);
        await Accounts.StoreChallengeAsync(name, newNonce, at.AddSeconds(1), default);
        await Accounts.StoreTokenAsync(oldToken, name, at, default);
        await Accounts.StoreTokenAsync(newToken, name, at.AddSeconds(1), default);

        (await Accounts.SweepLoginsAsync(at, default)).ShouldBe(new LoginSweep(1, 1));
        (await Accounts.TakeChallengeAsync(name, oldNonce, default)).ShouldBeNull();
        (await Accounts.TakeChallengeAsync(name, newNonce, default)).ShouldNotBeNull();
        (await Accounts.FindTokenAsync(newToken, at, default)).ShouldNotBeNull();
    }

    [Fact]
    public async Task Deleting_an_account_takes_its_keys_tokens_and_queue_with_it()
    {
        var name = await RegisterAsync(Accounts, "del", preKeys: 2);
        var sender = await RegisterAsync(Accounts, "del");
        byte[] token = [.. Guid.NewGuid().ToByteArray()];
        await Accounts.StoreTokenAsync(token, name, T0.AddHours(1), default);
        var queue = provider.Get<IEnvelopeQueue>();
        (await queue.EnqueueAsync(Envelope(name, sender, 1), 10, default)).Status.ShouldBe(EnqueueStatus.Queued);

        (await Accounts.DeleteAccountAsync(name, default)).ShouldBeTrue();
        (await Accounts.DeleteAccountAsync(name, default)).ShouldBeFalse();
        (await Accounts.FindAccountAsync(name, default)).ShouldBeNull();
        (await Accounts.FindTokenAsync(token, T0, default)).ShouldBeNull();
        (await provider.Get<IPreKeyStore>().CountPreKeysAsync(name, default)).ShouldBe(new PreKeyCounts(0, 0));
        (await queue.ReadQueueAsync(name, 0, 10, T0, default)).ShouldBeEmpty();
    }
}

public sealed class MemoryAccountStore(MemoryStores p) : AccountStoreContract(p), IClassFixture<MemoryStores>;

public sealed class SqliteAccountStore(SqliteStores p) : AccountStoreContract(p), IClassFixture<SqliteStores>;

public sealed class PostgresAccountStore(PostgresStores p) : AccountStoreContract(p), IClassFixture<PostgresStores>;
