using System.Text;
using System.Text.Json;
using Parley.Client.Secrets;

namespace Parley.Cli.Tests;

/// <summary>Request-a-secret with the real <c>parley</c> process against a real server process over loopback HTTP.</summary>
public sealed class CliRequestTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IDisposable
{
    private readonly string _folder = CliTestSupport.TempFolder();

    private string Url => fixture.Url;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static Task<CliResult> Run(params string[] args) => CliProcess.RunAsync(args);

    /// <summary>Runs <c>secret request --json</c>; returns the request link and the private link.</summary>
    private async Task<(string Send, string Private)> RequestAsync(params string[] more)
    {
        var result = await Run(["secret", "request", "--server", Url, "--json", .. more]);
        result.ExitCode.ShouldBe(0, result.ToString());
        using var json = JsonDocument.Parse(result.StdoutBytes);
        return (json.RootElement.GetProperty("requestLink").GetString()!, json.RootElement.GetProperty("privateLink").GetString()!);
    }

    private async Task<string> StateAsync(string privateLink)
    {
        var status = await Run("secret", "status", privateLink, "--json");
        status.ExitCode.ShouldBe(0, status.ToString());
        return JsonDocument.Parse(status.StdoutBytes).RootElement.GetProperty("state").GetString()!;
    }

    [Fact]
    public async Task A_text_answer_is_opened_once_with_the_private_link_then_reports_already_opened()
    {
        var request = await Run("secret", "request", "--server", Url, "--label", "VPN password for ACME");
        request.ExitCode.ShouldBe(0, request.ToString());
        var (send, privateLink) = (request.StdoutLines[0], request.StdoutLines[1]);
        request.StdoutLines.Length.ShouldBe(2, request.ToString());
        send.ShouldStartWith(Url + "/r/");
        privateLink.ShouldStartWith(send[..send.IndexOf('#', StringComparison.Ordinal)] + "/answer#");
        request.Stderr.ShouldContain("Request link");
        request.Stderr.ShouldContain("Private link");
        (await StateAsync(privateLink)).ShouldBe("waiting");

        var respond = await Run("secret", "respond", send, "--text", "the VPN password is hunter2");
        respond.ExitCode.ShouldBe(0, respond.ToString());
        respond.Stderr.ShouldContain("VPN password for ACME");
        respond.Stderr.ShouldContain("Sent.");
        (await StateAsync(privateLink)).ShouldBe("answered");

        var open = await Run("secret", "open", privateLink);
        open.ExitCode.ShouldBe(0, open.ToString());
        open.Stdout.ShouldBe("the VPN password is hunter2");
        open.Stderr.ShouldContain("This was the last view: the answer is now gone from the server.");
        open.Stderr.ShouldNotContain("secret");
        (await StateAsync(privateLink)).ShouldBe("opened");

        var again = await Run("secret", "open", privateLink);
        again.ShouldBeOneLineError(4);
        again.Stderr.ShouldContain("the answer to this request was already opened, on ");
        again.Stderr.ShouldNotContain("secret");
    }

    [Fact]
    public async Task Standard_input_text_and_files_are_answered_and_saved_byte_for_byte()
    {
        var (send, privateLink) = await RequestAsync("--expires", "1d");
        var source = Path.Combine(_folder, "src");
        Directory.CreateDirectory(source);
        var contents = new Dictionary<string, byte[]>
        {
            ["contract.pdf"] = CliTestSupport.RandomBytes(200_000),
            ["empty.txt"] = [],
            ["Schlüssel.key"] = Encoding.UTF8.GetBytes("-----BEGIN KEY-----"),
        };
        var args = new List<string> { "secret", "respond", send, "--json", "--text", "-" };
        foreach (var (name, bytes) in contents)
        {
            args.AddRange(["--file", CliTestSupport.WriteFile(source, name, bytes)]);
        }

        var text = "Grüße 🔑\r\nsecond line\n";
        var respond = await CliProcess.RunAsync(args, Encoding.UTF8.GetBytes(text));
        respond.ExitCode.ShouldBe(0, respond.ToString());
        var answered = JsonDocument.Parse(respond.StdoutBytes).RootElement;
        answered.GetProperty("answered").GetBoolean().ShouldBeTrue();
        answered.GetProperty("files").GetInt32().ShouldBe(3);

        var outDir = Path.Combine(_folder, "out");
        var open = await Run("secret", "open", privateLink, "--out", outDir, "--json");
        open.ExitCode.ShouldBe(0, open.ToString());
        var opened = JsonDocument.Parse(open.StdoutBytes).RootElement;
        opened.GetProperty("text").GetString().ShouldBe(text);
        opened.GetProperty("viewsLeft").GetInt32().ShouldBe(0);
        foreach (var (name, bytes) in contents)
        {
            File.ReadAllBytes(Path.Combine(outDir, name)).ShouldBe(bytes, name);
        }

        (await Run("secret", "open", privateLink, "--out", outDir)).ShouldBeOneLineError(4);
    }

