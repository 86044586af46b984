using System.Text.Json;
using Parley.Client.Messenger;
using Parley.Client.Secrets;

namespace Parley.Cli.Tests.Messaging;

/// <summary>Files sent with <c>parley send --file</c> and saved with <c>inbox --out</c> / <c>attachment save</c>, as real processes through a real server.</summary>
public sealed class AttachmentCliTests(MessagingServerFixture fixture) : IClassFixture<MessagingServerFixture>, IDisposable
{
    private const long MemoryLimit = 250L * 1000 * 1000;
    private readonly CliPeople _people = new(fixture.Url);

    private CliUser User(string stem) => _people.Add(stem);

    public void Dispose() => _people.Dispose();

    [Fact]
    public Task A_256_MiB_attachment_round_trips_with_both_clients_under_250_MB_and_is_gone_from_the_server_afterwards() =>
        RoundTripAsync(256L * 1024 * 1024, "268.4 MB");

    [Fact]
    public Task A_1_GiB_attachment_round_trips_in_the_same_bounded_memory() =>
        RoundTripAsync(1024L * 1024 * 1024, "1.07 GB");

    /// <summary>
    /// Sends a random file of <paramref name="size"/> bytes with <c>send --file</c> and receives it with
    /// <c>inbox --out</c>, each a real process whose peak RSS (VmHWM, sampled) must stay under 250 MB; then
    /// the blob must be gone from the server's table and its folder, and the history must say where the file went.
    /// </summary>
    private async Task RoundTripAsync(long size, string shownSize)
    {
        var alice = User("alice");
        var bob = User("bob");
        await Task.WhenAll(alice.RegisterAsync(), bob.RegisterAsync());
        var source = Path.Combine(alice.Home, "big.bin");
        var expected = await CliTestSupport.WriteRandomFileAsync(source, size);
        var blobsBefore = fixture.BlobRows();
        var filesBefore = fixture.BlobFiles();

        var send = await CliProcess.RunAsync(["send", bob.Name, "--file", source, "--json"], null, alice.Environment(), timeout: TimeSpan.FromMinutes(15));
        send.ExitCode.ShouldBe(0, send.ToString());
        var sent = JsonDocument.Parse(send.StdoutLines.Single()).RootElement;
        sent.GetProperty("state").GetString().ShouldBe("sent");
        send.Stderr.ShouldNotContain("Uploading", customMessage: "no progress bar when stderr is not a terminal");
        fixture.BlobRows().ShouldBe(blobsBefore + 1);
        var blob = fixture.BlobFiles().Except(filesBefore).ShouldHaveSingleItem();
        new FileInfo(blob).Length.ShouldBeGreaterThan(size, "the server holds the sealed, padded file");
        File.Delete(source);

        var folder = Path.Combine(bob.Home, "received");
        var inbox = await CliProcess.RunAsync(["inbox", "--out", folder, "--json"], null, bob.Environment(), timeout: TimeSpan.FromMinutes(15));
        inbox.ExitCode.ShouldBe(0, inbox.ToString());
        var lines = CliUser.Lines(inbox);
        var message = lines.Single(l => l.GetProperty("type").GetString() == "message");
        message.GetProperty("kind").GetString().ShouldBe("attachment");
        message.GetProperty("file").GetProperty("size").GetInt64().ShouldBe(size);
        var saved = lines.Single(l => l.GetProperty("type").GetString() == "saved");
        saved.GetProperty("path").GetString().ShouldBe(Path.Combine(folder, "big.bin"));
        CliTestSupport.HashOf(Path.Combine(folder, "big.bin")).ShouldBe(expected);

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{size >> 20} MiB: peak RSS sending CLI {send.PeakRssBytes / 1e6:0.0} MB, receiving CLI {inbox.PeakRssBytes / 1e6:0.0} MB, "
            + $"server {fixture.Server.ReadPeakRssBytes() / 1e6:0.0} MB");
        send.PeakRssBytes.ShouldBeGreaterThan(0);
        send.PeakRssBytes.ShouldBeLessThan(MemoryLimit);
        inbox.PeakRssBytes.ShouldBeGreaterThan(0);
        inbox.PeakRssBytes.ShouldBeLessThan(MemoryLimit);

