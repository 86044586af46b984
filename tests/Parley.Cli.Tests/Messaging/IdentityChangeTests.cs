namespace Parley.Cli.Tests.Messaging;

/// <summary>A contact's identity key changes: the receiver is warned and cannot send until they accept the new key.</summary>
public sealed class IdentityChangeTests(MessagingServerFixture fixture) : IClassFixture<MessagingServerFixture>, IDisposable
{
    private readonly CliUser _alice = new("alice", fixture.Url);
    private readonly CliUser _bob = new("bob", fixture.Url);

    public void Dispose()
    {
        _alice.Dispose();
        _bob.Dispose();
    }

    [Fact]
    public async Task A_changed_key_warns_the_receiver_and_blocks_sending_until_trusted()
    {
        await _alice.RegisterAsync();
        await _bob.RegisterAsync();
        await _alice.OkAsync("send", _bob.Name, "hi bob");
        await _bob.OkAsync("inbox");
        await _bob.OkAsync("send", _alice.Name, "hi alice");
        await _alice.OkAsync("inbox");
        await _alice.OkAsync("verify", _bob.Name, "--mark-verified", "--no-qr");

        // bob starts over: a new account under the same name, with a new identity key
        await _bob.OkAsync("unregister", "--yes");
        await _bob.RegisterAsync();
        await _bob.OkAsync("send", _alice.Name, "it's me, with a new phone");

        var inbox = await _alice.OkAsync("inbox");
        inbox.Stdout.ShouldContain("it's me, with a new phone");
        inbox.Stderr.ShouldContain($"{_bob.Name}'s safety number has changed");
        inbox.Stdout.ShouldContain("safety number has changed");

        var refused = await _alice.RunAsync("send", _bob.Name, "are you really bob?");
        refused.ExitCode.ShouldBe(18, refused.ToString());
        refused.Stderr.ShouldContain($"parley contacts trust {_bob.Name}");
        (await _alice.OkAsync("contacts", "list")).Stdout.ShouldContain("KEY CHANGED");
        (await _alice.OkAsync("verify", _bob.Name, "--no-qr")).Stdout.ShouldContain("not verified");

        await _alice.OkAsync("contacts", "trust", _bob.Name);
        await _alice.OkAsync("send", _bob.Name, "welcome back");
        CliUser.Texts(await _bob.InboxAsync()).ShouldBe(["welcome back"]);
    }
}