    [Fact]
    public async Task A_second_answer_is_refused_with_exit_4_and_the_first_one_is_what_opens()
    {
        var (send, privateLink) = await RequestAsync();
        (await Run("secret", "respond", send, "--text", "first")).ExitCode.ShouldBe(0);

        var second = await Run("secret", "respond", send, "--text", "second");
        second.ShouldBeOneLineError(4);
        second.Stderr.ShouldContain("already answered");

        var open = await Run("secret", "open", privateLink);
        open.ExitCode.ShouldBe(0, open.ToString());
        open.Stdout.ShouldBe("first");
    }

    [Fact]
    public async Task Opening_before_the_answer_exits_13_and_changes_nothing()
    {
        var (send, privateLink) = await RequestAsync();
        var early = await Run("secret", "open", privateLink);
        early.ShouldBeOneLineError(13);
        early.Stderr.ShouldContain("no answer yet");
        (await StateAsync(privateLink)).ShouldBe("waiting");

        (await Run("secret", "respond", send, "--text", "later")).ExitCode.ShouldBe(0);
        (await Run("secret", "open", privateLink)).Stdout.ShouldBe("later");
    }

    [Fact]
    public async Task Damaged_swapped_and_foreign_links_are_refused_and_change_nothing()
    {
        var (send, privateLink) = await RequestAsync();
        var (otherSend, otherPrivate) = await RequestAsync();
        var id = send[(send.IndexOf("/r/", StringComparison.Ordinal) + 3)..send.IndexOf('#', StringComparison.Ordinal)];
        var otherKey = otherPrivate[(otherPrivate.IndexOf('#', StringComparison.Ordinal) + 1)..];
        var otherPublic = otherSend[(otherSend.IndexOf('#', StringComparison.Ordinal) + 1)..];

        var cases = new (string[] Args, int Code, string Says)[]
        {
            (["secret", "respond", send[..^3], "--text", "x"], 9, "damaged"),
            (["secret", "respond", send.Split('#')[0], "--text", "x"], 9, "damaged"),
            (["secret", "respond", privateLink, "--text", "x"], 9, "private link"),
            (["secret", "open", send], 9, "private link"),
            (["secret", "respond", $"{Url}/r/{id}#{otherPublic}", "--text", "x"], 3, "no such request"),
            (["secret", "respond", $"{Url}/r/AAAAAAAAAAAAAAAAAAAAAA#{otherPublic}", "--text", "x"], 3, "no such request"),
            (["secret", "open", $"{Url}/r/{id}/answer#{otherKey}"], 9, "does not match"),
            (["secret", "status", $"{Url}/r/{id}/answer#{otherKey}"], 9, "does not match"),
            (["secret", "destroy", $"{Url}/r/{id}/answer#{otherKey}"], 9, "does not match"),
            (["secret", "respond", send, "--file", Path.Combine(_folder, "missing.bin")], 2, "no such file"),
            (["secret", "respond", send, "--text", ""], 2, "nothing to send"),
            (["secret", "respond"], 2, ""),
        };
        foreach (var (args, code, says) in cases)
        {
            var result = await Run(args);
            result.ShouldBeOneLineError(code);
            result.Stderr.ShouldContain(says, Case.Insensitive, string.Join(' ', args));
        }

        (await StateAsync(privateLink)).ShouldBe("waiting");
        (await StateAsync(otherPrivate)).ShouldBe("waiting");
        (await Run("secret", "respond", send, "--text", "still answerable")).ExitCode.ShouldBe(0);
    }

