using System.Security.Cryptography;
using Parley.Server.Features.Secrets;

namespace Parley.Server.Tests.Stores;

/// <summary>
/// <see cref="ISecretStore"/> on every provider, below the API: the stores' SQL liveness predicates agree
/// with <see cref="SecretRecord.IsLive"/>, and when several refusals hold at once every provider gives the
/// one <see cref="SecretRecord.ClaimRefusalAt"/> and <see cref="SecretRecord.AppendRefusal"/> rank first.
/// </summary>
public abstract class SecretStoreContract(ProviderStores provider)
{
    private static readonly DateTimeOffset T0 = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Life = TimeSpan.FromHours(1);
    private static readonly DateTimeOffset Expiry = T0 + Life;
    private static readonly DownloadGrant Grant = new(RandomNumberGenerator.GetBytes(32), T0 + TimeSpan.FromDays(1));

    private ISecretStore Store => provider.Secrets;

    private static CancellationToken None => CancellationToken.None;

    /// <summary>A stored secret and what opens it.</summary>
    private sealed record Stored(SecretId Id, byte[] Access, byte[]? Passphrase);

    private async Task<Stored> CreateAsync(int maxViews = 1, long? streamBytes = null, bool passphrase = false, int maxPassphraseAttempts = 3)
    {
        var access = RandomNumberGenerator.GetBytes(32);
        var pp = passphrase ? RandomNumberGenerator.GetBytes(32) : null;
        var id = SecretId.New();
        await Store.CreateAsync(new SecretToStore(id, RandomNumberGenerator.GetBytes(32), access,
            pp is null ? null : new PassphraseRecord(RandomNumberGenerator.GetBytes(16), 600_000, pp),
            RandomNumberGenerator.GetBytes(40), streamBytes, T0, Expiry, maxViews, maxPassphraseAttempts), None);
        return new Stored(id, access, pp);
    }

    private async Task<SecretRecord> RecordAsync(Stored s) => (await Store.FindAsync(s.Id, None)).ShouldNotBeNull();

    private Task<ClaimOutcome> ClaimAsync(Stored s, DateTimeOffset at, byte[]? access = null, byte[]? passphrase = null) =>
        Store.TryClaimAsync(s.Id, access ?? s.Access, passphrase ?? s.Passphrase, at, Grant, None).AsTask();

    private static byte[] Wrong() => RandomNumberGenerator.GetBytes(32);

    private Task<AppendResult> AppendAsync(Stored s, long offset, byte[] bytes) =>
        Store.AppendStreamAsync(s.Id, offset, bytes.Length, new MemoryStream(bytes), None).AsTask();

    // ---- One liveness rule -------------------------------------------------------------------------

    /// <summary>How to bring a fresh secret into a state, and the time to ask at.</summary>
    private static readonly Dictionary<string, (Func<SecretStoreContract, Task<Stored>> Setup, DateTimeOffset At, bool Live)> LivenessCases = new()
    {
        ["fresh"] = (c => c.CreateAsync(), T0, true),
        ["a millisecond before expiry"] = (c => c.CreateAsync(), Expiry.AddMilliseconds(-1), true),
        ["at expiry"] = (c => c.CreateAsync(), Expiry, false),
        ["past expiry"] = (c => c.CreateAsync(), Expiry.AddDays(1), false),
        ["destroyed"] = (async c =>
        {
            var s = await c.CreateAsync();
            (await c.Store.DestroyAsync(s.Id, T0, None)).ShouldBeTrue();
            return s;
        }, T0.AddMinutes(1), false),
        ["burned"] = (async c =>
        {
            var s = await c.CreateAsync(passphrase: true, maxPassphraseAttempts: 1);
            (await c.Store.RecordWrongPassphraseAsync(s.Id, s.Access, T0, None)).ShouldNotBeNull().BurnedAt.ShouldNotBeNull();
            return s;
        }, T0.AddMinutes(1), false),
        ["every view used"] = (async c =>
        {
            var s = await c.CreateAsync(maxViews: 2);
            (await c.ClaimAsync(s, T0)).View.ShouldNotBeNull();
            (await c.ClaimAsync(s, T0)).View.ShouldNotBeNull();
            return s;
        }, T0.AddMinutes(1), false),
        ["one of two views used"] = (async c =>
        {
            var s = await c.CreateAsync(maxViews: 2);
            (await c.ClaimAsync(s, T0)).View.ShouldNotBeNull();
            return s;
        }, T0.AddMinutes(1), true),
        ["uploading"] = (c => c.CreateAsync(streamBytes: 10), T0, true),
        ["uploading past expiry"] = (c => c.CreateAsync(streamBytes: 10), Expiry, false),
    };

