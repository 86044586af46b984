using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Parley.Client.Secrets;

namespace Parley.Cli.Tests;

/// <summary>The real <c>parley</c> process against a real server process over loopback HTTP.</summary>
public sealed class CliEndToEndTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IDisposable
{
    private readonly string _folder = CliTestSupport.TempFolder();

    private string Url => fixture.Url;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private Task<CliResult> Open(string link, params string[] more) => CliProcess.RunAsync(["secret", "open", link, .. more]);

    private Dictionary<string, string?> Env(string passphrase) => new() { ["PARLEY_PASSPHRASE"] = passphrase };

    [Fact]
    public async Task Text_round_trips_once_then_the_link_reports_already_opened()
    {
        var (share, manage) = await CliTestSupport.CreateAsync(Url, "--text", "the vault code is 4711");
        share.ShouldStartWith(Url + "/s/");
        manage.ShouldStartWith(Url + "/m/");

        var first = await Open(share);
        first.ExitCode.ShouldBe(0, first.ToString());
        first.Stdout.ShouldBe("the vault code is 4711"); // stdout is not a terminal: exact text, nothing added
        first.Stderr.ShouldContain("last view");

        var second = await Open(share);
        second.ShouldBeOneLineError(4);
        second.Stderr.ShouldContain("already opened");
    }

    [Fact]
    public async Task Standard_input_round_trips_byte_for_byte()
    {
        var text = "Grüße, 秘密 🔑\r\nline two\ttab \"quoted\"\n";
        var create = await CliProcess.RunAsync(["secret", "create", "--server", Url, "--json"], Encoding.UTF8.GetBytes(text));
        create.ExitCode.ShouldBe(0, create.ToString());
        var share = JsonDocument.Parse(create.StdoutBytes).RootElement.GetProperty("shareLink").GetString()!;

        var open = await Open(share);
        open.ExitCode.ShouldBe(0, open.ToString());
        open.StdoutBytes.ShouldBe(Encoding.UTF8.GetBytes(text));
    }

    [Fact]
    public async Task Text_dash_reads_standard_input_next_to_files()
    {
        var file = CliTestSupport.WriteFile(_folder, "note.txt", "attached"u8.ToArray());
        var create = await CliProcess.RunAsync(["secret", "create", "--server", Url, "--json", "--text", "-", "--file", file], "from stdin"u8.ToArray());
        create.ExitCode.ShouldBe(0, create.ToString());
        var share = JsonDocument.Parse(create.StdoutBytes).RootElement.GetProperty("shareLink").GetString()!;
        var outDir = Path.Combine(_folder, "out");
        var open = await Open(share, "--out", outDir);
        open.ExitCode.ShouldBe(0, open.ToString());
        open.Stdout.ShouldBe("from stdin");
        File.ReadAllText(Path.Combine(outDir, "note.txt")).ShouldBe("attached");
    }