        fixture.BlobRows().ShouldBe(blobsBefore, "bob was the only recipient: his save spent the last token");
        File.Exists(blob).ShouldBeFalse("the sealed bytes are deleted with the blob's row");
        (await bob.OkAsync("attachment", "list")).Stdout.ShouldBeEmpty();
        (await bob.OkAsync("history", alice.Name)).Stdout.ShouldContain($"big.bin ({shownSize}) saved as {Path.Combine(folder, "big.bin")}");
    }

    [Fact]
    public async Task On_a_terminal_sending_and_saving_show_progress_bars()
    {
        var alice = User("alice");
        var bob = User("bob");
        await Task.WhenAll(alice.RegisterAsync(), bob.RegisterAsync());
        var source = Path.Combine(alice.Home, "slides.pdf");
        await CliTestSupport.WriteRandomFileAsync(source, 8_000_000);

        var send = await CliProcess.RunOnTerminalAsync(["send", bob.Name, "--file", source], [], alice.Environment(), TimeSpan.FromMinutes(2));
        send.ExitCode.ShouldBe(0, send.Output);
        send.Output.ShouldContain("Uploading slides.pdf");
        send.Output.ShouldContain("100%");
        send.Output.ShouldContain($"Sent slides.pdf to @{bob.Name}.");

        var folder = Path.Combine(bob.Home, "out");
        var save = await CliProcess.RunOnTerminalAsync(["inbox", "--out", folder], [], bob.Environment(), TimeSpan.FromMinutes(2));
        save.ExitCode.ShouldBe(0, save.Output);
        save.Output.ShouldContain("Downloading slides.pdf");
        save.Output.ShouldContain("100%");
        save.Output.ShouldContain("Saved slides.pdf (8 MB) as " + Path.Combine(folder, "slides.pdf"));
        new FileInfo(Path.Combine(folder, "slides.pdf")).Length.ShouldBe(8_000_000);
    }

    [Fact]
    public async Task A_tampered_blob_is_refused_nothing_is_saved_and_the_file_stays_listed()
    {
        var alice = User("alice");
        var bob = User("bob");
        await Task.WhenAll(alice.RegisterAsync(), bob.RegisterAsync());
        var source = Path.Combine(alice.Home, "contract.pdf");
        await CliTestSupport.WriteRandomFileAsync(source, 200_000);
        var blobsBefore = fixture.BlobFiles();
        await alice.OkAsync("send", bob.Name, "--file", source);
        var blob = fixture.BlobFiles().Except(blobsBefore).Single();
        await using (var stream = new FileStream(blob, FileMode.Open, FileAccess.ReadWrite))
        {
            stream.Position = 100_000;
            var b = stream.ReadByte();
            stream.Position = 100_000;
            stream.WriteByte((byte)(b ^ 0x20));
        }

        var inbox = await bob.OkAsync("inbox");
        inbox.Stdout.ShouldContain("📎 contract.pdf (200 kB)  (save: parley attachment save ");
        var id = inbox.Stdout.Split("attachment save ")[1][..8];
        var folder = Path.Combine(bob.Home, "out");
        var save = await bob.RunAsync("attachment", "save", id, "--out", folder);
        save.ExitCode.ShouldBe(11, save.ToString());
        save.Stderr.ShouldContain("contract.pdf was refused");
        save.Stderr.ShouldContain("Nothing was saved");
        (Directory.Exists(folder) ? Directory.GetFileSystemEntries(folder) : []).ShouldBeEmpty("not even a hidden part file");
        (await bob.OkAsync("attachment", "list")).Stdout.ShouldContain(id);
        File.Exists(blob).ShouldBeTrue("a refused file does not spend the token");
    }

    [Fact]
    public async Task Saving_never_replaces_a_file_and_a_group_file_goes_once_every_member_has_it()
    {
        var alice = User("alice");
        var bob = User("bob");
        var carol = User("carol");
        await Task.WhenAll(alice.RegisterAsync(), bob.RegisterAsync(), carol.RegisterAsync());
        var group = (await alice.OkAsync("group", "create", "Files", bob.Name, carol.Name)).StdoutLines.Single().Trim();
        await Task.WhenAll(bob.OkAsync("inbox"), carol.OkAsync("inbox"));
        await bob.OkAsync("group", "accept", group);
        await carol.OkAsync("group", "accept", group);
        await alice.OkAsync("inbox");
        var source = Path.Combine(alice.Home, "notes.txt");
        await File.WriteAllTextAsync(source, "the group's notes");
        var blobsBefore = fixture.BlobRows();
        await alice.OkAsync("send", group, "--file", source);

        var folder = Path.Combine(bob.Home, "out");
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "notes.txt"), "bob's own notes");
        await bob.OkAsync("inbox", "--out", folder);
        (await File.ReadAllTextAsync(Path.Combine(folder, "notes.txt"))).ShouldBe("bob's own notes");
        (await File.ReadAllTextAsync(Path.Combine(folder, "notes (2).txt"))).ShouldBe("the group's notes");
        fixture.BlobRows().ShouldBe(blobsBefore + 1, "carol has not fetched it yet");

        var carolFolder = Path.Combine(carol.Home, "out");
        await carol.OkAsync("inbox", "--out", carolFolder);
        (await File.ReadAllTextAsync(Path.Combine(carolFolder, "notes.txt"))).ShouldBe("the group's notes");
        fixture.BlobRows().ShouldBe(blobsBefore);
    }

    [Fact]
    public async Task Bad_arguments_get_one_clear_line_and_change_nothing()
    {
        var alice = User("alice");
        var bob = User("bob");
        await Task.WhenAll(alice.RegisterAsync(), bob.RegisterAsync());
        var source = Path.Combine(alice.Home, "kept.txt");
        await File.WriteAllTextAsync(source, "a file bob has not saved yet");
        await alice.OkAsync("send", bob.Name, "--file", source);
        await bob.OkAsync("inbox");
        var pending = CliUser.Lines(await bob.OkAsync("attachment", "list", "--json")).ShouldHaveSingleItem().GetProperty("id").GetString()!;
        var shortId = Client.Messenger.Messenger.IdPart(pending)[..8];
        var blobs = fixture.BlobRows();
        var files = fixture.BlobFiles();
        var aliceHistory = (await alice.OkAsync("history", bob.Name, "--json")).Stdout;
        var bobProfile = Path.Combine(bob.ProfileFolder, "profile.db");

        var cases = new (CliUser Who, string[] Args, int Exit, string Says)[]
        {
            (alice, ["send", bob.Name, "hello", "--file", Path.Combine(alice.Home, "no-such-file")], 2, "no such file"),
            (alice, ["send", bob.Name, "--file", alice.Home], 2, "is a folder"),
            (alice, ["send", bob.Name, "hello", "--file", source, "--file", Path.Combine(alice.Home, "missing.bin")], 2, "missing.bin"),
            (alice, ["send", "nobody" + Guid.NewGuid().ToString("N")[..8], "--file", source], 3, "no user"),
            (alice, ["send", "#no-such-group", "--file", source], 3, "no-such-group"),
            (alice, ["send", alice.Name, "--file", source], 2, "yourself"),
            (alice, ["timer", bob.Name, "soon"], 2, "'soon' is not a timer"),
            (alice, ["timer", bob.Name, "1s"], 2, "whole seconds from 5 seconds to"),
            (alice, ["timer", bob.Name, "400d"], 2, "whole seconds from 5 seconds to"),
            (alice, ["timer", "#no-such-group", "1h"], 3, "no-such-group"),
            (bob, ["attachment", "save", "zzzzzzzz"], 3, "no attachment 'zzzzzzzz'"),
            (bob, ["attachment", "save", shortId[..3]], 3, "no attachment"),
            (bob, ["attachment", "discard", "zzzzzzzz"], 3, "no attachment 'zzzzzzzz'"),
            (bob, ["attachment", "save", shortId, "--out", bobProfile], 2, "is a file, not a folder"),
            (bob, ["inbox", "--out", bobProfile], 2, "is a file, not a folder"),
        };
        foreach (var (who, args, exit, says) in cases)
        {
            var result = await who.RunAsync(args);
            result.ShouldBeOneLineError(exit);
            result.Stderr.ShouldContain(says, Case.Sensitive, $"parley {string.Join(' ', args)}");
        }

        CliUser.Lines(await bob.OkAsync("attachment", "list", "--json")).ShouldHaveSingleItem().GetProperty("id").GetString().ShouldBe(pending);
        CliUser.Texts(await bob.InboxAsync()).ShouldBeEmpty();
        fixture.BlobRows().ShouldBe(blobs);
        fixture.BlobFiles().ShouldBe(files, ignoreOrder: true);
        (await alice.OkAsync("history", bob.Name, "--json")).Stdout.ShouldBe(aliceHistory);
        (await alice.OkAsync("timer", bob.Name)).Stderr.ShouldContain("Disappearing messages are off");
        (await bob.OkAsync("timer", alice.Name)).Stderr.ShouldContain("Disappearing messages are off");
    }
}

