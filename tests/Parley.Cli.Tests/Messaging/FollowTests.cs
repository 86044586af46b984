using System.Text.Json;
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

        using var follow = FollowingProcess.Start(_alice, "inbox", "--follow", how);
        (await bob.SendTypingAsync(ConversationId.Direct(_alice.Name), true)).ShouldBeTrue();
        (await bob.MarkReadAsync(ConversationId.Direct(_alice.Name))).ShouldBe(1);
        (await bob.SendTypingAsync(ConversationId.Direct(_alice.Name), false)).ShouldBeTrue();

        var conversation = ConversationId.Direct(_bob.Name);
        if (how == "--json")
        {
            var lines = await follow.WaitForLinesAsync(l => l.Count(x => x.Contains("\"typing\"", StringComparison.Ordinal)) >= 2 && l.Any(x => x.Contains("\"read\"", StringComparison.Ordinal)));
            var events = lines.Select(l => JsonDocument.Parse(l).RootElement).Where(e => e.GetProperty("type").GetString() is "typing" or "read").ToList();
            events.Select(e => e.GetRawText()).ShouldBe([
                $$"""{"type":"typing","conversation":"{{conversation}}","user":"{{_bob.Name}}","typing":true}""",
                $$"""{"type":"read","conversation":"{{conversation}}","id":"{{uid}}","readBy":["{{_bob.Name}}"]}""",
                $$"""{"type":"typing","conversation":"{{conversation}}","user":"{{_bob.Name}}","typing":false}""",
            ]);
        }
        else
        {
            var lines = await follow.WaitForLinesAsync(l => l.Any(x => x.Contains("stopped typing", StringComparison.Ordinal)));
            lines.ShouldContain($"{conversation}: {_bob.Name} is typing");
            lines.ShouldContain($"{conversation}: message {uid} read by {_bob.Name}");
            lines.ShouldContain($"{conversation}: {_bob.Name} stopped typing");
        }

        // neither went into alice's history: it holds the one message, now marked read
        follow.Stop();
        var history = CliUser.Lines(await _alice.OkAsync("history", _bob.Name, "--json"));
        history.ShouldHaveSingleItem().GetProperty("text").GetString().ShouldBe("did you read this?");
    }
}