    [Fact]
    public async Task Files_and_text_round_trip_into_the_out_folder_with_json_output()
    {
        var source = Path.Combine(_folder, "src");
        Directory.CreateDirectory(source);
        var contents = new Dictionary<string, byte[]>
        {
            ["empty.bin"] = [],
            ["exactly-64k.bin"] = CliTestSupport.RandomBytes(65536),
            ["64k-plus-1.bin"] = CliTestSupport.RandomBytes(65537),
            ["Résumé – 2026.txt"] = Encoding.UTF8.GetBytes("non-ASCII name ✓"),
        };
        var args = new List<string> { "--text", "see the files", "--views", "2" };
        foreach (var (name, bytes) in contents)
        {
            args.AddRange(["--file", CliTestSupport.WriteFile(source, name, bytes)]);
        }

        var (share, _) = await CliTestSupport.CreateAsync(Url, [.. args]);
        var outDir = Path.Combine(_folder, "out");
        var open = await Open(share, "--out", outDir, "--json");
        open.ExitCode.ShouldBe(0, open.ToString());

        using var json = JsonDocument.Parse(open.StdoutBytes);
        json.RootElement.GetProperty("text").GetString().ShouldBe("see the files");
        json.RootElement.GetProperty("viewsLeft").GetInt32().ShouldBe(1);
        var files = json.RootElement.GetProperty("files").EnumerateArray().ToList();
        files.Select(f => f.GetProperty("name").GetString()).ShouldBe(contents.Keys);
        foreach (var (name, bytes) in contents)
        {
            File.ReadAllBytes(Path.Combine(outDir, name)).ShouldBe(bytes, name);
        }

        Directory.GetFiles(outDir).Length.ShouldBe(contents.Count); // no temporary files left behind
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(Path.Combine(outDir, "empty.bin")).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    [Fact]
    public async Task Upload_in_content_range_parts_round_trips()
    {
        var bytes = CliTestSupport.RandomBytes((3 * 65536) + 999);
        var file = CliTestSupport.WriteFile(_folder, "parts.bin", bytes);
        var (share, _) = await CliTestSupport.CreateAsync(Url, "--file", file, "--upload-part-size", "64k");
        var outDir = Path.Combine(_folder, "out");
        (await Open(share, "--out", outDir)).ExitCode.ShouldBe(0);
        File.ReadAllBytes(Path.Combine(outDir, "parts.bin")).ShouldBe(bytes);
    }

    [Fact]
    public async Task Out_never_writes_outside_the_folder_and_never_overwrites_without_force()
    {
        var source = Path.Combine(_folder, "src");
        Directory.CreateDirectory(source);
        // A hostile creator's manifest names are simulated by the names files really have; traversal via
        // the name itself is covered by the sanitizing vectors, and here by a name with dots and separators.
        var a = CliTestSupport.WriteFile(source, "a.txt", "new a"u8.ToArray());
        var dots = CliTestSupport.WriteFile(source, "..evil...", "dots"u8.ToArray());
        var outDir = Path.Combine(_folder, "out");
        Directory.CreateDirectory(outDir);
        File.WriteAllText(Path.Combine(outDir, "a.txt"), "existing a");

        var (share, _) = await CliTestSupport.CreateAsync(Url, "--file", a, "--file", dots, "--views", "2");
        var open = await Open(share, "--out", outDir);
        open.ExitCode.ShouldBe(0, open.ToString());
        File.ReadAllText(Path.Combine(outDir, "a.txt")).ShouldBe("existing a");
        File.ReadAllText(Path.Combine(outDir, "a (2).txt")).ShouldBe("new a");
        File.ReadAllText(Path.Combine(outDir, "evil")).ShouldBe("dots");
        open.Stderr.ShouldContain("a (2).txt");
        Directory.GetFiles(_folder).ShouldBeEmpty(); // nothing landed beside the out folder

        var forced = await Open(share, "--out", outDir, "--force");
        forced.ExitCode.ShouldBe(0, forced.ToString());
        File.ReadAllText(Path.Combine(outDir, "a.txt")).ShouldBe("new a");
        Directory.GetFiles(outDir).Length.ShouldBe(3);
    }

    [Fact]
    public async Task A_passphrase_from_the_environment_or_a_file_opens_the_secret()
    {
        var create = await CliProcess.RunAsync(["secret", "create", "--server", Url, "--json", "--text", "behind a passphrase", "--passphrase", "--views", "2"],
            null, Env("correct horse"));
        create.ExitCode.ShouldBe(0, create.ToString());
        var share = JsonDocument.Parse(create.StdoutBytes).RootElement.GetProperty("shareLink").GetString()!;

        var noPassphrase = await Open(share);
        noPassphrase.ShouldBeOneLineError(2);
        noPassphrase.Stderr.ShouldContain("needs a passphrase");

        var fromEnv = await CliProcess.RunAsync(["secret", "open", share], null, Env("correct horse"));
        fromEnv.ExitCode.ShouldBe(0, fromEnv.ToString());
        fromEnv.Stdout.ShouldBe("behind a passphrase");

        var file = CliTestSupport.WriteFile(_folder, "pass.txt", "correct horse\r\nignored second line"u8.ToArray());
        var fromFile = await Open(share, "--passphrase-file", file);
        fromFile.ExitCode.ShouldBe(0, fromFile.ToString());
        fromFile.Stdout.ShouldBe("behind a passphrase");
    }

    [Fact]
    public async Task Wrong_passphrases_exit_5_with_attempts_left_then_burn_with_8()
    {
        var pass = CliTestSupport.WriteFile(_folder, "pass", "right one"u8.ToArray());
        var (share, manage) = await CliTestSupport.CreateAsync(Url, "--text", "x", "--passphrase-file", pass);
        var wrong = CliTestSupport.WriteFile(_folder, "wrong", "wrong one"u8.ToArray());

        var first = await Open(share, "--passphrase-file", wrong);
        first.ShouldBeOneLineError(5);
        first.Stderr.ShouldContain("1 attempt left");

        var second = await Open(share, "--passphrase-file", wrong);
        second.ExitCode.ShouldBeOneOf(5, 8);
        var right = await Open(share, "--passphrase-file", pass);
        right.ShouldBeOneLineError(8);

        var status = await CliProcess.RunAsync("secret", "status", manage, "--json");
        status.ExitCode.ShouldBe(0, status.ToString());
        JsonDocument.Parse(status.StdoutBytes).RootElement.GetProperty("state").GetString().ShouldBe("burned");
    }

    [Fact]
    public async Task An_unknown_secret_exits_3()
    {
        var key = Base64UrlStrict.Encode(RandomNumberGenerator.GetBytes(32));
        var id = Base64UrlStrict.Encode(RandomNumberGenerator.GetBytes(16));
        (await Open($"{Url}/s/{id}#{key}")).ShouldBeOneLineError(3);
    }

    [Fact]
    public async Task An_altered_key_exits_9_and_never_burns_the_secret()
    {
        var (share, manage) = await CliTestSupport.CreateAsync(Url, "--text", "still here");
        var hash = share.IndexOf('#', StringComparison.Ordinal);
        var key = share[(hash + 1)..];
        var altered = share[..(hash + 1)] + (key[0] == 'A' ? 'B' : 'A') + key[1..];

        (await Open(altered)).ShouldBeOneLineError(9);
        (await Open(altered)).ShouldBeOneLineError(9);

        var status = await CliProcess.RunAsync("secret", "status", manage);
        status.ExitCode.ShouldBe(0, status.ToString());
        status.Stdout.ShouldContain("unread");
        var open = await Open(share);
        open.ExitCode.ShouldBe(0, open.ToString());
        open.Stdout.ShouldBe("still here");
    }

    [Fact]
    public async Task Status_follows_the_secret_and_destroy_ends_it()
    {
        var (share, manage) = await CliTestSupport.CreateAsync(Url, "--text", "x", "--views", "2");
        var status = await CliProcess.RunAsync("secret", "status", manage);
        status.ExitCode.ShouldBe(0, status.ToString());
        status.Stdout.ShouldContain("State:            unread");

        (await Open(share)).ExitCode.ShouldBe(0);
        var json = await CliProcess.RunAsync("secret", "status", manage, "--json");
        using (var doc = JsonDocument.Parse(json.StdoutBytes))
        {
            doc.RootElement.GetProperty("state").GetString().ShouldBe("partly-read");
            doc.RootElement.GetProperty("openedAt").GetArrayLength().ShouldBe(1);
        }

        var destroy = await CliProcess.RunAsync("secret", "destroy", manage);
        destroy.ExitCode.ShouldBe(0, destroy.ToString());
        (await Open(share)).ShouldBeOneLineError(7);
        (await CliProcess.RunAsync("secret", "status", manage)).Stdout.ShouldContain("destroyed");
    }

    [Fact]
    public async Task A_wrong_manage_token_exits_9()
    {
        var (_, manage) = await CliTestSupport.CreateAsync(Url, "--text", "x");
        var hash = manage.IndexOf('#', StringComparison.Ordinal);
        var token = Base64UrlStrict.Encode(RandomNumberGenerator.GetBytes(32));
        (await CliProcess.RunAsync("secret", "status", manage[..(hash + 1)] + token)).ShouldBeOneLineError(9);
        (await CliProcess.RunAsync("secret", "destroy", manage[..(hash + 1)] + token)).ShouldBeOneLineError(9);
    }

    [Fact]
    public async Task An_expired_secret_exits_6()
    {
        var (share, _) = await CliTestSupport.CreateAsync(Url, "--text", "short-lived", "--expires", "2s");
        await Task.Delay(TimeSpan.FromSeconds(2.5), TestContext.Current.CancellationToken);
        var open = await Open(share);
        open.ShouldBeOneLineError(6);
    }

    [Fact]
    public async Task Choices_the_server_does_not_offer_are_usage_errors()
    {
        var expiry = await CliProcess.RunAsync("--server", Url, "secret", "create", "--text", "x", "--expires", "3h");
        expiry.ShouldBeOneLineError(2);
        expiry.Stderr.ShouldContain("1h");
        (await CliProcess.RunAsync("--server", Url, "secret", "create", "--text", "x", "--views", "4")).ShouldBeOneLineError(2);
    }

    [Fact]
    public async Task A_tampered_stream_exits_11_and_saves_nothing()
    {
        var bytes = CliTestSupport.RandomBytes((2 * 65536) + 10);
        var file = CliTestSupport.WriteFile(_folder, "payload.bin", bytes);
        var (share, _) = await CliTestSupport.CreateAsync(Url, "--file", file);

        var length = SecretFormat.StreamLength(bytes.Length);
        var stored = Directory.EnumerateFiles(fixture.Server.DataDirectory, "*", SearchOption.AllDirectories)
            .Where(p => new FileInfo(p).Length == length)
            .ShouldHaveSingleItem();
        using (var stream = new FileStream(stored, FileMode.Open, FileAccess.ReadWrite))
        {
            stream.Position = length - 5; // inside the last chunk's tag
            var b = stream.ReadByte();
            stream.Position = length - 5;
            stream.WriteByte((byte)(b ^ 0x40));
        }

        var outDir = Path.Combine(_folder, "out");
        var open = await Open(share, "--out", outDir);
        open.ShouldBeOneLineError(11);
        (Directory.Exists(outDir) ? Directory.GetFiles(outDir) : []).ShouldBeEmpty();
    }

    [Fact]
    public async Task Qr_prints_a_terminal_qr_code_of_the_share_link()
    {
        var result = await CliProcess.RunAsync("--server", Url, "secret", "create", "--text", "x", "--qr");
        result.ExitCode.ShouldBe(0, result.ToString());
        var lines = result.StdoutLines;
        lines[0].ShouldStartWith(Url + "/s/");
        lines[1].ShouldStartWith(Url + "/m/");
        lines.Length.ShouldBeGreaterThan(15);
        lines[5].ShouldContain("█");
        result.Stdout.ShouldContain("▀");
    }
}
