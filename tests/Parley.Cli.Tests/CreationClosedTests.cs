using Parley.Testing;

namespace Parley.Cli.Tests;

public sealed class CreationClosedTests
{
    [Fact]
    public async Task A_server_closed_for_creation_exits_12()
    {
        var settings = ServerFixture.Settings();
        settings["Parley:Secrets:CreationOpen"] = "false";
        await using var server = await ServerProcess.StartAsync(settings, cancellationToken: TestContext.Current.CancellationToken);
        var result = await CliProcess.RunAsync("--server", server.BaseUrl.ToString(), "secret", "create", "--text", "x");
        result.ShouldBeOneLineError(12);
        result.Stderr.ShouldContain("does not accept");
    }
}