/// <summary>The operator's size limit (<c>Parley:Blobs:MaxBlobBytes</c>) holds for <c>send --file</c>, which says so before it sends anything.</summary>
public sealed class AttachmentLimitCliTests(SmallBlobsServerFixture fixture) : IClassFixture<SmallBlobsServerFixture>, IDisposable
{
    private readonly CliPeople _people = new(fixture.Url);

    public void Dispose() => _people.Dispose();

    [Fact]
    public async Task A_file_over_the_servers_limit_is_refused_before_anything_is_sent_and_one_under_it_goes()
    {
        var (alice, bob) = (_people.Add("alice"), _people.Add("bob"));
        await Task.WhenAll(alice.RegisterAsync(), bob.RegisterAsync());
        using (var http = new HttpClient())
        {
            var limits = JsonDocument.Parse(await http.GetStringAsync(fixture.Url + "/api/blobs/limits")).RootElement;
            limits.GetProperty("maxBlobBytes").GetInt64().ShouldBe(SmallBlobsServerFixture.MaxBlobBytes);
        }

        var small = Path.Combine(alice.Home, "fits.bin");
        var large = Path.Combine(alice.Home, "too-large.bin");
        await CliTestSupport.WriteRandomFileAsync(small, 900_000);
        await CliTestSupport.WriteRandomFileAsync(large, 1_100_000);

        var refused = await alice.RunAsync("send", bob.Name, "a note that must not go either", "--file", small, "--file", large);
        refused.ShouldBeOneLineError(12);
        refused.Stderr.ShouldContain($"'too-large.bin' ({Sizes.Format(1_100_000)}) is too large: ");
        refused.Stderr.ShouldContain($"takes files of up to {Sizes.Format(AttachmentFormat.LargestFile(SmallBlobsServerFixture.MaxBlobBytes))}");
        fixture.BlobRows().ShouldBe(0, "nothing was ever announced to this server");
        fixture.BlobFiles().ShouldBeEmpty("nothing was ever uploaded to this server");
        CliUser.Lines(await bob.OkAsync("inbox", "--json")).ShouldBeEmpty();

        await alice.OkAsync("send", bob.Name, "--file", small);
        var folder = Path.Combine(bob.Home, "out");
        await bob.OkAsync("inbox", "--out", folder);
        new FileInfo(Path.Combine(folder, "fits.bin")).Length.ShouldBe(900_000);
    }
}
