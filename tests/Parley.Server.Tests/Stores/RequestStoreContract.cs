using System.Security.Cryptography;
using Parley.Server.Features.Requests;
using Parley.Server.Features.Secrets;

namespace Parley.Server.Tests.Stores;

/// <summary>
/// <see cref="IRequestStore"/> on every provider, below the API: the SQL liveness predicate agrees with
/// <see cref="RequestRecord.IsLive"/>, and when several refusals of an answer hold at once every provider
/// gives the one <see cref="RequestRecord.AnswerRefusalAt"/> ranks first.
/// </summary>
public abstract class RequestStoreContract(ProviderStores provider)
{
    private static readonly DateTimeOffset T0 = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Expiry = T0.AddHours(1);

    private IRequestStore Store => provider.Requests;

    private static CancellationToken None => CancellationToken.None;

    private async Task<SecretId> CreateAsync()
    {
        var id = SecretId.New();
        await Store.CreateAsync(new NewRequest(id, RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(32), "label", T0, Expiry), None);
        return id;
    }

    private static RequestAnswer Answer(DateTimeOffset at) => new(SecretId.New(), RandomNumberGenerator.GetBytes(32), at);

    private Task<AnswerRefusal?> AnswerAsync(SecretId id, SecretId? expected, DateTimeOffset at) =>
        Store.TryAnswerAsync(id, expected, Answer(at), at, None).AsTask();

    private async Task<RequestRecord> RecordAsync(SecretId id) => (await Store.FindAsync(id, None)).ShouldNotBeNull();

    public static TheoryData<string, int, bool, bool> LivenessCases => new()
    {
        // name, minutes after T0 to ask at, destroyed first, live
        { "fresh", 0, false, true },
        { "a minute before expiry", 59, false, true },
        { "at expiry", 60, false, false },
        { "past expiry", 600, false, false },
        { "destroyed", 1, true, false },
    };

    [Theory]
    [MemberData(nameof(LivenessCases))]
    public async Task The_stores_liveness_predicate_agrees_with_the_records_rule(string name, int minutes, bool destroyed, bool live)
    {
        var id = await CreateAsync();
        if (destroyed)
        {
            (await Store.DestroyAsync(id, T0, None)).ShouldBeTrue();
        }

        var at = T0.AddMinutes(minutes);
        (await RecordAsync(id)).IsLiveAt(at).ShouldBe(live, $"the rule itself ({name})");
        // An answer that saw the current answer, and a destruction: writes whose only other condition is liveness.
        ((await AnswerAsync(id, null, at)) is null).ShouldBe(live, "TryAnswerAsync");
        (await Store.DestroyAsync(id, at, None)).ShouldBe(live, "DestroyAsync");
    }

    [Fact]
    public async Task An_unknown_request_is_not_found() =>
        (await AnswerAsync(SecretId.New(), null, T0)).ShouldBe(AnswerRefusal.NotFound);

    [Fact]
    public async Task A_stale_answer_is_already_answered_and_the_current_one_can_be_replaced()
    {
        var id = await CreateAsync();
        (await AnswerAsync(id, null, T0)).ShouldBeNull();
        var current = (await RecordAsync(id)).Answer!.SecretId;
        (await AnswerAsync(id, null, T0)).ShouldBe(AnswerRefusal.AlreadyAnswered);
        (await AnswerAsync(id, current, T0)).ShouldBeNull();
    }

    [Fact]
    public async Task Destroyed_outranks_expired()
    {
        var id = await CreateAsync();
        (await Store.DestroyAsync(id, T0, None)).ShouldBeTrue();
        (await AnswerAsync(id, null, Expiry.AddDays(1))).ShouldBe(AnswerRefusal.Destroyed);
    }

    [Fact]
    public async Task Destroyed_outranks_an_answer_other_than_the_one_seen()
    {
        var id = await CreateAsync();
        (await AnswerAsync(id, null, T0)).ShouldBeNull();
        (await Store.DestroyAsync(id, T0, None)).ShouldBeTrue();
        (await AnswerAsync(id, null, T0)).ShouldBe(AnswerRefusal.Destroyed);
    }

    [Fact]
    public async Task Expired_outranks_an_answer_other_than_the_one_seen()
    {
        var id = await CreateAsync();
        (await AnswerAsync(id, null, T0)).ShouldBeNull();
        (await AnswerAsync(id, null, Expiry)).ShouldBe(AnswerRefusal.Expired);
        (await RecordAsync(id)).Answer.ShouldNotBeNull().AnsweredAt.ShouldBe(T0);
    }
}

public sealed class MemoryRequestStoreTests(MemoryStores p) : RequestStoreContract(p), IClassFixture<MemoryStores>;

public sealed class SqliteRequestStoreTests(SqliteStores p) : RequestStoreContract(p), IClassFixture<SqliteStores>;

public sealed class PostgresRequestStoreTests(PostgresStores p) : RequestStoreContract(p), IClassFixture<PostgresStores>;
