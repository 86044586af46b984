using Parley.Client.Messenger;

namespace Parley.Cli.Tests.Messaging;

/// <summary><c>parley inbox --follow</c> as a long-running process: what it prints as events arrive.</summary>
public sealed class FollowTests(MessagingServerFixture fixture) : IClassFixture<MessagingServerFixture>, IDisposable
{
    private readonly CliUser _alice = new("alice", fixture.Url);
    private readonly CliUser _bob = new("bob", fixture.Url);

    public void Dispose()
    {
        _alice.Dispose();
        _bob.Dispose();
    }

    [Theory]
    [InlineData("--json")]
    [InlineData("--verbose")]
    public async Task Inbox_follow_shows_when_the_other_side_types_and_reads(string how)
    {
        await Task.WhenAll(_alice.RegisterAsync(), _bob.RegisterAsync());
        var sent = CliUser.Lines(await _alice.OkAsync("send", _bob.Name, "did you read this?", "--json")).Single();
        var uid = sent.GetProperty("id").GetString()!;
        await using var bob = _bob.OpenInProcess();
        (await bob.ReceivePendingAsync()).OfType<MessageReceived>().ShouldHaveSingleItem();

        using var follow = new LongRunningCli(["inbox", "--follow", how], _alice.Environment());
        (await bob.SendTypingAsync(ConversationId.Direct(_alice.Name), true)).ShouldBeTrue();
        (await bob.MarkReadAsync(ConversationId.Direct(_alice.Name))).ShouldBe(1);
        (await bob.SendTypingAsync(ConversationId.Direct(_alice.Name), false)).ShouldBeTrue();

        // what alice's process prints about them, in the order bob sent them
        var conversation = ConversationId.Direct(_bob.Name);
        string[] expected = how == "--json"
            ?
            [
                $$"""{"type":"typing","conversation":"{{conversation}}","user":"{{_bob.Name}}","typing":true}""",
                $$"""{"type":"read","conversation":"{{conversation}}","id":"{{uid}}","readBy":["{{_bob.Name}}"]}""",
                $$"""{"type":"typing","conversation":"{{conversation}}","user":"{{_bob.Name}}","typing":false}""",
            ]
            : [$"{conversation}: {_bob.Name} is typing", $"{conversation}: message {uid} read by {_bob.Name}", $"{conversation}: {_bob.Name} stopped typing"];
        var shown = new List<string>();
        while (shown.Count < expected.Length)
        {
            shown.Add(await follow.WaitForLineAsync(l => l.Contains("typing", StringComparison.Ordinal) || l.Contains("read", StringComparison.Ordinal)));
        }

        shown.ShouldBe(expected);

        // neither went into alice's history: it holds the one message, now marked read
        await follow.StopAsync();
        var history = CliUser.Lines(await _alice.OkAsync("history", _bob.Name, "--json"));
        history.ShouldHaveSingleItem().GetProperty("text").GetString().ShouldBe("did you read this?");
    }
}
