using System.Net;
using Parley.Messaging.Tests.Support;

namespace Parley.Messaging.Tests;

/// <summary>
/// PostgreSQL of the test's own is stopped in the middle of a secrets run and a relay run, then
/// started again. While it is down every request is refused cleanly (503 node-unavailable, over REST
/// and the relay socket, never a 500 or a hang) and <c>/readyz</c> says <c>store</c>; once it is back
/// the same server process (no restart) answers again, every acknowledged envelope reaches the
/// recipient's open socket, and no single-view secret was opened twice.
/// </summary>
public sealed class PostgresRestartTests
{
    [Fact]
    public async Task A_postgres_restart_mid_run_is_refused_cleanly_and_the_node_recovers_by_itself()
    {
        using var postgres = PostgresProcess.Start();
        var settings = MessagingServer.Defaults();
        settings["Parley:Storage:Provider"] = "postgres";
        settings["Parley:Storage:PostgresConnectionString"] = postgres.ConnectionString + ";Timeout=5";
        settings["Parley:Secrets:CreatePerMinute"] = "0";
        await using var node = await ServerProcess.StartAsync(settings, cancellationToken: TestContext.Current.CancellationToken);
        var pid = node.Pid;
        using var http = new HttpClient { BaseAddress = node.BaseUrl, Timeout = TimeSpan.FromSeconds(10) };
        await using var run = await FaultRun.StartAsync(node.BaseUrl, node.BaseUrl);
        await run.WaitForSuccessesAsync(0, 50);

        postgres.Stop();
        (await ReadinessProbe.EventuallyAsync(http, HttpStatusCode.ServiceUnavailable)).ShouldBe("store");
        await run.WaitForRefusalsAsync(20);

        postgres.StartAgain();
        (await ReadinessProbe.EventuallyAsync(http, HttpStatusCode.OK)).ShouldBeNull();
        await run.WaitForSuccessesAsync(run.Successes, 50);
        await run.StopAndDrainAsync();

        run.Unclean.ShouldBeEmpty();
        run.CleanRefusals.Keys.ShouldBe([Parley.Contracts.ProblemTypes.NodeUnavailable]);
        await run.ShouldHaveOpenedEverySecretAtMostOnceAsync();
        node.Pid.ShouldBe(pid, "the node recovered without a restart");
        node.Output.ShouldNotContain("Unhandled");
        node.Output.ShouldNotContain("Hub call");
    }
}
