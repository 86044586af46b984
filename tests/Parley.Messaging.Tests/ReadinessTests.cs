using System.Diagnostics;
using System.Net;
using Parley.Client.Messaging;
using Parley.Messaging.Tests.Support;
using Parley.Testing;

namespace Parley.Messaging.Tests;

/// <summary>
/// <c>/readyz</c> as a load balancer sees it, on a real server process with its own Redis: it follows
/// Redis going away and coming back, and after SIGTERM the node drains (not ready, relay sockets closed
/// and refused, still answering) before it exits cleanly. Its readiness metrics follow the same states.
/// </summary>
public sealed class ReadinessTests
{
    [Fact]
    public async Task Readyz_follows_redis_and_sigterm_drains_the_node_before_it_exits()
    {
        using var redis = RedisProcess.Start();
        var settings = MessagingServer.Defaults();
        settings["Parley:Storage:Provider"] = "sqlite";
        settings["Parley:Messaging:Redis"] = redis.Configuration;
        settings["Parley:Health:DrainSeconds"] = "6"; // room for the checks below on a loaded machine
        using var metrics = MetricsEndpoint.Enable(settings);
        await using var node = await ServerProcess.StartAsync(settings, cancellationToken: TestContext.Current.CancellationToken);
        using var http = new HttpClient { BaseAddress = node.BaseUrl, Timeout = TimeSpan.FromSeconds(5) };
        (await ReadinessProbe.ReadyAsync(http)).ShouldBe((HttpStatusCode.OK, null));
        (await ReadinessGaugesAsync(metrics, ready: 1, draining: 0)).ShouldBe((1, 0));

        // Redis goes away: not ready, naming it; alive all the same. It comes back: ready again.
        redis.Kill();
        (await ReadinessProbe.EventuallyAsync(http, HttpStatusCode.ServiceUnavailable)).ShouldBe("redis");
        (await ReadinessGaugesAsync(metrics, ready: 0, draining: 0)).ShouldBe((0, 0), "the metric follows /readyz");
        (await http.GetAsync(new Uri("livez", UriKind.Relative), TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.OK);
        redis.StartAgain();
        (await ReadinessProbe.EventuallyAsync(http, HttpStatusCode.OK)).ShouldBeNull();
        (await ReadinessGaugesAsync(metrics, ready: 1, draining: 0)).ShouldBe((1, 0));

        // A person connected to the relay when SIGTERM arrives.
        await using var alice = await TestUser.CreateAsync(node.BaseUrl);
        await using var relay = await RelayClient.ConnectAsync(node.BaseUrl, alice.Token);
        var terminatedAt = Stopwatch.StartNew();
        node.Terminate();

        (await ReadinessProbe.EventuallyAsync(http, HttpStatusCode.ServiceUnavailable)).ShouldBe("draining");
        (await ReadinessGaugesAsync(metrics, ready: 0, draining: 1)).ShouldBe((0, 1), "a draining node says so in its metrics");
        node.IsRunning.ShouldBeTrue("the node still answers while it drains");
        await relay.Closed.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        var refused = await Should.ThrowAsync<MessagingApiException>(() => RelayClient.ConnectAsync(node.BaseUrl, alice.Token));
        refused.Message.ShouldNotBeNullOrEmpty();
        (await ReadinessProbe.ReadyAsync(http)).ShouldBe((HttpStatusCode.ServiceUnavailable, "draining"));

        (await node.WaitForExitAsync(TimeSpan.FromSeconds(30))).ShouldBe(0, "a drained node exits cleanly");
        terminatedAt.Elapsed.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(5.5), "it waited the drain period before stopping");
    }

    /// <summary>parley_node_ready and parley_node_draining once they read as expected (readiness is sampled every 5 s), or as they last read.</summary>
    private static async Task<(double Ready, double Draining)> ReadinessGaugesAsync(MetricsEndpoint metrics, double ready, double draining)
    {
        var scrape = await metrics.EventuallyAsync(s => s.Sum("parley_node_ready") == ready && s.Sum("parley_node_draining") == draining);
        return (scrape.Sum("parley_node_ready"), scrape.Sum("parley_node_draining"));
    }
}
