namespace Parley.Cli.Tests.Messaging;

/// <summary>Someone else's text never steers the reader's terminal.</summary>
public sealed class TerminalSafetyTests(MessagingServerFixture fixture) : IClassFixture<MessagingServerFixture>, IDisposable
{
    private readonly CliUser _alice = new("alice", fixture.Url);
    private readonly CliUser _bob = new("bob", fixture.Url);

    public void Dispose()
    {
        _alice.Dispose();
        _bob.Dispose();
    }

    [Fact]
    public async Task Escape_sequences_and_direction_overrides_in_a_message_are_shown_as_replacement_characters()
    {
        await _alice.RegisterAsync();
        await _bob.RegisterAsync();
        const string hostile = "\u001b[2J\u001b[1;31mparley: WARNING fake\u0007 \u202Egnp.exe\u202C family: 👨\u200D👩\u200D👧";
        await _bob.OkAsync("send", _alice.Name, hostile);

        foreach (var command in new[] { new[] { "inbox" }, ["history", _bob.Name] })
        {
            var shown = (await _alice.OkAsync(command)).Stdout;
            shown.ShouldNotContain("\u001b");
            shown.ShouldNotContain("\u0007");
            shown.ShouldNotContain("\u202E");
            shown.ShouldContain("\uFFFD[2J\uFFFD[1;31mparley: WARNING fake");
            shown.ShouldContain("👨\u200D👩\u200D👧");
        }

        // --json carries the exact text, escaped by JSON, for programs that want it
        var json = CliUser.Lines(await _alice.OkAsync("history", _bob.Name, "--json"));
        json.Single().GetProperty("text").GetString().ShouldBe(hostile);
    }
}
