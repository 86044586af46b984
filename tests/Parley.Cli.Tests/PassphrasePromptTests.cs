using System.Diagnostics;
using System.Text;
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
        if (!File.Exists("/usr/bin/script"))
        {
            Assert.Skip("util-linux 'script' is not installed");
        }

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
        if (!File.Exists("/usr/bin/script"))
        {
            Assert.Skip("util-linux 'script' is not installed");
        }

        var create = await RunOnTerminalAsync(["--server", fixture.Url, "secret", "create", "--text", "x", "--passphrase"],
            ["Passphrase:", "Repeat passphrase:"], second: "something else");
        create.ExitCode.ShouldBe(2, create.Output);
        create.Output.ShouldContain("differ");
    }

    private static async Task<(int ExitCode, string Output)> RunOnTerminalAsync(string[] args, string[] prompts, string? second = null)
    {
        var command = "dotnet " + string.Join(' ', new[] { CliProcess.DllPath }.Concat(args).Select(Quote));
        var start = new ProcessStartInfo("script", ["-q", "-f", "-e", "-c", command, "/dev/null"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment.Remove("PARLEY_PASSPHRASE");
        start.Environment.Remove("PARLEY_SERVER");
        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        var reader = Task.Run(async () =>
        {
            var buffer = new char[1024];
            int n;
            while ((n = await process.StandardOutput.ReadAsync(buffer)) > 0)
            {
                lock (output)
                {
                    output.Append(buffer, 0, n);
                }
            }
        });
        _ = process.StandardError.ReadToEndAsync();

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var answered = 0;
        foreach (var prompt in prompts)
        {
            var expected = prompts.Take(answered + 1).Count(p => p == prompt);
            while (true)
            {
                string text;
                lock (output)
                {
                    text = output.ToString();
                }

                if (CountOf(text, prompt) >= expected || process.HasExited)
                {
                    break;
                }

                await Task.Delay(50, cts.Token);
            }

            // The prompt is written just before the CLI's no-echo read starts; what a person types in
            // that instant is echoed by the terminal itself (type-ahead). On a loaded machine the gap can
            // be long, so give the read time to start, as a person reading the prompt would.
            await Task.Delay(500, cts.Token);
            var answer = answered == 1 && second is not null ? second : Typed;
            await process.StandardInput.WriteAsync(answer + "\r");
            await process.StandardInput.FlushAsync();
            answered++;
        }

        await process.WaitForExitAsync(cts.Token);
        await reader;
        process.StandardInput.Close();
        lock (output)
        {
            return (process.ExitCode, output.ToString());
        }
    }

    private static int CountOf(string text, string prompt)
    {
        // "Repeat passphrase:" also contains "passphrase:"; prompts are matched case-sensitively at their start.
        var count = 0;
        for (var i = text.IndexOf(prompt, StringComparison.Ordinal); i >= 0; i = text.IndexOf(prompt, i + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    [GeneratedRegex(@"http://[^\s]+/s/[A-Za-z0-9_-]{22}#[A-Za-z0-9_-]{43}")]
    private static partial Regex ShareLink();
}
