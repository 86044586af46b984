using System.Text.Json;
using Microsoft.Data.Sqlite;
using Parley.Client.Messenger;

namespace Parley.Cli.Tests.Messaging;

/// <summary>alice, bob and carol as real <c>parley</c> processes with their own profiles, through a real server process.</summary>
public sealed class MessengerCliTests(MessagingServerFixture fixture) : IClassFixture<MessagingServerFixture>, IDisposable
{
    private readonly CliPeople _people = new(fixture.Url);

    private CliUser User(string stem) => _people.Add(stem);

    public void Dispose() => _people.Dispose();

    [Fact]
    public async Task Three_people_chat_verify_each_other_and_a_removed_member_cannot_read_what_follows()
    {
        var alice = User("alice");
        var bob = User("bob");
        var carol = User("carol");
        await Task.WhenAll(alice.RegisterAsync(), bob.RegisterAsync(), carol.RegisterAsync());

        // 1:1 both ways
        await alice.OkAsync("send", bob.Name, "hello bob");
        CliUser.Texts(await bob.InboxAsync()).ShouldBe(["hello bob"]);
        await bob.RunWithInputAsync("hi alice, from stdin\n"u8.ToArray(), "send", alice.Name);
        CliUser.Texts(await alice.InboxAsync()).ShouldBe(["hi alice, from stdin"]);
        var history = await alice.OkAsync("history", bob.Name);
        history.StdoutLines.Length.ShouldBe(2);
        history.StdoutLines[0].ShouldContain("you: hello bob ✓");
        history.StdoutLines[1].ShouldContain($"{bob.Name}: hi alice, from stdin");

        // both sides compute the same safety number
        var aliceView = JsonDocument.Parse((await alice.OkAsync("verify", bob.Name, "--json")).Stdout).RootElement;
        var bobView = JsonDocument.Parse((await bob.OkAsync("verify", alice.Name, "--json")).Stdout).RootElement;
        var number = aliceView.GetProperty("safetyNumber").GetString()!;
        number.Replace(" ", "", StringComparison.Ordinal).Length.ShouldBe(60);
        bobView.GetProperty("safetyNumber").GetString().ShouldBe(number);
        (await bob.OkAsync("verify", alice.Name, "--compare", number, "--mark-verified", "--no-qr")).Stdout.ShouldContain("match");
        var mismatch = await bob.RunAsync("verify", alice.Name, "--compare", new string('1', 60), "--no-qr");
        mismatch.ExitCode.ShouldBe(19, mismatch.ToString());

        // a group of three: invitations, acceptance, messages
        var created = await alice.OkAsync("group", "create", "Project X", bob.Name, carol.Name);
        var groupId = created.StdoutLines.Single().Trim();
        groupId.ShouldStartWith("#");
        await bob.OkAsync("inbox");
        await carol.OkAsync("inbox");
        (await bob.OkAsync("group", "list")).Stdout.ShouldContain("Project X");
        await bob.OkAsync("group", "accept", groupId);
        await carol.OkAsync("group", "accept", groupId);
        await alice.OkAsync("inbox");
        await alice.OkAsync("send", "#Project X", "welcome, both");
        CliUser.Texts(await bob.InboxAsync()).ShouldBe(["welcome, both"]);
        CliUser.Texts(await carol.InboxAsync()).ShouldBe(["welcome, both"]);
        await carol.OkAsync("send", groupId, "thanks!");
        CliUser.Texts(await bob.InboxAsync()).ShouldBe(["thanks!"]);

        // carol is removed; what alice sends next reaches bob, and carol cannot read it even with the envelope in hand
        await alice.OkAsync("group", "remove", groupId, carol.Name);
        await bob.OkAsync("inbox");
        await alice.OkAsync("send", groupId, "after carol left");
        var captured = LastGroupEnvelopeFor(bob.Name);
        CliUser.Texts(await bob.InboxAsync()).ShouldBe(["after carol left"]);
        CliUser.Texts(await carol.InboxAsync()).ShouldBeEmpty();

        await using var carolInProcess = carol.OpenInProcess();
        var before = carolInProcess.History(groupId, 100).Count;
        var outcome = carolInProcess.ProcessEnvelopes([captured]);
        outcome.OfType<MessageReceived>().ShouldBeEmpty();
        outcome.OfType<EnvelopeDropped>().Single().Reason.ShouldContain("NoSenderKeyState");
        carolInProcess.History(groupId, 100).Count.ShouldBe(before);
    }

    /// <summary>The newest group envelope waiting in <paramref name="recipient"/>'s queue, read from the server's database.</summary>
    private IncomingEnvelope LastGroupEnvelopeFor(string recipient)
    {
        using var db = new SqliteConnection($"Data Source={fixture.DatabasePath};Mode=ReadOnly;Pooling=False");
        db.Open();
        using var command = db.CreateCommand();
        command.CommandText = "SELECT id, sender, type, group_id, server_ts, content FROM msg_envelopes WHERE recipient = $r AND type = 7 ORDER BY id DESC LIMIT 1";
        command.Parameters.AddWithValue("$r", recipient);
        using var reader = command.ExecuteReader();
        reader.Read().ShouldBeTrue("the group message should wait in the queue");
        return new IncomingEnvelope(reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2),
            System.Buffers.Text.Base64Url.EncodeToString((byte[])reader.GetValue(3)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
            (byte[])reader.GetValue(5));
    }
}
