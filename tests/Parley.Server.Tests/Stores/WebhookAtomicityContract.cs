using System.Data.Common;
using Parley.Contracts.Webhooks;
using Parley.Server.Features.Secrets;
using static Parley.Server.Tests.Stores.WebhookSubjects;

namespace Parley.Server.Tests.Stores;

/// <summary>
/// A webhook row and the change it belongs to commit together or not at all, on the SQL providers: with inserts
/// into the outbox (or the targets) made to fail, the change fails too and leaves the subject as it was, so
/// it happens, with its event, once the table is repaired. (The memory provider queues under the lock of the
/// change, and loses both with the process.)
/// </summary>
public abstract class WebhookAtomicityContract(SqlProviderStores provider)
{
    private readonly WebhookSubjects _subjects = new(provider);

    private ISecretStore Secrets => provider.Secrets;

    private static CancellationToken None => CancellationToken.None;

    /// <summary>Runs <paramref name="change"/> with inserts into <paramref name="table"/> failing; it must fail.</summary>
    private async Task ShouldFailWithBrokenAsync(string table, Func<Task> change)
    {
        await provider.BreakInsertsAsync(table);
        try
        {
            await Should.ThrowAsync<DbException>(change);
        }
        finally
        {
            await provider.RepairInsertsAsync(table);
        }
    }

    [Fact]
    public async Task A_claim_whose_events_cannot_be_queued_claims_nothing()
    {
        var s = await _subjects.CreateSecretAsync();
        await ShouldFailWithBrokenAsync("webhook_outbox", () => _subjects.ClaimAsync(s));

        var record = (await Secrets.FindAsync(s.Id, None)).ShouldNotBeNull();
        record.ViewsLeft.ShouldBe(1);
        record.OpenedAt.ShouldBeEmpty();
        (await _subjects.ClaimAsync(s)).View.ShouldNotBeNull();
        (await _subjects.TakeEventsAsync(s.Id)).ShouldBe([WebhookEventTypes.SecretOpened + ":0", WebhookEventTypes.SecretBurned + ":0"],
            ignoreOrder: true);
    }

    [Fact]
    public async Task Wrong_attempts_whose_events_cannot_be_queued_are_not_counted()
    {
        var s = await _subjects.CreateSecretAsync(passphrase: true, maxPassphraseAttempts: 1);
        await ShouldFailWithBrokenAsync("webhook_outbox", () => Secrets.RecordWrongAccessAsync(s.Id, T0, None).AsTask());
        await ShouldFailWithBrokenAsync("webhook_outbox", () => Secrets.RecordWrongPassphraseAsync(s.Id, s.Access, T0, None).AsTask());

        var record = (await Secrets.FindAsync(s.Id, None)).ShouldNotBeNull();
        record.FailedAttempts.ShouldBe(0);
        record.BurnedAt.ShouldBeNull();
        (await _subjects.TakeEventsAsync(s.Id)).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_destruction_whose_event_cannot_be_queued_destroys_nothing()
    {
        var s = await _subjects.CreateSecretAsync();
        await ShouldFailWithBrokenAsync("webhook_outbox", () => Secrets.DestroyAsync(s.Id, T0, None).AsTask());

        (await Secrets.FindAsync(s.Id, None)).ShouldNotBeNull().DestroyedAt.ShouldBeNull();
        (await Secrets.DestroyAsync(s.Id, T0, None)).ShouldBeTrue();
        (await _subjects.TakeEventsAsync(s.Id)).ShouldBe([WebhookEventTypes.SecretDestroyed]);
    }

    [Fact]
    public async Task An_answer_whose_event_cannot_be_queued_is_not_recorded()
    {
        var request = await _subjects.CreateRequestAsync();
        await ShouldFailWithBrokenAsync("webhook_outbox", () => _subjects.AnswerAsync(request));

        (await provider.Requests.FindAsync(request, None)).ShouldNotBeNull().Answer.ShouldBeNull();
        (await _subjects.AnswerAsync(request)).Refusal.ShouldBeNull();
        (await _subjects.TakeEventsAsync(request)).ShouldBe([WebhookEventTypes.RequestAnswered]);
    }

    [Fact]
    public async Task A_subject_whose_target_cannot_be_stored_is_not_created()
    {
        var secret = NewSecret();
        var request = NewRequest();
        // On SQLite a secret's target is a part of the secret's row: there is no separate write to fail.
        if (provider is not SqliteStores)
        {
            await ShouldFailWithBrokenAsync("webhook_targets", () => Secrets.CreateAsync(secret, None).AsTask());
            (await Secrets.FindAsync(secret.Id, None)).ShouldBeNull();
        }

        await ShouldFailWithBrokenAsync("webhook_targets", () => provider.Requests.CreateAsync(request, None).AsTask());
        (await provider.Requests.FindAsync(request.Id, None)).ShouldBeNull();
    }

    [Fact]
    public async Task A_secret_without_a_webhook_writes_no_webhook_row()
    {
        await provider.BreakInsertsAsync("webhook_outbox");
        await provider.BreakInsertsAsync("webhook_targets");
        try
        {
            var s = await _subjects.CreateSecretAsync(webhook: false, maxViews: 2);
            await Secrets.RecordWrongAccessAsync(s.Id, T0, None);
            (await _subjects.ClaimAsync(s)).View.ShouldNotBeNull();
            (await Secrets.DestroyAsync(s.Id, T0, None)).ShouldBeTrue();
        }
        finally
        {
            await provider.RepairInsertsAsync("webhook_outbox");
            await provider.RepairInsertsAsync("webhook_targets");
        }
    }
}

public sealed class SqliteWebhookAtomicityTests(SqliteStores p) : WebhookAtomicityContract(p), IClassFixture<SqliteStores>;

public sealed class PostgresWebhookAtomicityTests(PostgresStores p) : WebhookAtomicityContract(p), IClassFixture<PostgresStores>;
