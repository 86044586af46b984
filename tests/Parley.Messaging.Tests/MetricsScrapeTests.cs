using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Parley.Client.Messaging;
using Parley.Client.Requests;
using Parley.Client.Secrets;
using Parley.Client.Secrets.Api;
using Parley.Contracts.Secrets;
using Parley.Messaging.Tests.Support;
using ClientSecretsApi = Parley.Client.Secrets.Api.SecretsApi;

namespace Parley.Messaging.Tests;

/// <summary>
/// The Prometheus endpoint of a real server process, scraped before and after real traffic of every kind
/// (secrets, requests, accounts, logins, the relay, rate limits): each named series moves when its event
/// happens, and no label carries a secret id, a token, a username or an address. The endpoint is only on
/// its own port; the API's port does not answer <c>/metrics</c> (nor does the shipped nginx configuration in front
/// of it), and a scrape address on the API's port is refused.
/// </summary>
public sealed partial class MetricsScrapeTests
{
    // Only these label keys may appear on Parley's own series; each value is a fixed word (MeterTags).
    private static readonly HashSet<string> ParleyLabelKeys = ["otel_scope_name", "reason", "outcome", "limit", "operation", "policy", "le"];

    [Fact]
    public async Task A_scrape_after_real_traffic_moves_each_series_and_names_nobody()
    {
        var settings = MessagingServer.Defaults();
        settings["Parley:Storage:Provider"] = "sqlite";
        using var metrics = MetricsEndpoint.Enable(settings);
        settings["Parley:Secrets:ExpiryChoices:0"] = "00:00:01";
        settings["Parley:Secrets:ExpiryChoices:1"] = "01:00:00";
        settings["Parley:Secrets:DefaultExpiry"] = "01:00:00";
        settings["Parley:Secrets:SweepInterval"] = "00:00:01";
        settings["Parley:Secrets:MaxPassphraseAttempts"] = "2";
        settings["Parley:Secrets:MinPassphraseIterations"] = "1000";
        settings["Parley:Secrets:DefaultPassphraseIterations"] = "1000";
        settings["Parley:Secrets:CreatePerMinute"] = "0";
        settings["Parley:Messaging:RegistrationsPerHour"] = "3";
        settings["Parley:Messaging:BundleFetchesPerTargetPerHour"] = "1";
        await using var server = await ServerProcess.StartAsync(settings, cancellationToken: TestContext.Current.CancellationToken);
        using var http = new HttpClient { BaseAddress = server.BaseUrl, Timeout = TimeSpan.FromSeconds(30) };
        var before = await metrics.ScrapeAsync();
        var secretWords = new List<string>(); // everything that must never show up in a scrape

        // Secrets: created, opened, refused for each reason, burned, destroyed, expired.
        using var secretsApi = new ClientSecretsApi(server.BaseUrl.ToString().TrimEnd('/'));
        var secrets = new SecretsClient(secretsApi);
        var config = await secretsApi.GetConfigAsync(TestContext.Current.CancellationToken);
        async Task<CreatedSecret> CreateAsync(int expiresInSeconds = 3600, string? passphrase = null)
        {
            var created = await secrets.CreateAsync(new NewSecret
            {
                Text = "metrics test",
                ExpiresInSeconds = expiresInSeconds,
                MaxViews = 1,
                Passphrase = passphrase,
                Iterations = passphrase is null ? null : 1000,
            }, config, cancellationToken: TestContext.Current.CancellationToken);
            secretWords.Add(created.Share.Id);
            secretWords.Add(created.Manage.ManageToken);
            return created;
        }

        using var opened = await CreateAsync();
        var look = await secrets.LookAsync(opened.Share, TestContext.Current.CancellationToken);
        using (await secrets.OpenAsync(opened.Share, look, null, TestContext.Current.CancellationToken))
        {
        }

        await Should.ThrowAsync<SecretsApiException>(() => secrets.OpenAsync(opened.Share, look, null, TestContext.Current.CancellationToken)); // gone
        using var guarded = await CreateAsync(passphrase: "right horse");
        var guardedLook = await secrets.LookAsync(guarded.Share, TestContext.Current.CancellationToken);
        for (var i = 0; i < 2; i++)
        {
            // wrong passphrase, then the attempt that burns it
            await Should.ThrowAsync<SecretsApiException>(() => secrets.OpenAsync(guarded.Share, guardedLook, "wrong", TestContext.Current.CancellationToken));
        }

        using var probed = await CreateAsync();
        (await OpenRawAsync(http, probed.Share.Id, RandomKey())).ShouldBe(HttpStatusCode.Forbidden);
        (await OpenRawAsync(http, "not-an-id", RandomKey())).ShouldBe(HttpStatusCode.BadRequest);
        using var destroyed = await CreateAsync();
        await secretsApi.DestroyAsync(destroyed.Manage.Id, destroyed.Manage.ManageToken, TestContext.Current.CancellationToken);
        using var expiring = await CreateAsync(expiresInSeconds: 1);

        // A secret request, created and answered.
        var requests = new RequestsClient(secretsApi);
        using var request = await requests.CreateAsync(null, 3600, TestContext.Current.CancellationToken);
        secretWords.Add(request.Send.Id);
        var answer = await requests.RespondAsync(request.Send, new NewSecret { Text = "answer", ExpiresInSeconds = 3600, MaxViews = 1 },
            cancellationToken: TestContext.Current.CancellationToken);
        secretWords.Add(answer.SecretId);

        // Accounts and logins (the fourth registration from this address is over the limit of 3).
        await using var alice = await TestUser.CreateAsync(server.BaseUrl);
        await using var bob = await TestUser.CreateAsync(server.BaseUrl);
        await using var carol = await TestUser.CreateAsync(server.BaseUrl);
        secretWords.AddRange([alice.Name, bob.Name, carol.Name, alice.Token, bob.Token, carol.Token]);
        await Should.ThrowAsync<MessagingApiException>(() => TestUser.CreateAsync(server.BaseUrl));
        using (var impostor = new MessagingApi(server.BaseUrl))
        {
            await Should.ThrowAsync<MessagingApiException>(() => impostor.LoginAsync(carol.Name, alice.Keys.Identity));
        }

        // Bundle fetches: the second of bob's within the hour is over the per-target limit.
        await alice.Api.GetBundleAsync(bob.Name);
        await Should.ThrowAsync<MessagingApiException>(() => alice.Api.GetBundleAsync(bob.Name));

        // The relay: bob is connected and gets alice's envelopes live, then acknowledges them; carol is offline.
        var bobRelay = await bob.ConnectAsync();
        var aliceRelay = await alice.ConnectAsync();
        var sent = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            sent.Add((await aliceRelay.SendAsync(bob.Name, 2, [(byte)i])).Id);
        }

