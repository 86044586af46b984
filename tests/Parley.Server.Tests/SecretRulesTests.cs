using Parley.Server.Features.Secrets;

namespace Parley.Server.Tests;

/// <summary>
/// <see cref="SecretRecord"/>'s rules as pure functions of the record and the time: each refusal order,
/// including the pairs no store can be brought into on every provider (SecretStoreContract covers the rest).
/// </summary>
public sealed class SecretRulesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly byte[] Key = [.. Enumerable.Repeat((byte)1, 32)];
    private static readonly byte[] OtherKey = [.. Enumerable.Repeat((byte)2, 32)];

    private static SecretRecord Record(long? streamBytes = null, long received = 0, bool stored = true, DateTimeOffset? destroyedAt = null,
        DateTimeOffset? burnedAt = null, int viewsLeft = 1, bool passphrase = false) =>
        new(SecretId.New(), Key, Key, passphrase ? new PassphraseRecord(new byte[16], 600_000, Key) : null, 40, streamBytes, received,
            stored && streamBytes is not null, T0, T0.AddHours(1), 1, viewsLeft, [], 0, 0, 3, destroyedAt, burnedAt);

    [Fact]
    public void The_sql_predicate_is_the_rule_spelled_in_sql() =>
        SecretRecord.LiveSql("s.", "@now").ShouldBe("s.destroyed_at IS NULL AND s.burned_at IS NULL AND s.views_left > 0 AND s.expires_at > @now");

    [Fact]
    public void Phase_ranks_destroyed_then_burned_then_opened_then_expired()
    {
        var late = T0.AddDays(1);
        Record(destroyedAt: T0, burnedAt: T0, viewsLeft: 0).PhaseAt(late).ShouldBe(SecretPhase.Destroyed);
        Record(burnedAt: T0, viewsLeft: 0).PhaseAt(late).ShouldBe(SecretPhase.Burned);
        Record(viewsLeft: 0, streamBytes: 4).PhaseAt(late).ShouldBe(SecretPhase.Opened);
        Record(streamBytes: 4).PhaseAt(late).ShouldBe(SecretPhase.Expired);
        Record(streamBytes: 4).PhaseAt(T0).ShouldBe(SecretPhase.Uploading);
        Record(streamBytes: 4, received: 4).PhaseAt(T0).ShouldBe(SecretPhase.Available);
    }

    [Fact]
    public void A_claim_is_refused_key_first_then_upload_then_ending_then_passphrase()
    {
        Record(streamBytes: 4, passphrase: true).ClaimRefusalAt(T0, OtherKey, OtherKey).ShouldBe(OpenRefusal.WrongAccessKey);
        Record(destroyedAt: T0).ClaimRefusalAt(T0, OtherKey, null).ShouldBe(OpenRefusal.NotFound);
        Record(streamBytes: 4, passphrase: true).ClaimRefusalAt(T0, Key, OtherKey).ShouldBe(OpenRefusal.NotReady);
        Record(streamBytes: 4).ClaimRefusalAt(T0.AddHours(1), Key, null).ShouldBe(OpenRefusal.Gone);
        Record(viewsLeft: 0, passphrase: true).ClaimRefusalAt(T0, Key, OtherKey).ShouldBe(OpenRefusal.Gone);
        Record(passphrase: true).ClaimRefusalAt(T0, Key, null).ShouldBe(OpenRefusal.WrongPassphrase);
        Record(passphrase: true).ClaimRefusalAt(T0, Key, Key).ShouldBeNull();
    }

    [Fact]
    public void A_part_is_refused_not_uploading_first_then_busy_then_conflict()
    {
        Record(streamBytes: 4, received: 2, destroyedAt: T0).AppendRefusal(3, 1, busy: true).ShouldBe(AppendStatus.NotUploading);
        Record(streamBytes: 4, received: 2, stored: false).AppendRefusal(2, 2, busy: true).ShouldBe(AppendStatus.NotUploading);
        Record(streamBytes: 4, received: 4).AppendRefusal(2, 1, busy: false).ShouldBe(AppendStatus.NotUploading);
        Record().AppendRefusal(0, 1, busy: false).ShouldBe(AppendStatus.NotUploading);
        Record(streamBytes: 4, received: 2).AppendRefusal(3, 1, busy: true).ShouldBe(AppendStatus.Busy);
        Record(streamBytes: 4, received: 2).AppendRefusal(3, 1, busy: false).ShouldBe(AppendStatus.Conflict);
        Record(streamBytes: 4, received: 2).AppendRefusal(2, 3, busy: false).ShouldBe(AppendStatus.Conflict);
        Record(streamBytes: 4, received: 2).AppendRefusal(2, 2, busy: false).ShouldBeNull();
    }
}
