using System.Net;
using System.Net.Http.Json;
using System.Text;
using Parley.Contracts;
using Parley.Contracts.Requests;
using Parley.Contracts.Secrets;
using Parley.Contracts.Webhooks;
using Parley.Server.Features.Secrets;
using Parley.Server.Features.Webhooks;
using Parley.Server.Tests.Support;

namespace Parley.Server.Tests.Webhooks;

/// <summary>
/// Webhooks end to end on every storage provider: a real server (real clock) delivers from its outbox
/// to a real HTTP receiver on loopback. Loopback is allowed by setting here, as the docs tell operators.
/// </summary>
public abstract class WebhooksContract(ProviderServer provider)
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(600);

    private Task<ParleyTestServer> StartAsync(bool allowPrivateTargets = true) => provider.StartAsync(new Dictionary<string, string?>
    {
        ["Parley:Webhooks:AllowPrivateTargets"] = allowPrivateTargets ? "true" : "false",
        ["Parley:Webhooks:FirstRetryDelay"] = "00:00:00.2",
        ["Parley:Webhooks:MaxRetryDelay"] = "00:00:00.4",
        ["Parley:Webhooks:PollInterval"] = "00:00:00.1",
        ["Parley:Secrets:ExpiryChoices:0"] = "00:00:01",
        ["Parley:Secrets:ExpiryChoices:1"] = "01:00:00",
        ["Parley:Secrets:DefaultExpiry"] = "01:00:00",
    }, realTime: true);

    [Fact]
    public async Task Every_secret_event_arrives_once_with_a_valid_signature_and_no_secrets_in_it()
    {
        await using var server = await StartAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        var api = server.Api();
        var (created, key) = await CreateWithWebhookAsync(api, new TestSecret(passphrase: "pw", maxViews: 2), receiver.Url());
        key.ShouldStartWith(WebhookSignature.KeyPrefix);

        (await api.OpenAsync(created.Id, TestSecret.RandomKey(), created.Secret.PassphraseProofText)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await api.OpenAsync(created.Id, created.Secret.AccessKeyText, TestSecret.RandomKey())).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await api.OpenAsync(created)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await api.OpenAsync(created)).StatusCode.ShouldBe(HttpStatusCode.OK);

        await receiver.WaitForAsync(5);
        await Task.Delay(Quiet);
        var received = receiver.Received;
        received.Select(r => r.Type).Order().ShouldBe([
            WebhookEventTypes.SecretBurned, WebhookEventTypes.SecretFailedAttempt, WebhookEventTypes.SecretFailedAttempt,
            WebhookEventTypes.SecretOpened, WebhookEventTypes.SecretOpened]);
        received.Select(r => r.Id).Distinct().Count().ShouldBe(5);
        foreach (var r in received)
        {
            r.SignatureValid(key).ShouldBeTrue();
            r.Json.GetProperty("data").GetProperty("id").GetString().ShouldBe(created.Id);
            var text = Encoding.UTF8.GetString(r.Body);
            foreach (var secret in new[] { created.ManageToken, created.Secret.AccessKeyText, key, "receiver-own-token", TestSecret.B64(created.Secret.Manifest) })
            {
                text.ShouldNotContain(secret);
            }
        }

        received.Where(r => r.Type == WebhookEventTypes.SecretOpened).Select(r => r.Json.GetProperty("data").GetProperty("viewsLeft").GetInt32())
            .Order().ShouldBe([0, 1]);
        (await server.WebhookStore().PendingCountAsync(CancellationToken.None)).ShouldBe(0);

        // Shown once: the manage page does not repeat the key, and the log names neither key nor URL.
        using var status = await api.StatusAsync(created.Id, created.ManageToken);
        (await status.Content.ReadAsStringAsync()).ShouldNotContain(key);
        server.Logs.Text.ShouldNotContain(key);
        server.Logs.Text.ShouldNotContain("receiver-own-token");
    }

    [Fact]
    public async Task Each_recipients_link_reports_under_its_own_id_with_the_one_signing_key()
    {
        await using var server = await StartAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        var api = server.Api();
        var bundle = new TestBundle(["alice", "bob", "carol"]);
        using var response = await api.PostJsonAsync("api/secrets", bundle.ToRequest() with { Webhook = receiver.Url() },
            ParleyJsonContext.Default.CreateSecretRequest);
        var body = await response.ShouldBeJsonAsync(HttpStatusCode.Created, ParleyJsonContext.Default.CreateSecretResponse);
        var key = body.WebhookSigningKey.ShouldNotBeNull();
        var ids = body.Recipients!.Select(r => r.Id).ToList();

        (await api.OpenAsync(ids[0], TestSecret.B64(bundle.Recipients[0].AccessKey))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await api.DestroyAsync(ids[1], body.ManageToken)).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        await receiver.WaitForAsync(3);
        await Task.Delay(Quiet);
        var received = receiver.Received;
        received.Count.ShouldBe(3); // alice opened (and used up), bob destroyed; carol nothing
        received.ShouldAllBe(r => r.SignatureValid(key));
        received.Where(r => r.Type == WebhookEventTypes.SecretDestroyed).Single().Json.GetProperty("data").GetProperty("id").GetString().ShouldBe(ids[1]);
        received.Where(r => r.Type != WebhookEventTypes.SecretDestroyed).ShouldAllBe(r => r.Json.GetProperty("data").GetProperty("id").GetString() == ids[0]);
        foreach (var r in received)
        {
            Encoding.UTF8.GetString(r.Body).ShouldNotContain("alice");
        }
    }

    [Fact]
    public async Task Destroyed_and_expired_unread_secrets_are_reported()
    {
        await using var server = await StartAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        var api = server.Api();
        var (destroyed, destroyedKey) = await CreateWithWebhookAsync(api, new TestSecret(), receiver.Url());
        var (expiring, expiringKey) = await CreateWithWebhookAsync(api, new TestSecret(maxViews: 2, expiresInSeconds: 1), receiver.Url());
        (await api.DestroyAsync(destroyed.Id, destroyed.ManageToken)).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        var received = await receiver.WaitForAsync(2);
        await Task.Delay(Quiet);
        receiver.Received.Count.ShouldBe(2);
        var destroyedEvent = received.Single(r => r.Type == WebhookEventTypes.SecretDestroyed);
        destroyedEvent.SignatureValid(destroyedKey).ShouldBeTrue();
        destroyedEvent.SignatureValid(expiringKey).ShouldBeFalse();
        destroyedEvent.Json.GetProperty("data").GetProperty("id").GetString().ShouldBe(destroyed.Id);
        var expiredEvent = received.Single(r => r.Type == WebhookEventTypes.SecretExpired);
        expiredEvent.SignatureValid(expiringKey).ShouldBeTrue();
        expiredEvent.Json.GetProperty("data").GetProperty("id").GetString().ShouldBe(expiring.Id);
        expiredEvent.Json.GetProperty("data").GetProperty("viewsLeft").GetInt32().ShouldBe(2);
    }

    [Fact]
    public async Task A_request_reports_its_answer_and_the_answers_opening_under_its_own_id()
    {
        await using var server = await StartAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        var requests = server.Requests();
        var request = new TestRequest();
        using var response = await requests.Secrets.PostJsonAsync("api/requests", request.ToRequest() with { Webhook = receiver.Url() },
            RequestsJsonContext.Default.CreateRequestRequest);
        var body = await response.ShouldBeJsonAsync(HttpStatusCode.Created, RequestsJsonContext.Default.CreateRequestResponse);
        var key = body.WebhookSigningKey.ShouldNotBeNull();
        var created = new CreatedRequest(request, body.Id, body.ExpiresAt);

        var answer = await requests.AnswerOkAsync(created, new TestAnswer(new TestSecret()));
        (await requests.Secrets.OpenAsync(answer)).StatusCode.ShouldBe(HttpStatusCode.OK);

        await receiver.WaitForAsync(2);
        await Task.Delay(Quiet);
        var received = receiver.Received;
        received.Select(r => r.Type).Order().ShouldBe([WebhookEventTypes.RequestAnswerOpened, WebhookEventTypes.RequestAnswered]);
        received.ShouldAllBe(r => r.SignatureValid(key) && r.Json.GetProperty("data").GetProperty("id").GetString() == created.Id);
    }

    [Fact]
    public async Task A_receiver_that_is_down_gets_the_events_once_it_is_back()
    {
        await using var server = await StartAsync();
        await using var receiver = await WebhookReceiver.StartAsync(listening: false);
        var api = server.Api();
        var (created, key) = await CreateWithWebhookAsync(api, new TestSecret(), receiver.Url());
        (await api.DestroyAsync(created.Id, created.ManageToken)).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        await Task.Delay(TimeSpan.FromSeconds(1)); // several attempts fail meanwhile
        (await server.WebhookStore().PendingCountAsync(CancellationToken.None)).ShouldBe(1);
        await receiver.ListenAsync();

        var received = await receiver.WaitForAsync(1);
        await Task.Delay(Quiet);
        receiver.Received.Count.ShouldBe(1);
        received[0].Type.ShouldBe(WebhookEventTypes.SecretDestroyed);
        received[0].SignatureValid(key).ShouldBeTrue();
        server.Logs.Text.ShouldContain("Webhook delivery failed");
    }

    [Fact]
    public async Task Delivered_events_are_removed_while_a_down_receivers_events_stay_queued_beside_them()
    {
        await using var server = await StartAsync();
        await using var up = await WebhookReceiver.StartAsync();
        await using var down = await WebhookReceiver.StartAsync(listening: false);
        var api = server.Api();
        var (toDown, _) = await CreateWithWebhookAsync(api, new TestSecret(), down.Url());
        var (toUp, _) = await CreateWithWebhookAsync(api, new TestSecret(), up.Url());
        // Each open of a single-view secret queues secret.opened and secret.burned: four events, two of them deliverable.
        (await api.OpenAsync(toDown)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await api.OpenAsync(toUp)).StatusCode.ShouldBe(HttpStatusCode.OK);

        await up.WaitForAsync(2);
        await Task.Delay(Quiet);
        up.Received.Count.ShouldBe(2);
        (await server.WebhookStore().PendingCountAsync(CancellationToken.None)).ShouldBe(2, "the down receiver's events wait for a retry");

        await down.ListenAsync();
        await down.WaitForAsync(2);
        await OutboxEmptiesAsync(server.WebhookStore());
        up.Received.Count.ShouldBe(2);
    }

    private static readonly string[] ForbiddenUrls =
    [
        "",
        "ftp://example.com/hook",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "example.com/hook",
        "http:example.com/hook",
        "http://user:password@example.com/hook",
        "http://@example.com/hook",
        "http://example.com\\@127.0.0.1/hook",
        "https://ex\u0430mple.com/hook",
        "https://example.com/\u202ekoob",
        "https://example.com/hook with space",
        "https://example.com/hook#fragment",
        "https://example.com/" + new string('a', WebhookUrl.MaxLength),
        "http://127.0.0.1/hook",
        "http://127.1/hook",
        "http://2130706433/hook",
        "http://0x7f000001/hook",
        "http://0.0.0.0/hook",
        "http://10.1.2.3/hook",
        "http://172.16.0.1/hook",
        "http://192.168.1.1/hook",
        "http://100.64.0.1/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://224.0.0.1/hook",
        "http://255.255.255.255/hook",
        "http://[::1]/hook",
        "http://[::]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://[fe80::1]/hook",
        "http://[fd00::1]/hook",
        "http://[ff02::1]/hook",
        "http://[64:ff9b::a9fe:a9fe]/hook",
    ];

    [Fact]
    public async Task A_forbidden_webhook_url_is_refused_at_creation_and_nothing_is_stored()
    {
        await using var server = await StartAsync(allowPrivateTargets: false);
        foreach (var url in ForbiddenUrls)
        {
            await RefusedAsync(server, url);
        }

        (await server.Store().CountAsync(CancellationToken.None)).ShouldBe(0);
        (await server.RequestStore().CountAsync(CancellationToken.None)).ShouldBe(0);
        (await server.WebhookStore().DueExpiriesAsync(DateTimeOffset.MaxValue, 10, CancellationToken.None)).ShouldBeEmpty();
    }

    private static async Task RefusedAsync(ParleyTestServer server, string url)
    {
        var api = server.Api();
        using (var response = await api.PostJsonAsync("api/secrets", new TestSecret().ToRequest() with { Webhook = url },
            ParleyJsonContext.Default.CreateSecretRequest))
        {
            await ShouldBeWebhookProblemAsync(response, url);
        }

        using (var response = await api.PostJsonAsync("api/requests", new TestRequest().ToRequest() with { Webhook = url },
            RequestsJsonContext.Default.CreateRequestRequest))
        {
            await ShouldBeWebhookProblemAsync(response, url);
        }
    }

    [Fact]
    public async Task A_host_name_that_resolves_to_loopback_is_refused_when_the_call_is_made()
    {
        await using var server = await StartAsync(allowPrivateTargets: false);
        await using var receiver = await WebhookReceiver.StartAsync();
        var api = server.Api();
        var (created, _) = await CreateWithWebhookAsync(api, new TestSecret(), receiver.Url("localhost"));
        (await api.DestroyAsync(created.Id, created.ManageToken)).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        await OutboxEmptiesAsync(server.WebhookStore());
        await Task.Delay(Quiet);
        receiver.Received.ShouldBeEmpty();
        server.Logs.Text.ShouldContain("Webhook given up after 1 attempt(s): the target is not allowed");
    }

    [Fact]
    public async Task The_outbox_store_queues_only_for_targets_leases_claims_and_a_purge_leaves_waiting_events_deliverable()
    {
        await using var server = await StartAsync();
        var store = server.WebhookStore();
        var (now, subject, url) = await SecretAYearAheadAsync(server, maxViews: 1);

        (await store.EnqueueAsync(subject, SubjectEvent.Answered, null, now, CancellationToken.None)).ShouldBeFalse("not an event of secrets");
        (await store.EnqueueAsync(SecretId.New(), SubjectEvent.Opened, 1, now, CancellationToken.None)).ShouldBeFalse("no target");
        (await store.EnqueueAsync(subject, SubjectEvent.Opened, 1, now, CancellationToken.None)).ShouldBeTrue();

        async Task<PendingDelivery?> ClaimAsync(DateTimeOffset at) =>
            (await store.ClaimDueAsync(at, at.AddMinutes(1), 100, CancellationToken.None)).SingleOrDefault(d => d.Url == url);

        var claimed = (await ClaimAsync(now)).ShouldNotBeNull();
        claimed.Attempts.ShouldBe(0);
        System.Text.Encoding.UTF8.GetString(claimed.Body).ShouldContain("\"type\":\"secret.opened\"");
        (await ClaimAsync(now)).ShouldBeNull("leased");
        (await ClaimAsync(now.AddMinutes(2))).ShouldNotBeNull("the lease ran out");

        await store.RetryLaterAsync(claimed.Sequence, 3, now.AddMinutes(10), CancellationToken.None);
        (await ClaimAsync(now.AddMinutes(5))).ShouldBeNull("not due yet");
        (await ClaimAsync(now.AddMinutes(11))).ShouldNotBeNull().Attempts.ShouldBe(3);

        await store.PurgeTargetsAsync(now.AddDays(30), CancellationToken.None);
        (await ClaimAsync(now.AddMinutes(13))).ShouldNotBeNull("a purge leaves what a waiting event needs").Url.ShouldBe(url);
        await store.RemoveAsync([claimed.Sequence], CancellationToken.None);
        await store.PurgeTargetsAsync(now.AddDays(30), CancellationToken.None);
        (await store.FindTargetAsync(subject, CancellationToken.None)).ShouldBeNull();
    }

    [Fact]
    public async Task Removing_finished_events_in_one_write_leaves_the_others_queued_and_no_key_is_used_twice()
    {
        await using var server = await StartAsync();
        var store = server.WebhookStore();
        var (now, subject, url) = await SecretAYearAheadAsync(server, maxViews: 3);
        for (var viewsLeft = 2; viewsLeft >= 0; viewsLeft--)
        {
            (await store.EnqueueAsync(subject, SubjectEvent.Opened, viewsLeft, now, CancellationToken.None)).ShouldBeTrue();
        }

        async Task<List<PendingDelivery>> ClaimAsync(DateTimeOffset at) =>
            [.. (await store.ClaimDueAsync(at, at.AddMinutes(1), 100, CancellationToken.None)).Where(d => d.Url == url).OrderBy(d => d.Sequence)];

        var claimed = await ClaimAsync(now);
        claimed.Count.ShouldBe(3);
        claimed.Select(d => d.MessageId).Distinct().Count().ShouldBe(3);
        await store.RemoveAsync([claimed[0].Sequence, claimed[2].Sequence], CancellationToken.None);

        var left = (await ClaimAsync(now.AddMinutes(2))).ShouldHaveSingleItem("the lease ran out; only the one not removed is due");
        left.Sequence.ShouldBe(claimed[1].Sequence);
        left.MessageId.ShouldBe(claimed[1].MessageId, "the same webhook-id on every attempt");
        await store.RemoveAsync([left.Sequence], CancellationToken.None);

        // The newest row is gone, yet a new event gets a key of its own: a late remove of an old event cannot hit it.
        (await store.EnqueueAsync(subject, SubjectEvent.Destroyed, null, now, CancellationToken.None)).ShouldBeTrue();
        var added = (await ClaimAsync(now.AddMinutes(4))).ShouldHaveSingleItem();
        added.Sequence.ShouldBeGreaterThan(claimed[2].Sequence);
        await store.RemoveAsync([claimed[2].Sequence], CancellationToken.None);
        (await ClaimAsync(now.AddMinutes(6))).ShouldHaveSingleItem().MessageId.ShouldBe(added.MessageId);
        await store.RemoveAsync([added.Sequence], CancellationToken.None);
    }

    /// <summary>
    /// A secret with a webhook to a closed port, created a year ahead so that the server's own worker (on the real clock)
    /// leaves the events queued for it alone: the test claims them itself.
    /// </summary>
    private static async Task<(DateTimeOffset Now, SecretId Subject, string Url)> SecretAYearAheadAsync(ParleyTestServer server, int maxViews)
    {
        var now = DateTimeOffset.UtcNow.AddYears(1);
        var subject = SecretId.New();
        var url = $"http://127.0.0.1:9/{Guid.NewGuid():N}";
        await server.Store().CreateAsync(new SecretToStore(subject, new byte[32], new byte[32], null, new byte[40], null, now, now.AddHours(1),
            MaxViews: maxViews, MaxPassphraseAttempts: 3, Webhook: new WebhookEndpoint(url, new byte[32])), CancellationToken.None);
        return (now, subject, url);
    }

    /// <summary>Waits up to 10 s for the worker to have delivered or given up every queued event.</summary>
    private static async Task OutboxEmptiesAsync(IWebhookStore store)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (await store.PendingCountAsync(CancellationToken.None) > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        (await store.PendingCountAsync(CancellationToken.None)).ShouldBe(0);
    }

    private static async Task ShouldBeWebhookProblemAsync(HttpResponseMessage response, string url)
    {
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, $"webhook {url}");
        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest);
        problem.GetProperty("errors").GetProperty("webhook")[0].GetString().ShouldNotBeNullOrEmpty();
        if (url.Length > 12)
        {
            problem.ToString().ShouldNotContain(url);
        }
    }

    private static async Task<(Created Created, string SigningKey)> CreateWithWebhookAsync(SecretsHttp api, TestSecret secret, string url)
    {
        using var response = await api.PostJsonAsync("api/secrets", secret.ToRequest() with { Webhook = url },
            ParleyJsonContext.Default.CreateSecretRequest);
        var body = await response.ShouldBeJsonAsync(HttpStatusCode.Created, ParleyJsonContext.Default.CreateSecretResponse);
        return (new Created(secret, body.Id, body.ManageToken, body.ExpiresAt), body.WebhookSigningKey.ShouldNotBeNull());
    }
}

public sealed class MemoryWebhooksTests(MemoryServer server) : WebhooksContract(server), IClassFixture<MemoryServer>;

public sealed class SqliteWebhooksTests(SqliteServer server) : WebhooksContract(server), IClassFixture<SqliteServer>;

public sealed class PostgresWebhooksTests(PostgresServer server) : WebhooksContract(server), IClassFixture<PostgresServer>;
