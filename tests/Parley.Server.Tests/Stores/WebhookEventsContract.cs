using Parley.Contracts.Webhooks;
using Parley.Server.Features.Requests;
using Parley.Server.Features.Secrets;
using Parley.Server.Features.Webhooks;
using static Parley.Server.Tests.Stores.WebhookSubjects;

namespace Parley.Server.Tests.Stores;

/// <summary>
/// The webhook rows that the secrets and requests stores write with their own changes, on every provider: a
/// target with its subject's create, and exactly the events of a change that happened, for a subject with a
/// webhook. A refused change, the loser of a race and a subject without a webhook queue nothing.
/// </summary>
public abstract class WebhookEventsContract(ProviderStores provider)
{
    private readonly WebhookSubjects _subjects = new(provider);

    private IWebhookStore Webhooks => provider.Webhooks;

    private ISecretStore Secrets => provider.Secrets;

    private static CancellationToken None => CancellationToken.None;

    private const string Opened = WebhookEventTypes.SecretOpened;
    private const string Burned = WebhookEventTypes.SecretBurned;
    private const string FailedAttempt = WebhookEventTypes.SecretFailedAttempt;

    [Fact]
    public async Task A_secrets_target_is_stored_with_it_one_per_link_of_a_bundle()
    {
        var first = NewSecret();
        var second = first with { Id = SecretId.New(), Bundle = first.Id, Position = 1 };
        await Secrets.CreateBundleAsync([first with { Bundle = first.Id }, second], None);

        foreach (var link in new[] { first, second })
        {
            var target = (await Webhooks.FindTargetAsync(link.Id, None)).ShouldNotBeNull();
            target.ShouldBe(new WebhookTarget(link.Id, WebhookSubject.Secret, link.Id, Endpoint.Url, target.SigningKey, Expiry));
            target.SigningKey.ShouldBe(Endpoint.SigningKey);
        }
    }

    [Fact]
    public async Task A_requests_target_is_stored_with_it()
    {
        var request = await _subjects.CreateRequestAsync();
        var target = (await Webhooks.FindTargetAsync(request, None)).ShouldNotBeNull();
        target.ShouldBe(new WebhookTarget(request, WebhookSubject.Request, request, Endpoint.Url, target.SigningKey, Expiry));
    }

    [Fact]
    public async Task A_change_queues_events_for_its_own_subject_only()
    {
        await _subjects.TakeAllEventsAsync(); // what earlier tests of this class left
        var opened = await _subjects.CreateSecretAsync();
        var destroyed = await _subjects.CreateSecretAsync();
        var bystander = await _subjects.CreateSecretAsync();
        var request = await _subjects.CreateRequestAsync();
        (await _subjects.ClaimAsync(opened)).View.ShouldNotBeNull();
        (await Secrets.DestroyAsync(destroyed.Id, T0, None)).ShouldBeTrue();

        var events = await _subjects.TakeAllEventsAsync();
        events.Select(e => (e.ReportId, e.Event)).ShouldBe([(opened.Id.ToString(), Opened + ":0"), (opened.Id.ToString(), Burned + ":0"),
            (destroyed.Id.ToString(), WebhookEventTypes.SecretDestroyed)], ignoreOrder: true);
        events.ShouldNotContain(e => e.ReportId == bystander.Id.ToString() || e.ReportId == request.ToString());
    }

    [Fact]
    public async Task A_subject_without_a_webhook_has_no_target_and_its_changes_queue_nothing()
    {
        var s = await _subjects.CreateSecretAsync(webhook: false, maxViews: 2, passphrase: true);
        await Secrets.RecordWrongAccessAsync(s.Id, T0, None);
        (await Secrets.RecordWrongPassphraseAsync(s.Id, s.Access, T0, None)).ShouldNotBeNull();
        (await _subjects.ClaimAsync(s)).View.ShouldNotBeNull();
        (await Secrets.DestroyAsync(s.Id, T0, None)).ShouldBeTrue();
        var request = await _subjects.CreateRequestAsync(webhook: false);
        var (refusal, answer) = await _subjects.AnswerAsync(request);
        refusal.ShouldBeNull();
        (await _subjects.ClaimAsync(answer)).View.ShouldNotBeNull();

        (await Webhooks.FindTargetAsync(s.Id, None)).ShouldBeNull();
        (await Webhooks.FindTargetAsync(request, None)).ShouldBeNull();
        (await Webhooks.FindTargetAsync(answer.Id, None)).ShouldBeNull();
        (await _subjects.TakeEventsAsync(s.Id, request, answer.Id)).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_claim_queues_opened_and_the_claim_of_the_last_view_burned_too()
    {
        var s = await _subjects.CreateSecretAsync(maxViews: 2);
        (await _subjects.ClaimAsync(s)).View.ShouldNotBeNull();
        (await _subjects.TakeEventsAsync(s.Id)).ShouldBe([Opened + ":1"]);
        (await _subjects.ClaimAsync(s)).View.ShouldNotBeNull();
        (await _subjects.TakeEventsAsync(s.Id)).ShouldBe([Opened + ":0", Burned + ":0"], ignoreOrder: true);
    }

    [Fact]
    public async Task A_refused_claim_queues_nothing()
    {
        var used = await _subjects.CreateSecretAsync();
        (await _subjects.ClaimAsync(used)).View.ShouldNotBeNull();
        await _subjects.TakeEventsAsync(used.Id);
        var live = await _subjects.CreateSecretAsync(passphrase: true);

        (await _subjects.ClaimAsync(used)).Refusal.ShouldBe(OpenRefusal.Gone);
        (await _subjects.ClaimAsync(live, access: Wrong())).Refusal.ShouldBe(OpenRefusal.WrongAccessKey);
        (await _subjects.ClaimAsync(live, passphrase: Wrong())).Refusal.ShouldBe(OpenRefusal.WrongPassphrase);
        (await _subjects.ClaimAsync(live, at: Expiry)).Refusal.ShouldBe(OpenRefusal.Gone);

        (await _subjects.TakeEventsAsync(used.Id, live.Id)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Of_racing_claims_for_the_last_view_only_the_winner_queues()
    {
        var s = await _subjects.CreateSecretAsync();
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => _subjects.ClaimAsync(s))));
        outcomes.Count(o => o.View is not null).ShouldBe(1);
        (await _subjects.TakeEventsAsync(s.Id)).ShouldBe([Opened + ":0", Burned + ":0"], ignoreOrder: true);
    }