    public static TheoryData<string> LivenessCaseNames => [.. LivenessCases.Keys];

    [Theory]
    [MemberData(nameof(LivenessCaseNames))]
    public async Task The_stores_liveness_predicate_agrees_with_the_records_rule(string name)
    {
        var (setup, at, live) = LivenessCases[name];
        var s = await setup(this);
        var before = await RecordAsync(s);
        before.IsLiveAt(at).ShouldBe(live, "the rule itself");

        // Counting a wrong access key is the store's bare liveness predicate (SQL "Live" on SQLite and PostgreSQL).
        await Store.RecordWrongAccessAsync(s.Id, at, None);
        (await RecordAsync(s)).FailedAttempts.ShouldBe(before.FailedAttempts + (live ? 1 : 0), "RecordWrongAccessAsync");
        (await Store.DestroyAsync(s.Id, at, None)).ShouldBe(live, "DestroyAsync");
    }

    // ---- Which refusal of an open wins ---------------------------------------------------------------

    [Fact]
    public async Task An_unknown_id_is_not_found()
    {
        var outcome = await Store.TryClaimAsync(SecretId.New(), Wrong(), null, T0, Grant, None);
        outcome.ShouldBe(new ClaimOutcome(null, OpenRefusal.NotFound, null));
    }

    [Fact]
    public async Task A_wrong_key_to_an_ended_secret_is_not_found_and_not_counted()
    {
        var s = await CreateAsync();
        var outcome = await ClaimAsync(s, Expiry, access: Wrong());
        outcome.Refusal.ShouldBe(OpenRefusal.NotFound);
        await Store.RecordWrongAccessAsync(s.Id, Expiry, None);
        (await RecordAsync(s)).FailedAttempts.ShouldBe(0);
    }

    [Fact]
    public async Task A_wrong_key_to_a_destroyed_secret_is_not_found()
    {
        var s = await CreateAsync();
        (await Store.DestroyAsync(s.Id, T0, None)).ShouldBeTrue();
        (await ClaimAsync(s, T0, access: Wrong())).Refusal.ShouldBe(OpenRefusal.NotFound);
    }

    [Fact]
    public async Task A_wrong_key_outranks_an_upload_in_progress()
    {
        var s = await CreateAsync(streamBytes: 10);
        (await ClaimAsync(s, T0, access: Wrong())).Refusal.ShouldBe(OpenRefusal.WrongAccessKey);
    }

    [Fact]
    public async Task A_wrong_key_outranks_a_wrong_passphrase()
    {
        var s = await CreateAsync(passphrase: true);
        (await ClaimAsync(s, T0, access: Wrong(), passphrase: Wrong())).Refusal.ShouldBe(OpenRefusal.WrongAccessKey);
    }

    [Fact]
    public async Task An_upload_in_progress_outranks_a_wrong_passphrase()
    {
        var s = await CreateAsync(streamBytes: 10, passphrase: true);
        (await ClaimAsync(s, T0, passphrase: Wrong())).Refusal.ShouldBe(OpenRefusal.NotReady);
    }

    [Fact]
    public async Task Expiry_outranks_an_upload_in_progress()
    {
        var s = await CreateAsync(streamBytes: 10);
        var outcome = await ClaimAsync(s, Expiry);
        outcome.Refusal.ShouldBe(OpenRefusal.Gone);
        outcome.Record!.PhaseAt(Expiry).ShouldBe(SecretPhase.Expired);
    }

    [Fact]
    public async Task An_ended_secret_outranks_a_wrong_passphrase_which_is_then_not_counted()
    {
        var s = await CreateAsync(passphrase: true);
        (await ClaimAsync(s, T0)).View.ShouldNotBeNull();
        var outcome = await ClaimAsync(s, T0, passphrase: Wrong());
        outcome.Refusal.ShouldBe(OpenRefusal.Gone);
        outcome.Record!.PhaseAt(T0).ShouldBe(SecretPhase.Opened);
        (await Store.RecordWrongPassphraseAsync(s.Id, s.Access, T0, None)).ShouldBeNull();
        (await RecordAsync(s)).PassphraseFailures.ShouldBe(0);
    }

    [Fact]
    public async Task A_wrong_passphrase_to_a_live_secret_is_refused_and_can_be_counted()
    {
        var s = await CreateAsync(passphrase: true);
        (await ClaimAsync(s, T0, passphrase: Wrong())).Refusal.ShouldBe(OpenRefusal.WrongPassphrase);
        (await Store.RecordWrongPassphraseAsync(s.Id, s.Access, T0, None)).ShouldNotBeNull().AttemptsLeft.ShouldBe(2);
        (await RecordAsync(s)).ViewsLeft.ShouldBe(1);
    }