        var received = await bobRelay.ReceiveAsync(5);
        received.Select(e => e.Id).ShouldBe(sent);
        await bobRelay.AckAsync(sent);
        for (var i = 0; i < 3; i++)
        {
            await aliceRelay.SendAsync(carol.Name, 2, [(byte)i]);
        }

        var after = await metrics.EventuallyAsync(s =>
            s.Sum("parley_secrets_expired_total") >= 1 && s.Sum("parley_envelopes_queue_depth") >= 3 && s.Has("parley_relay_connections"));

        void Moved(string name, double by, params string[] labels) =>
            (after.Sum(name, labels) - before.Sum(name, labels)).ShouldBeGreaterThanOrEqualTo(by, $"{name}{{{string.Join(',', labels)}}}\n{after.Text}");

        Moved("parley_secrets_created_total", 5); // the request's answer counts as answered, not created
        Moved("parley_secrets_opened_total", 1);
        Moved("parley_secrets_open_refused_total", 1, "reason=gone");
        Moved("parley_secrets_open_refused_total", 2, "reason=wrong_passphrase");
        Moved("parley_secrets_open_refused_total", 1, "reason=wrong_access_key");
        Moved("parley_secrets_open_refused_total", 1, "reason=invalid");
        Moved("parley_secrets_burned_total", 1);
        Moved("parley_secrets_destroyed_total", 1);
        Moved("parley_secrets_expired_total", 1);
        Moved("parley_requests_created_total", 1);
        Moved("parley_requests_answered_total", 1);
        Moved("parley_accounts_registered_total", 3);
        Moved("parley_logins_total", 3, "outcome=ok");
        Moved("parley_logins_total", 1, "outcome=failed");
        Moved("parley_messaging_rate_limited_total", 1, "limit=bundle_fetches");
        Moved("parley_http_rate_limited_total", 1, "policy=msg-register");
        Moved("parley_envelopes_queued_total", 8);
        Moved("parley_envelopes_delivered_total", 5);
        Moved("parley_envelopes_acked_total", 5);
        Moved("parley_envelopes_delivery_duration_seconds_count", 5);
        Moved("parley_store_operation_duration_seconds_count", 8, "operation=envelope_enqueue");
        Moved("parley_store_operation_duration_seconds_count", 1, "operation=envelope_ack");
        Moved("parley_store_operation_duration_seconds_count", 5, "operation=secret_create");
        Moved("parley_store_operation_duration_seconds_count", 1, "operation=secret_claim");
        Moved("http_server_request_duration_seconds_count", 20);
        after.Sum("parley_envelopes_queue_depth").ShouldBe(3);
        after.Sum("parley_relay_connections").ShouldBe(2);
        after.Sum("parley_relay_online_users").ShouldBe(2);
        after.Sum("parley_node_ready").ShouldBe(1);
        after.Sum("parley_node_draining").ShouldBe(0);
        after.Has("dotnet_gc_collections_total").ShouldBeTrue("the runtime's meter is exported");
        after.Has("kestrel_active_connections").ShouldBeTrue("Kestrel's meter is exported");
        // The per-request framework instruments nobody alerts on are dropped (each costs every request a recording).
        foreach (var dropped in new[] { "aspnetcore_routing_match_attempts", "aspnetcore_rate_limiting_request_lease_duration",
            "aspnetcore_rate_limiting_active_request_leases", "aspnetcore_rate_limiting_queued_requests",
            "aspnetcore_rate_limiting_requests", "http_server_active_requests" })
        {
            after.Samples.ShouldNotContain(s => s.Name.StartsWith(dropped, StringComparison.Ordinal), dropped);
        }

