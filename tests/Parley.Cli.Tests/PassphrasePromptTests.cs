using System.Text.RegularExpressions;

namespace Parley.Cli.Tests;

/// <summary>
/// The interactive path: parley on a real pseudo-terminal (util-linux <c>script</c>), a person typing
/// the passphrase at the prompt. What is typed must never be echoed.
/// </summary>
public sealed partial class PassphrasePromptTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string Typed = "typed-at-the-prompt-9f";

    [Fact]
    public async Task Create_and_open_prompt_for_the_passphrase_without_echo()
    {
        var create = await RunOnTerminalAsync(["--server", fixture.Url, "secret", "create", "--text", "prompted secret", "--passphrase"],
            ["Passphrase:", "Repeat passphrase:"]);
        create.Output.ShouldNotContain(Typed);
        create.ExitCode.ShouldBe(0, create.Output);
        var share = ShareLink().Match(create.Output).Value;
        share.ShouldNotBeEmpty(create.Output);

        var open = await RunOnTerminalAsync(["secret", "open", share], ["Passphrase:"]);
        open.ExitCode.ShouldBe(0, open.Output);
        open.Output.ShouldNotContain(Typed);
        open.Output.ShouldContain("prompted secret");
    }

    [Fact]
    public async Task Two_different_passphrases_at_the_prompt_are_refused()
    {
        var create = await RunOnTerminalAsync(["--server", fixture.Url, "secret", "create", "--text", "x", "--passphrase"],
            ["Passphrase:", "Repeat passphrase:"], second: "something else");
        create.ExitCode.ShouldBe(2, create.Output);
        create.Output.ShouldContain("differ");
    }

    private static Task<(int ExitCode, string Output)> RunOnTerminalAsync(string[] args, string[] prompts, string? second = null) =>
        CliProcess.RunOnTerminalAsync(args, [.. prompts.Select((p, i) => (p, i == 1 && second is not null ? second : Typed))]);

    [GeneratedRegex(@"http://[^\s]+/s/[A-Za-z0-9_-]{22}#[A-Za-z0-9_-]{43}")]
    private static partial Regex ShareLink();
}