    public static TheoryData<string> EndingsPastExpiry => ["destroyed", "burned", "opened"];

    [Theory]
    [MemberData(nameof(EndingsPastExpiry))]
    public async Task An_ending_event_outranks_expiry(string ending)
    {
        var phase = Enum.Parse<SecretPhase>(ending, ignoreCase: true);
        var s = await CreateAsync(passphrase: ending == "burned", maxPassphraseAttempts: 1);
        switch (ending)
        {
            case "destroyed":
                (await Store.DestroyAsync(s.Id, T0, None)).ShouldBeTrue();
                break;
            case "burned":
                (await Store.RecordWrongPassphraseAsync(s.Id, s.Access, T0, None)).ShouldNotBeNull();
                break;
            default:
                (await ClaimAsync(s, T0)).View.ShouldNotBeNull();
                break;
        }

        var outcome = await ClaimAsync(s, Expiry.AddDays(1));
        outcome.Refusal.ShouldBe(OpenRefusal.Gone);
        outcome.Record!.PhaseAt(Expiry.AddDays(1)).ShouldBe(phase);
    }

    // ---- Which refusal of an upload part wins --------------------------------------------------------

    [Fact]
    public async Task An_unknown_upload_is_not_found()
    {
        var result = await Store.AppendStreamAsync(SecretId.New(), 0, 1, new MemoryStream([1]), None);
        result.ShouldBe(new AppendResult(AppendStatus.NotFound, 0));
    }

    [Fact]
    public async Task A_complete_upload_outranks_a_part_at_the_wrong_offset()
    {
        var s = await CreateAsync(streamBytes: 4);
        (await AppendAsync(s, 0, [1, 2, 3, 4])).ShouldBe(new AppendResult(AppendStatus.Appended, 4));
        (await AppendAsync(s, 2, [9])).ShouldBe(new AppendResult(AppendStatus.NotUploading, 4));
    }

    [Fact]
    public async Task A_destroyed_upload_outranks_a_part_at_the_wrong_offset()
    {
        var s = await CreateAsync(streamBytes: 4);
        (await AppendAsync(s, 0, [1, 2])).Status.ShouldBe(AppendStatus.Appended);
        (await Store.DestroyAsync(s.Id, T0, None)).ShouldBeTrue();
        (await AppendAsync(s, 3, [9])).ShouldBe(new AppendResult(AppendStatus.NotUploading, 2));
    }

    [Fact]
    public async Task A_part_running_past_the_end_is_a_conflict()
    {
        var s = await CreateAsync(streamBytes: 4);
        (await AppendAsync(s, 0, [1, 2, 3, 4, 5])).ShouldBe(new AppendResult(AppendStatus.Conflict, 0));
    }

    // A destroyed upload with a part in flight cannot be set up on every provider (PostgreSQL's destroy
    // waits for the part's row lock), so that pair is pinned by SecretRulesTests alone.
    [Fact]
    public async Task A_part_in_flight_outranks_a_part_at_the_wrong_offset_and_reports_the_committed_position()
    {
        var s = await CreateAsync(streamBytes: 4);
        var first = new GatedStream([1, 2]);
        var inFlight = Store.AppendStreamAsync(s.Id, 0, 2, first, None).AsTask();
        await first.Reading.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        (await AppendAsync(s, 3, [9])).ShouldBe(new AppendResult(AppendStatus.Busy, 0));
        (await AppendAsync(s, 0, [1, 2])).ShouldBe(new AppendResult(AppendStatus.Busy, 0));

        first.Open();
        (await inFlight).ShouldBe(new AppendResult(AppendStatus.Appended, 2));
        (await AppendAsync(s, 3, [9])).ShouldBe(new AppendResult(AppendStatus.Conflict, 2));
        (await AppendAsync(s, 2, [3, 4])).ShouldBe(new AppendResult(AppendStatus.Appended, 4));
    }

    /// <summary>A request body that says when the store starts reading it and then waits to be let through.</summary>
    private sealed class GatedStream(byte[] bytes) : Stream
    {
        private readonly TaskCompletionSource _reading = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly MemoryStream _inner = new(bytes);

        public Task Reading => _reading.Task;

        public void Open() => _open.TrySetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _reading.TrySetResult();
            await _open.Task.WaitAsync(cancellationToken);
            return _inner.Read(buffer.Span);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("async only");

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

public sealed class MemorySecretStoreTests(MemoryStores p) : SecretStoreContract(p), IClassFixture<MemoryStores>;

public sealed class SqliteSecretStoreTests(SqliteStores p) : SecretStoreContract(p), IClassFixture<SqliteStores>;

public sealed class PostgresSecretStoreTests(PostgresStores p) : SecretStoreContract(p), IClassFixture<PostgresStores>;