        // Privacy and cardinality: no id, token or username anywhere; no address in any label; Parley's series
        // carry only their fixed tag keys.
        foreach (var word in secretWords)
        {
            after.Text.ShouldNotContain(word, Case.Sensitive);
        }

        foreach (var sample in after.Samples)
        {
            foreach (var (key, value) in sample.Labels)
            {
                IPv4().IsMatch(value).ShouldBeFalse($"{sample.Name} {key}=\"{value}\" looks like an address");
                value.ShouldNotContain("::", Case.Sensitive, $"{sample.Name} {key}=\"{value}\" looks like an address");
            }

            if (sample.Name.StartsWith("parley_", StringComparison.Ordinal))
            {
                sample.Labels.Keys.ShouldAllBe(k => ParleyLabelKeys.Contains(k), sample.Name);
            }
        }
    }

    [Fact]
    public async Task Only_the_metrics_port_answers_metrics_and_it_answers_nothing_else_not_even_through_nginx()
    {
        var settings = MessagingServer.Defaults();
        settings["Parley:Storage:Provider"] = "memory";
        using var metrics = MetricsEndpoint.Enable(settings);
        var metricsPort = metrics.Port;
        await using var server = await ServerProcess.StartAsync(settings, cancellationToken: TestContext.Current.CancellationToken);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var ct = TestContext.Current.CancellationToken;

        (await http.GetAsync(new Uri(server.BaseUrl, "metrics"), ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await http.GetAsync(new Uri($"http://127.0.0.1:{metricsPort}/api/config"), ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await http.GetAsync(new Uri($"http://127.0.0.1:{metricsPort}/livez"), ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        using var scrape = await http.GetAsync(new Uri($"http://127.0.0.1:{metricsPort}/metrics"), ct);
        scrape.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await scrape.Content.ReadAsStringAsync(ct)).ShouldContain("parley_node_draining");

        // The shipped nginx configuration in front of the node does not publish it either.
        await using var front = await NginxFront.StartAsync([server.BaseUrl]);
        using var certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(front.CertificateFile);
        var hash = certificate.GetCertHashString();
        using var viaProxy = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, presented, _, _) => presented?.GetCertHashString() == hash },
        });
        (await viaProxy.GetAsync(new Uri(front.Url, "readyz"), ct)).StatusCode.ShouldBe(HttpStatusCode.OK, "the proxy reaches the node");
        (await viaProxy.GetAsync(new Uri(front.Url, "metrics"), ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Metrics_are_off_by_default_and_a_scrape_address_on_the_api_port_is_refused()
    {
        var ct = TestContext.Current.CancellationToken;
        await using (var plain = await ServerProcess.StartAsync(new Dictionary<string, string?> { ["Parley:Storage:Provider"] = "memory" }, cancellationToken: ct))
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            (await http.GetAsync(new Uri(plain.BaseUrl, "metrics"), ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        }

        // The scrape address on the API's own port (urls given last wins): the server says why and does not start.
        var apiPort = ServerProcess.FreePort();
        var failure = await Should.ThrowAsync<InvalidOperationException>(() => ServerProcess.StartAsync(new Dictionary<string, string?>
        {
            ["urls"] = $"http://127.0.0.1:{apiPort}",
            ["Parley:Storage:Provider"] = "memory",
            ["Parley:Metrics:Enabled"] = "true",
            ["Parley:Metrics:Url"] = $"http://0.0.0.0:{apiPort}",
        }, cancellationToken: ct));
        failure.Message.ShouldContain("Parley:Metrics:Url needs a port of its own");

        var malformed = await Should.ThrowAsync<InvalidOperationException>(() => ServerProcess.StartAsync(new Dictionary<string, string?>
        {
            ["Parley:Storage:Provider"] = "memory",
            ["Parley:Metrics:Enabled"] = "true",
            ["Parley:Metrics:Url"] = "https://127.0.0.1:9464/metrics",
        }, cancellationToken: ct));
        malformed.Message.ShouldContain("Parley:Metrics:Url must be plain http with a port and no path");
    }

    private static async Task<HttpStatusCode> OpenRawAsync(HttpClient http, string id, string accessKey)
    {
        using var response = await http.PostAsJsonAsync(new Uri($"api/secrets/{id}/open", UriKind.Relative),
            new OpenSecretRequest(accessKey, null), Parley.Contracts.ParleyJsonContext.Default.OpenSecretRequest, TestContext.Current.CancellationToken);
        return response.StatusCode;
    }

    private static string RandomKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [GeneratedRegex(@"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b")]
    private static partial Regex IPv4();
}
