namespace Parley.Cli.Tests;

/// <summary>Bad arguments: one line on stderr, a non-zero exit, nothing sent (the server address is dead, so sending would exit 10).</summary>
public sealed class CliUsageTests : IDisposable
{
    private readonly string _folder = CliTestSupport.TempFolder();
    private readonly string _dead = CliTestSupport.DeadServer();

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    public static TheoryData<string, string[]> BadUsage() => new()
    {
        { "unknown option", ["secret", "create", "--bogus"] },
        { "unknown command", ["secret", "frobnicate"] },
        { "no command", ["secret"] },
        { "extra argument", ["secret", "create", "--text", "x", "extra"] },
        { "expiry not a duration", ["secret", "create", "--text", "x", "--expires", "1x"] },
        { "expiry zero", ["secret", "create", "--text", "x", "--expires", "0"] },
        { "expiry negative", ["secret", "create", "--text", "x", "--expires", "-5"] },
        { "expiry absurd", ["secret", "create", "--text", "x", "--expires", "99999999999"] },
        { "views zero", ["secret", "create", "--text", "x", "--views", "0"] },
        { "views negative", ["secret", "create", "--text", "x", "--views", "-1"] },
        { "views not a number", ["secret", "create", "--text", "x", "--views", "many"] },
        { "missing file", ["secret", "create", "--file", "/nonexistent/parley-test"] },
        { "empty text", ["secret", "create", "--text", ""] },
        { "server not http", ["secret", "create", "--text", "x", "--server", "ftp://example.org"] },
        { "server with user", ["secret", "create", "--text", "x", "--server", "http://me@example.org"] },
        { "passphrase without terminal", ["secret", "create", "--text", "x", "--passphrase"] },
        { "passphrase file missing", ["secret", "create", "--text", "x", "--passphrase-file", "/nonexistent/pass"] },
        { "part size too small", ["secret", "create", "--text", "x", "--upload-part-size", "1k"] },
        { "part size not a size", ["secret", "create", "--text", "x", "--upload-part-size", "big"] },
        { "open without link", ["secret", "open"] },
        { "status without link", ["secret", "status"] },
        { "destroy with two links", ["secret", "destroy", "a", "b"] },
    };

    [Theory]
    [MemberData(nameof(BadUsage))]
    public async Task Bad_arguments_give_one_line_and_exit_2_without_sending(string why, string[] args)
    {
        var result = await CliProcess.RunAsync(["--server", _dead, .. args]);
        result.ShouldBeOneLineError(2);
        result.Stderr.ShouldNotContain("Unhandled", Case.Insensitive, why);
    }

    [Fact]
    public async Task A_folder_given_as_a_file_is_refused()
    {
        var result = await CliProcess.RunAsync("--server", _dead, "secret", "create", "--file", _folder);
        result.ShouldBeOneLineError(2);
        result.Stderr.ShouldContain("folder");
    }

    [Fact]
    public async Task Both_passphrase_options_are_refused()
    {
        var file = CliTestSupport.WriteFile(_folder, "pass", "secret pass\n"u8.ToArray());
        var result = await CliProcess.RunAsync("--server", _dead, "secret", "create", "--text", "x", "--passphrase", "--passphrase-file", file);
        result.ShouldBeOneLineError(2);
    }

    [Fact]
    public async Task An_empty_passphrase_file_is_refused()
    {
        var file = CliTestSupport.WriteFile(_folder, "empty", "\n"u8.ToArray());
        var result = await CliProcess.RunAsync("--server", _dead, "secret", "create", "--text", "x", "--passphrase-file", file);
        result.ShouldBeOneLineError(2);
    }

    [Fact]
    public async Task Binary_standard_input_is_refused()
    {
        var result = await CliProcess.RunAsync(["--server", _dead, "secret", "create"], [0xff, 0xfe, 0x00, 0xc3]);
        result.ShouldBeOneLineError(2);
        result.Stderr.ShouldContain("UTF-8");
    }

    [Fact]
    public async Task Out_pointing_at_a_file_is_refused_before_any_request()
    {
        var file = CliTestSupport.WriteFile(_folder, "not-a-folder", [1]);
        var link = $"{_dead}/s/AAAAAAAAAAAAAAAAAAAAAA#AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        var result = await CliProcess.RunAsync("secret", "open", link, "--out", file);
        result.ShouldBeOneLineError(2);
    }

    public static TheoryData<string> DamagedLinks() =>
    [
        "not a link",
        "http://127.0.0.1:1/s/AAAAAAAAAAAAAAAAAAAAAA",
        "http://127.0.0.1:1/s/AAAAAAAAAAAAAAAAAAAAAA#AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "http://127.0.0.1:1/s/AAAAAAAAAAAAAAAAAAAAAA#AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB",
        "http://127.0.0.1:1/s/AAAAAAAAAAAAAAAAAAAAA#AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "http://127.0.0.1:1/m/AAAAAAAAAAAAAAAAAAAAAA#AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "http://127.0.0.1:1/s/AAAAAAAAAAAAAAAAAAAAAA?x=1#AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ];

    [Theory]
    [MemberData(nameof(DamagedLinks))]
    public async Task Damaged_links_exit_9_without_any_request(string link)
    {
        var result = await CliProcess.RunAsync("secret", "open", link);
        result.ShouldBeOneLineError(9);
        if (link.Contains('#', StringComparison.Ordinal))
        {
            result.Stderr.ShouldNotContain(link.Split('#')[1]); // the key is never echoed
        }
    }

    [Fact]
    public async Task A_share_link_given_to_status_is_a_damaged_link()
    {
        var result = await CliProcess.RunAsync("secret", "status", $"{_dead}/s/AAAAAAAAAAAAAAAAAAAAAA#AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        result.ShouldBeOneLineError(9);
        result.Stderr.ShouldContain("manage link");
    }

    [Fact]
    public async Task An_unreachable_server_exits_10()
    {
        var result = await CliProcess.RunAsync("--server", _dead, "secret", "create", "--text", "x");
        result.ShouldBeOneLineError(10);
        var link = await CliProcess.RunAsync("secret", "open", $"{_dead}/s/AAAAAAAAAAAAAAAAAAAAAA#AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        link.ShouldBeOneLineError(10);
    }

    [Fact]
    public async Task The_server_comes_from_the_environment_when_not_given()
    {
        var result = await CliProcess.RunAsync(["secret", "create", "--text", "x"], null, new Dictionary<string, string?> { ["PARLEY_SERVER"] = _dead });
        result.ShouldBeOneLineError(10);
        result.Stderr.ShouldContain(_dead);
        var bad = await CliProcess.RunAsync(["secret", "create", "--text", "x"], null, new Dictionary<string, string?> { ["PARLEY_SERVER"] = "nonsense" });
        bad.ShouldBeOneLineError(2);
    }

    [Fact]
    public async Task Help_documents_every_exit_code_and_the_environment()
    {
        var result = await CliProcess.RunAsync("secret", "open", "--help");
        result.ExitCode.ShouldBe(0);
        result.Stdout.ShouldContain("Exit codes:");
        foreach (var code in new[] { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "130" })
        {
            result.Stdout.ShouldContain($"\n  {code} ");
        }

        result.Stdout.ShouldContain("PARLEY_SERVER");
        result.Stdout.ShouldContain("PARLEY_PASSPHRASE");
    }
}
