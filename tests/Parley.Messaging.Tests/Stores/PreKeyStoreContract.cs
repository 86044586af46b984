using Parley.Server.Features.Messaging;
using static Parley.Messaging.Tests.Stores.StoreData;

namespace Parley.Messaging.Tests.Stores;

/// <summary><see cref="IPreKeyStore"/> on every provider: uploads under the cap, bundles consuming the oldest one-time keys.</summary>
public abstract class PreKeyStoreContract(MessagingStoreProvider provider)
{
    private IPreKeyStore PreKeys => provider.Get<IPreKeyStore>();

    private IAccountStore Accounts => provider.Get<IAccountStore>();

    [Fact]
    public async Task A_bundle_consumes_the_oldest_one_time_keys_then_falls_back_to_the_last_resort_key()
    {
        var name = await RegisterAsync(Accounts, "bundle", preKeys: 2, kyberPreKeys: 1);
        (await PreKeys.CountPreKeysAsync(name, default)).ShouldBe(new PreKeyCounts(2, 1));

        var first = (await PreKeys.TakeBundleAsync(name, default)).ShouldNotBeNull();
        (first.Account.Username, first.PreKey?.Id, first.KyberPreKey.Id, first.KyberIsLastResort, first.SignedPreKey.Id).ShouldBe((name, 1u, 101u, false, 1000u));
        first.KyberPreKey.Signature.ShouldBe(Key(101, signed: true).Signature);

        var second = (await PreKeys.TakeBundleAsync(name, default)).ShouldNotBeNull();
        (second.PreKey?.Id, second.KyberPreKey.Id, second.KyberIsLastResort).ShouldBe((2u, 2000u, true));

        var third = (await PreKeys.TakeBundleAsync(name, default)).ShouldNotBeNull();
        (third.PreKey, third.KyberPreKey.Id, third.KyberIsLastResort).ShouldBe((null, 2000u, true));
        (await PreKeys.CountPreKeysAsync(name, default)).ShouldBe(new PreKeyCounts(0, 0));
        (await PreKeys.TakeBundleAsync(Name("nobody"), default)).ShouldBeNull();
    }

    [Fact]
    public async Task An_upload_is_refused_whole_when_over_the_cap_or_repeating_a_stored_id()
    {
        var name = await RegisterAsync(Accounts, "upload", preKeys: 2);
        (await PreKeys.AddPreKeysAsync(Name("nobody"), new PreKeyUpload(null, null, [Key(50)], []), 10, default)).ShouldBe(UploadStatus.UnknownAccount);
        (await PreKeys.AddPreKeysAsync(name, new PreKeyUpload(null, null, [Key(3), Key(4)], []), 3, default)).ShouldBe(UploadStatus.TooMany);
        (await PreKeys.AddPreKeysAsync(name, new PreKeyUpload(null, null, [Key(3), Key(2)], []), 10, default)).ShouldBe(UploadStatus.Conflict);
        (await PreKeys.CountPreKeysAsync(name, default)).ShouldBe(new PreKeyCounts(2, 0));

        (await PreKeys.AddPreKeysAsync(name, new PreKeyUpload(Key(1001, signed: true), null, [Key(3)], [Key(103, signed: true)]), 3, default))
            .ShouldBe(UploadStatus.Stored);
        (await PreKeys.CountPreKeysAsync(name, default)).ShouldBe(new PreKeyCounts(3, 1));
        (await PreKeys.TakeBundleAsync(name, default))!.SignedPreKey.Id.ShouldBe(1001u);
    }
}

public sealed class MemoryPreKeyStore(MemoryStores p) : PreKeyStoreContract(p), IClassFixture<MemoryStores>;

public sealed class SqlitePreKeyStore(SqliteStores p) : PreKeyStoreContract(p), IClassFixture<SqliteStores>;

public sealed class PostgresPreKeyStore(PostgresStores p) : PreKeyStoreContract(p), IClassFixture<PostgresStores>;
