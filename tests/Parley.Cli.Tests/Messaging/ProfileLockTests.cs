using System.Diagnostics;

namespace Parley.Cli.Tests.Messaging;

/// <summary>One process per profile: a second <c>parley</c> on a profile in use is refused cleanly, and works once the first is gone.</summary>
public sealed class ProfileLockTests(MessagingServerFixture fixture) : IClassFixture<MessagingServerFixture>, IDisposable
{
    private readonly CliUser _alice = new("alice", fixture.Url);
    private readonly CliUser _bob = new("bob", fixture.Url);

    public void Dispose()
    {
        _alice.Dispose();
        _bob.Dispose();
    }

    [Fact]
    public async Task A_second_process_on_a_profile_in_use_exits_15_and_changes_nothing()
    {
        await _alice.RegisterAsync();
        await _bob.RegisterAsync();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(CliProcess.DllPath);
        start.ArgumentList.Add("inbox");
        start.ArgumentList.Add("--follow");
        start.ArgumentList.Add("--json");
        foreach (var (k, v) in _alice.Environment())
        {
            start.Environment[k] = v;
        }

        using var follower = Process.Start(start)!;
        try
        {
            // wait until the follower holds the profile and is connected
            var line = await follower.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            line.ShouldNotBeNull().ShouldContain("\"connection\"");

            var refused = await _alice.RunAsync("send", _bob.Name, "from a second process");
            refused.ExitCode.ShouldBe(15, refused.ToString());
            refused.Stderr.ShouldContain("in use by another parley process");

            // the follower still works: a message to alice shows up in its stream
            await _bob.OkAsync("send", _alice.Name, "to the follower");
            while (await follower.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)) is { } next)
            {
                if (next.Contains("to the follower", StringComparison.Ordinal))
                {
                    break;
                }
            }
        }
        finally
        {
            follower.Kill(entireProcessTree: true);
            await follower.WaitForExitAsync();
        }

        (await _alice.OkAsync("history", _bob.Name)).Stdout.ShouldContain("to the follower");
        (await _alice.OkAsync("history", _bob.Name)).Stdout.ShouldNotContain("from a second process");
    }
}
