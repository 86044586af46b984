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
        using var follower = await _alice.FollowAsync(); // it holds the profile and is connected
        try
        {
            var refused = await _alice.RunAsync("send", _bob.Name, "from a second process");
            refused.ExitCode.ShouldBe(15, refused.ToString());
            refused.Stderr.ShouldContain("in use by another parley process");

            // the follower still works: a message to alice shows up in its stream
            await _bob.OkAsync("send", _alice.Name, "to the follower");
            await CliUser.ReadUntilAsync(follower, l => l.TryGetProperty("text", out var t) && t.GetString() == "to the follower");
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