    [Fact]
    public async Task A_withdrawn_request_takes_no_answer_and_its_unopened_answer_is_gone()
    {
        var (send, privateLink) = await RequestAsync();
        var destroy = await Run("secret", "destroy", privateLink);
        destroy.ExitCode.ShouldBe(0, destroy.ToString());
        (await StateAsync(privateLink)).ShouldBe("destroyed");
        var late = await Run("secret", "respond", send, "--text", "too late");
        late.ShouldBeOneLineError(7);
        late.Stderr.ShouldContain("withdrawn");

        var (send2, private2) = await RequestAsync();
        (await Run("secret", "respond", send2, "--text", "never read")).ExitCode.ShouldBe(0);
        (await Run("secret", "destroy", private2, "--json")).Stdout.ShouldContain("\"destroyed\":true");
        var open = await Run("secret", "open", private2);
        open.ShouldBeOneLineError(7);
        open.Stderr.ShouldContain("withdrawn");
    }

    [Fact]
    public async Task An_expired_request_takes_no_answer()
    {
        var (send, privateLink) = await RequestAsync("--expires", "2s");
        await Task.Delay(TimeSpan.FromSeconds(2.5), TestContext.Current.CancellationToken);
        var late = await Run("secret", "respond", send, "--text", "too late");
        late.ShouldBeOneLineError(6);
        late.Stderr.ShouldContain("expired");
        (await StateAsync(privateLink)).ShouldBe("expired");
    }

    [Fact]
    public async Task Status_shows_the_label_and_when_the_answer_came_and_was_opened()
    {
        var (send, privateLink) = await RequestAsync("--label", "Tax ID");
        (await Run("secret", "respond", send, "--text", "DE123")).ExitCode.ShouldBe(0);
        (await Run("secret", "open", privateLink)).ExitCode.ShouldBe(0);
        var status = await Run("secret", "status", privateLink);
        status.ExitCode.ShouldBe(0, status.ToString());
        status.Stdout.ShouldContain("State:            opened");
        status.Stdout.ShouldContain("Label:            Tax ID");
        status.Stdout.ShouldContain("Answered:");
        status.Stdout.ShouldContain("Opened:");
    }

    [Fact]
    public async Task Request_options_are_checked_before_anything_is_sent()
    {
        var dead = CliTestSupport.DeadServer();
        foreach (var args in new[]
                 {
                     new[] { "--label", "line\nbreak" },
                     ["--label", "   "],
                     ["--label", new string('x', 201)],
                     ["--label", "invoice \u202Efdp.exe"],
                     ["--label", "pay\u200Bpal"],
                     ["--label", "\uFEFFVPN password"],
                     ["--label", "VPN\u2028password"],
                     ["--expires", "soon"],
                 })
        {
            var result = await Run(["secret", "request", "--server", dead, .. args]);
            result.ShouldBeOneLineError(2);
        }

        var offered = await Run("secret", "request", "--server", Url, "--expires", "5m");
        offered.ShouldBeOneLineError(2);
        offered.Stderr.ShouldContain("expiry times");
    }

    [Fact]
    public async Task Qr_prints_the_request_link_as_a_code_and_json_keeps_stdout_parseable()
    {
        var plain = await Run("secret", "request", "--server", Url, "--qr");
        plain.ExitCode.ShouldBe(0, plain.ToString());
        plain.StdoutLines.Length.ShouldBeGreaterThan(10);
        plain.Stdout.ShouldContain("█");

        var json = await Run("secret", "request", "--server", Url, "--qr", "--json", "--label", "x");
        json.ExitCode.ShouldBe(0, json.ToString());
        var root = JsonDocument.Parse(json.StdoutBytes).RootElement;
        root.GetProperty("label").GetString().ShouldBe("x");
        root.GetProperty("id").GetString()!.Length.ShouldBe(SecretFormat.IdSize * 4 / 3 + 1);
        json.Stderr.ShouldContain("█");
    }
}
