using System.Diagnostics;
using System.Net;
using Parley.Client.Messaging;
using Parley.Messaging.Tests.Support;
using Parley.Testing;

namespace Parley.Messaging.Tests;

/// <summary>
/// <c>/readyz</c> as a load balancer sees it, on a real server process with its own Redis: it follows
/// Redis going away and coming back, and after SIGTERM the node drains (not ready, relay sockets closed
/// and refused, still answering) before it exits cleanly.
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
        settings["Parley:Health:DrainSeconds"] = "4";
        await using var node = await ServerProcess.StartAsync(settings, cancellationToken: TestContext.Current.CancellationToken);
        using var http = new HttpClient { BaseAddress = node.BaseUrl, Timeout = TimeSpan.FromSeconds(5) };
        (await ReadinessProbe.ReadyAsync(http)).ShouldBe((HttpStatusCode.OK, null));

        // Redis goes away: not ready, naming it; alive all the same. It comes back: ready again.
        redis.Kill();
        (await ReadinessProbe.EventuallyAsync(http, HttpStatusCode.ServiceUnavailable)).ShouldBe("redis");
        (await http.GetAsync(new Uri("livez", UriKind.Relative), TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.OK);
        redis.StartAgain();
        (await ReadinessProbe.EventuallyAsync(http, HttpStatusCode.OK)).ShouldBeNull();

        // A person connected to the relay when SIGTERM arrives.
        await using var alice = await TestUser.CreateAsync(node.BaseUrl);
        await using var relay = await RelayClient.ConnectAsync(node.BaseUrl, alice.Token);
        var terminatedAt = Stopwatch.StartNew();
        node.Terminate();

        (await ReadinessProbe.EventuallyAsync(http, HttpStatusCode.ServiceUnavailable)).ShouldBe("draining");
        node.IsRunning.ShouldBeTrue("the node still answers while it drains");
        await relay.Closed.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        var refused = await Should.ThrowAsync<MessagingApiException>(() => RelayClient.ConnectAsync(node.BaseUrl, alice.Token));
        refused.Message.ShouldNotBeNullOrEmpty();
        (await ReadinessProbe.ReadyAsync(http)).ShouldBe((HttpStatusCode.ServiceUnavailable, "draining"));

        (await node.WaitForExitAsync(TimeSpan.FromSeconds(30))).ShouldBe(0, "a drained node exits cleanly");
        terminatedAt.Elapsed.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(3.5), "it waited the drain period before stopping");
    }
}
