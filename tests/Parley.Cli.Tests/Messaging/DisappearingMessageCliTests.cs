using System.Text;
using Microsoft.Data.Sqlite;
using Parley.Client.Profiles;

namespace Parley.Cli.Tests.Messaging;

/// <summary><c>parley timer</c>: disappearing messages leave both profiles, in every file of them, as real processes through a real server.</summary>
public sealed class DisappearingMessageCliTests(MessagingServerFixture fixture) : IClassFixture<MessagingServerFixture>, IDisposable
{
    private readonly CliUser _alice = new("alice", fixture.Url);
    private readonly CliUser _bob = new("bob", fixture.Url);

    public void Dispose()
    {
        _alice.Dispose();
        _bob.Dispose();
    }

    /// <summary>The newest row of the profile's history as stored (sealed), and how many rows there are.</summary>
    private static (byte[] Sealed, long Rows) NewestRow(CliUser user)
    {
        using var db = new SqliteConnection($"Data Source={Path.Combine(user.ProfileFolder, ProfileStore.DatabaseFile)};Mode=ReadOnly;Pooling=False");
        db.Open();
        using var newest = db.CreateCommand();
        newest.CommandText = "SELECT v FROM messages ORDER BY id DESC LIMIT 1";
        var value = (byte[])newest.ExecuteScalar()!;
        using var count = db.CreateCommand();
        count.CommandText = "SELECT count(*) FROM messages";
        return (value, (long)count.ExecuteScalar()!);
    }

    private static long Rows(CliUser user) => NewestRow(user).Rows;

    [Fact]
    public async Task After_the_timer_a_message_is_gone_from_every_file_of_both_profiles()
    {
        await Task.WhenAll(_alice.RegisterAsync(), _bob.RegisterAsync());
        await _alice.OkAsync("send", _bob.Name, "sent before the timer");
        await _bob.OkAsync("inbox");
        (await _alice.OkAsync("timer", _bob.Name, "5s")).Stderr.ShouldContain("disappear 5 seconds after they arrive");
        (await _bob.OkAsync("inbox")).Stdout.ShouldContain("set disappearing messages to 5 seconds");
        (await _bob.OkAsync("timer", _alice.Name)).Stderr.ShouldContain("disappear 5 seconds", customMessage: "both ends agree");

        const string marker = "DISAPPEARING-MARKER-4b1e93";
        await _alice.OkAsync("send", _bob.Name, marker);
        var (aliceSealed, aliceRows) = NewestRow(_alice);
        var received = await _bob.OkAsync("inbox", "--json");
        CliUser.Texts(CliUser.Lines(received)).ShouldBe([marker]);
        CliUser.Lines(received).Single(l => l.GetProperty("text").GetString() == marker).TryGetProperty("expiresAt", out _).ShouldBeTrue();
        var (bobSealed, bobRows) = NewestRow(_bob);

        await Task.Delay(TimeSpan.FromSeconds(6));
        var aliceHistory = await _alice.OkAsync("history", _bob.Name);
        var bobHistory = await _bob.OkAsync("history", _alice.Name);
        foreach (var history in new[] { aliceHistory, bobHistory })
        {
            history.Stdout.ShouldNotContain(marker);
            history.Stdout.ShouldContain("sent before the timer", customMessage: "a message sent before the timer stays");
            history.Stdout.ShouldContain("disappearing messages to 5 seconds", customMessage: "the notice stays");
        }

        Rows(_alice).ShouldBe(aliceRows - 1, "the row is deleted, not hidden");
        Rows(_bob).ShouldBe(bobRows - 1);
        await ShouldBeGoneFromEveryFileAsync(_alice, marker, aliceSealed);
        await ShouldBeGoneFromEveryFileAsync(_bob, marker, bobSealed);
    }

    [Fact]
    public async Task A_running_client_deletes_an_expired_message_from_the_database_and_its_log_at_once()
    {
        await Task.WhenAll(_alice.RegisterAsync(), _bob.RegisterAsync());
        await _alice.OkAsync("timer", _bob.Name, "5s");
        await _bob.OkAsync("inbox");
        using var follower = await _bob.FollowAsync();
        try
        {
            const string marker = "FOLLOWED-MARKER-90c2d7";
            await _alice.OkAsync("send", _bob.Name, marker);
            var received = await CliUser.ReadUntilAsync(follower, l => l.TryGetProperty("text", out var t) && t.GetString() == marker);
            received.GetProperty("expiresAt").GetDateTimeOffset().ShouldBeGreaterThan(DateTimeOffset.UtcNow);
            var (bobSealed, bobRows) = NewestRow(_bob);
            File.Exists(Path.Combine(_bob.ProfileFolder, ProfileStore.DatabaseFile + "-wal")).ShouldBeTrue("the running client keeps its log open");

            var expired = await CliUser.ReadUntilAsync(follower, l => l.GetProperty("type").GetString() == "expired");
            expired.GetProperty("ids").EnumerateArray().Select(i => i.GetString()).ShouldBe([received.GetProperty("id").GetString()]);
            follower.HasExited.ShouldBeFalse();
            Rows(_bob).ShouldBe(bobRows - 1);
            await ShouldBeGoneFromEveryFileAsync(_bob, marker, bobSealed); // while the process still holds the profile open
        }
        finally
        {
            follower.Kill(entireProcessTree: true);
            await follower.WaitForExitAsync();
        }
    }

    /// <summary>Neither the text nor any part of its sealed row is in any file of the profile (database, log, index).</summary>
    private static async Task ShouldBeGoneFromEveryFileAsync(CliUser user, string text, byte[] sealedRow)
    {
        var needles = new (string What, byte[] Bytes)[]
        {
            ("the text", Encoding.UTF8.GetBytes(text)),
            ("the text (UTF-16)", Encoding.Unicode.GetBytes(text)),
            ("the sealed row", sealedRow),
            ("32 bytes from the middle of the sealed row", sealedRow[(sealedRow.Length / 2)..((sealedRow.Length / 2) + 32)]),
        };
        foreach (var file in Directory.GetFiles(user.ProfileFolder))
        {
            if (Path.GetFileName(file) == "lock")
            {
                new FileInfo(file).Length.ShouldBe(0, "the lock file holds nothing (a running parley holds it exclusively)");
                continue;
            }

            byte[] bytes;
            await using (var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            {
                bytes = new byte[stream.Length];
                await stream.ReadExactlyAsync(bytes);
            }

            foreach (var (what, needle) in needles)
            {
                bytes.AsSpan().IndexOf(needle).ShouldBe(-1, $"{Path.GetFileName(file)} of {user.Name} still holds {what}");
            }
        }
    }
}