    [Fact]
    public async Task A_counted_wrong_access_key_queues_a_failed_attempt_and_one_not_counted_nothing()
    {
        var s = await _subjects.CreateSecretAsync(maxViews: 3);
        await Secrets.RecordWrongAccessAsync(s.Id, T0, None);
        (await _subjects.TakeEventsAsync(s.Id)).ShouldBe([FailedAttempt + ":3"]);

        await Secrets.RecordWrongAccessAsync(s.Id, Expiry, None);
        (await _subjects.TakeEventsAsync(s.Id)).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_wrong_passphrase_queues_a_failed_attempt_and_the_one_that_burns_burned_too()
    {
        var s = await _subjects.CreateSecretAsync(maxViews: 2, passphrase: true, maxPassphraseAttempts: 2);
        (await Secrets.RecordWrongPassphraseAsync(s.Id, s.Access, T0, None)).ShouldNotBeNull();
        (await _subjects.TakeEventsAsync(s.Id)).ShouldBe([FailedAttempt + ":2"]);
        (await Secrets.RecordWrongPassphraseAsync(s.Id, s.Access, T0, None)).ShouldNotBeNull().BurnedAt.ShouldNotBeNull();
        (await _subjects.TakeEventsAsync(s.Id)).ShouldBe([FailedAttempt + ":2", Burned + ":0"], ignoreOrder: true);

        (await Secrets.RecordWrongPassphraseAsync(s.Id, s.Access, T0, None)).ShouldBeNull();
        (await _subjects.TakeEventsAsync(s.Id)).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_destruction_queues_destroyed_once()
    {
        var s = await _subjects.CreateSecretAsync();
        (await Secrets.DestroyAsync(s.Id, T0, None)).ShouldBeTrue();
        (await Secrets.DestroyAsync(s.Id, T0, None)).ShouldBeFalse();
        (await _subjects.TakeEventsAsync(s.Id)).ShouldBe([WebhookEventTypes.SecretDestroyed]);
    }

    [Fact]
    public async Task An_answer_queues_answered_and_its_secret_reports_its_opening_alone_under_the_requests_id()
    {
        var request = await _subjects.CreateRequestAsync();
        var (refusal, answer) = await _subjects.AnswerAsync(request);
        refusal.ShouldBeNull();
        (await _subjects.TakeEventsAsync(request)).ShouldBe([WebhookEventTypes.RequestAnswered]);
        var target = (await Webhooks.FindTargetAsync(answer.Id, None)).ShouldNotBeNull();
        target.ShouldBe(new WebhookTarget(answer.Id, WebhookSubject.RequestAnswer, request, Endpoint.Url, target.SigningKey, Expiry));

        (await _subjects.ClaimAsync(answer)).View.ShouldNotBeNull();
        (await _subjects.TakeEventsAsync(request, answer.Id)).ShouldBe([WebhookEventTypes.RequestAnswerOpened + ":0"]);
    }

    [Fact]
    public async Task A_refused_answer_queues_nothing_and_gives_its_secret_no_target()
    {
        var request = await _subjects.CreateRequestAsync();
        (await _subjects.AnswerAsync(request)).Refusal.ShouldBeNull();
        await _subjects.TakeEventsAsync(request);

        var (refusal, late) = await _subjects.AnswerAsync(request);
        refusal.ShouldBe(AnswerRefusal.AlreadyAnswered);
        (await Webhooks.FindTargetAsync(late.Id, None)).ShouldBeNull();
        (await _subjects.TakeEventsAsync(request)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Of_racing_answers_only_the_winner_queues()
    {
        var request = await _subjects.CreateRequestAsync();
        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => _subjects.AnswerAsync(request))));
        answers.Count(a => a.Refusal is null).ShouldBe(1);
        (await _subjects.TakeEventsAsync(request)).ShouldBe([WebhookEventTypes.RequestAnswered]);
        foreach (var (refusal, answer) in answers)
        {
            ((await Webhooks.FindTargetAsync(answer.Id, None)) is not null).ShouldBe(refusal is null);
        }
    }
}

public sealed class MemoryWebhookEventsTests(MemoryStores p) : WebhookEventsContract(p), IClassFixture<MemoryStores>;

public sealed class SqliteWebhookEventsTests(SqliteStores p) : WebhookEventsContract(p), IClassFixture<SqliteStores>;

public sealed class PostgresWebhookEventsTests(PostgresStores p) : WebhookEventsContract(p), IClassFixture<PostgresStores>;
