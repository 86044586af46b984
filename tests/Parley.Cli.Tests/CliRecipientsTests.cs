using System.Text.Json;

namespace Parley.Cli.Tests;

/// <summary><c>parley secret create --recipient …</c>: one secret, a link per recipient, status per recipient, destroy one or all.</summary>
public sealed class CliRecipientsTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IDisposable
{
    private readonly string _folder = CliTestSupport.TempFolder();

    private string Url => fixture.Url;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Three_labelled_links_each_open_once_and_status_shows_each_recipient()
    {
        var file = CliTestSupport.WriteFile(_folder, "vpn.ovpn", CliTestSupport.RandomBytes(70_000));
        var create = await CliProcess.RunAsync(["secret", "create", "--server", Url, "--text", "welcome aboard", "--file", file,
            "--recipient", "alice", "--recipient", "bob", "--recipient", "carol"]);
        create.ExitCode.ShouldBe(0, create.ToString());
        var lines = create.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Length.ShouldBe(4, create.ToString()); // three share links, then the manage link
        var (alice, bob, carol, manage) = (lines[0], lines[1], lines[2], lines[3]);
        new[] { alice, bob, carol }.Distinct().Count().ShouldBe(3);
        new[] { alice, bob, carol }.ShouldAllBe(l => l.StartsWith(Url + "/s/"));
        manage.ShouldStartWith(Url + "/m/");
        create.Stderr.ShouldContain("Share link for alice");
        create.Stderr.ShouldContain("Share link for carol");

        var outDir = Path.Combine(_folder, "alice");
        var opened = await CliProcess.RunAsync(["secret", "open", alice, "--out", outDir]);
        opened.ExitCode.ShouldBe(0, opened.ToString());
        opened.Stdout.ShouldBe("welcome aboard");
        File.ReadAllBytes(Path.Combine(outDir, "vpn.ovpn")).ShouldBe(File.ReadAllBytes(file));
        var again = await CliProcess.RunAsync(["secret", "open", alice]);
        again.ShouldBeOneLineError(4);

        var status = await CliProcess.RunAsync(["secret", "status", manage]);
        status.ExitCode.ShouldBe(0, status.ToString());
        status.Stdout.ShouldContain("Recipients:       3");
        status.Stdout.ShouldContain("  alice: opened ");
        status.Stdout.ShouldContain("  bob: unread");
        status.Stdout.ShouldContain("  carol: unread");

        // Destroying Bob's link leaves Carol's openable, files included.
        var destroyBob = await CliProcess.RunAsync(["secret", "destroy", manage, "--recipient", "bob"]);
        destroyBob.ExitCode.ShouldBe(0, destroyBob.ToString());
        (await CliProcess.RunAsync(["secret", "open", bob])).ShouldBeOneLineError(7);
        var carolDir = Path.Combine(_folder, "carol");
        var carolOpens = await CliProcess.RunAsync(["secret", "open", carol, "--out", carolDir]);
        carolOpens.ExitCode.ShouldBe(0, carolOpens.ToString());
        File.ReadAllBytes(Path.Combine(carolDir, "vpn.ovpn")).ShouldBe(File.ReadAllBytes(file));

        var json = await CliProcess.RunAsync(["secret", "status", manage, "--json"]);
        var recipients = JsonDocument.Parse(json.StdoutBytes).RootElement.GetProperty("recipients").EnumerateArray().ToList();
        recipients.Select(r => r.GetProperty("label").GetString()).ShouldBe(["alice", "bob", "carol"]);
        recipients.Select(r => r.GetProperty("state").GetString()).ShouldBe(["opened", "destroyed", "opened"]);
    }

    [Fact]
    public async Task A_count_of_recipients_with_a_passphrase_and_destroy_all()
    {
        var create = await CliProcess.RunAsync(["secret", "create", "--server", Url, "--text", "shared", "--recipients", "2", "--json",
            "--passphrase-file", CliTestSupport.WriteFile(_folder, "pw", "open sesame\n"u8.ToArray())]);
        create.ExitCode.ShouldBe(0, create.ToString());
        var root = JsonDocument.Parse(create.StdoutBytes).RootElement;
        var links = root.GetProperty("recipients").EnumerateArray().Select(r => r.GetProperty("shareLink").GetString()!).ToList();
        links.Count.ShouldBe(2);
        root.GetProperty("recipients")[0].GetProperty("label").ValueKind.ShouldBe(JsonValueKind.Null);
        var manage = root.GetProperty("manageLink").GetString()!;

        var env = new Dictionary<string, string?> { ["PARLEY_PASSPHRASE"] = "open sesame" };
        var first = await CliProcess.RunAsync(["secret", "open", links[0]], environment: env);
        first.ExitCode.ShouldBe(0, first.ToString());
        first.Stdout.ShouldBe("shared");

        var status = await CliProcess.RunAsync(["secret", "status", manage]);
        status.Stdout.ShouldContain("  recipient 1: opened ");
        status.Stdout.ShouldContain("  recipient 2: unread; ");
        status.Stdout.ShouldContain(" passphrase tries left");

        (await CliProcess.RunAsync(["secret", "destroy", manage])).ExitCode.ShouldBe(0);
        (await CliProcess.RunAsync(["secret", "open", links[1]], environment: env)).ShouldBeOneLineError(7);
    }

    [Theory]
    [InlineData("--recipients", "0")]
    [InlineData("--recipients", "51")]
    public async Task A_recipient_count_out_of_range_is_a_usage_error_and_sends_nothing(string option, string value)
    {
        var create = await CliProcess.RunAsync(["secret", "create", "--server", Url, "--text", "x", option, value]);
        create.ShouldBeOneLineError(2);
        create.Stderr.ShouldContain("--recipients");
    }

    [Fact]
    public async Task Bad_labels_are_usage_errors()
    {
        var twice = await CliProcess.RunAsync(["secret", "create", "--server", Url, "--text", "x", "--recipient", "alice", "--recipient", "ALICE"]);
        twice.ShouldBeOneLineError(2);
        twice.Stderr.ShouldContain("twice");
        var tooLong = await CliProcess.RunAsync(["secret", "create", "--server", Url, "--text", "x", "--recipient", new string('x', 65)]);
        tooLong.ShouldBeOneLineError(2);
        var both = await CliProcess.RunAsync(["secret", "create", "--server", Url, "--text", "x", "--recipient", "a", "--recipients", "2"]);
        both.ShouldBeOneLineError(2);
    }
}
