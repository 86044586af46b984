using System.Net;
using Parley.Messaging.Tests.Support;

namespace Parley.Messaging.Tests;

/// <summary>
/// Two nodes share PostgreSQL and a Redis of the test's own; the sender is on one node, the recipient's
/// open socket on the other. Redis is killed in the middle of a relay run and a secrets run, then
/// started again. While it is away both nodes' <c>/readyz</c> say <c>redis</c>, sends are still
/// acknowledged (the store is the source of truth) and secrets work; once it is back, every envelope
/// acknowledged meanwhile reaches the recipient's socket without a reconnect (the nodes read their
/// queues again: wake-ups published while Redis was away are lost), and no secret was opened twice.
/// </summary>
public sealed class RedisRestartTests
{
    [Fact]
    public async Task A_redis_restart_mid_run_loses_no_envelope_and_needs_no_reconnect()
    {
        using var redis = RedisProcess.Start();
        await using var database = await PostgresTestDatabase.CreateAsync();
        var settings = MessagingServer.Defaults();
        settings["Parley:Storage:Provider"] = "postgres";
        settings["Parley:Storage:PostgresConnectionString"] = database.ConnectionString;
        settings["Parley:Messaging:Redis"] = redis.Configuration;
        settings["Parley:Secrets:CreatePerMinute"] = "0";
        await using var nodeA = await ServerProcess.StartAsync(settings, cancellationToken: TestContext.Current.CancellationToken);
        await using var nodeB = await ServerProcess.StartAsync(settings, cancellationToken: TestContext.Current.CancellationToken);
        using var httpA = new HttpClient { BaseAddress = nodeA.BaseUrl, Timeout = TimeSpan.FromSeconds(10) };
        using var httpB = new HttpClient { BaseAddress = nodeB.BaseUrl, Timeout = TimeSpan.FromSeconds(10) };
        await using var run = await FaultRun.StartAsync(nodeA.BaseUrl, nodeB.BaseUrl);
        await run.WaitForSuccessesAsync(0, 50);

        redis.Kill();
        var outage = System.Diagnostics.Stopwatch.StartNew();
        (await ReadinessProbe.EventuallyAsync(httpA, HttpStatusCode.ServiceUnavailable)).ShouldBe("redis");
        (await ReadinessProbe.EventuallyAsync(httpB, HttpStatusCode.ServiceUnavailable)).ShouldBe("redis");
        var acknowledgedBeforeOutage = run.Acknowledged.Count;
        await run.WaitForSuccessesAsync(run.Successes, 100); // the store still takes sends and secrets
        run.Acknowledged.Count.ShouldBeGreaterThan(acknowledgedBeforeOutage);
        // Longer than StackExchange.Redis holds commands queued while disconnected (its 5 s timeout):
        // the wake-ups published meanwhile are then lost for good, as in a real outage.
        await Task.Delay(TimeSpan.FromSeconds(8) - outage.Elapsed is { Ticks: > 0 } rest ? rest : TimeSpan.Zero, TestContext.Current.CancellationToken);

        redis.StartAgain();
        (await ReadinessProbe.EventuallyAsync(httpA, HttpStatusCode.OK)).ShouldBeNull();
        (await ReadinessProbe.EventuallyAsync(httpB, HttpStatusCode.OK)).ShouldBeNull();
        await run.WaitForSuccessesAsync(run.Successes, 50);
        await run.StopAndDrainAsync();

        run.Unclean.ShouldBeEmpty();
        await run.ShouldHaveOpenedEverySecretAtMostOnceAsync();
        nodeA.Output.ShouldNotContain("Unhandled");
        nodeB.Output.ShouldNotContain("Unhandled");
    }
}
