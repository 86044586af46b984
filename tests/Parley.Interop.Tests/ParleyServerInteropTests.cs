using System.Text;
using Parley.Interop.Tests.Support;
using Parley.Protocol.Wire;

namespace Parley.Interop.Tests;

/// <summary>
/// End to end through a real Parley server process: a person on the real <c>parley</c> CLI (own
/// encrypted profile) and a libsignal 0.103 client (tests/interop/ops/client.mjs: its own keys and
/// sessions, the server's REST API) chat 1:1 in both directions. Each side sees exactly the other's
/// texts, in order; the envelope types and chain counters show the Double Ratchet turning both ways;
/// the CLI's history holds the whole conversation with both sides' message ids.
/// </summary>
public sealed class ParleyServerInteropTests(HarnessFixture harness, ParleyServerFixture server) : IClassFixture<ParleyServerFixture>, IDisposable
{
    private const int PreKey = (int)CiphertextMessageType.PreKey;
    private const int Whisper = (int)CiphertextMessageType.Whisper;
    private const string Sent = "sent";

    private readonly List<ParleyCliUser> _users = [];

    /// <summary>What the CLI's history must hold, oldest first.</summary>
    private readonly List<CliMessage> _expected = [];

    [Fact]
    public async Task A_libsignal_client_opens_a_conversation_with_a_parley_user_and_both_reply_through_the_server()
    {
        var (cli, lib) = await PairAsync();

        await LibsignalSendsAsync(lib, cli, ["hello from libsignal 👋", "zwei Zeilen\nsecond line", new string('x', 400)], [PreKey, PreKey, PreKey], [null, null, null]);
        await ParleySendsAsync(cli, lib, ["hi, libsignal", string.Concat(Enumerable.Repeat("é", 300))], [Whisper, Whisper], [0, 1]);
        await LibsignalSendsAsync(lib, cli, ["and back again"], [Whisper], [0]);

        await AssertHistoryAsync(cli, lib);
    }

    [Fact]
    public async Task A_parley_user_opens_a_conversation_with_a_libsignal_client_and_both_reply_through_the_server()
    {
        var (cli, lib) = await PairAsync();
        lib.KeysLeft().ShouldBe((3, 3));

        await ParleySendsAsync(cli, lib, ["hello from parley", "Grüße ✓ — 你好"], [PreKey, PreKey], [null, null]);
        lib.KeysLeft().ShouldBe((2, 2), "Parley's PQXDH should take one one-time EC and one one-time Kyber prekey, once");
        await LibsignalSendsAsync(lib, cli, ["hi, parley", "two in a row"], [Whisper, Whisper], [0, 1]);
        await ParleySendsAsync(cli, lib, ["after your reply"], [Whisper], [0]);

        await AssertHistoryAsync(cli, lib);
    }

    [Fact]
    public async Task Ten_alternating_rounds_and_a_burst_each_way_turn_the_ratchet_in_both_directions()
    {
        var (cli, lib) = await PairAsync();

        // Every message answers the other side's last one, so each starts a new sending chain (counter 0).
        for (var round = 1; round <= 10; round++)
        {
            await ParleySendsAsync(cli, lib, [$"ping {round}"], [round == 1 ? PreKey : Whisper], [round == 1 ? null : 0]);
            await LibsignalSendsAsync(lib, cli, [$"pong {round}"], [Whisper], [0]);
        }

        // Bursts, each read in one go by the other side: libsignal's goes on along the chain of its
        // "pong 10"; Parley's answers them all from one new chain.
        string[] Burst(string who) => [.. Enumerable.Range(1, 5).Select(i => $"{who} burst {i}")];
        int[] whispers = [.. Enumerable.Repeat(Whisper, 5)];
        await LibsignalSendsAsync(lib, cli, Burst("libsignal"), whispers, [1, 2, 3, 4, 5]);
        await ParleySendsAsync(cli, lib, Burst("parley"), whispers, [0, 1, 2, 3, 4]);

        // And the ratchet still turns after them.
        await LibsignalSendsAsync(lib, cli, ["last from libsignal"], [Whisper], [0]);
        await ParleySendsAsync(cli, lib, ["last from parley"], [Whisper], [0]);

        _expected.Count.ShouldBe(32);
        await AssertHistoryAsync(cli, lib);
    }

    /// <summary>A registered CLI user and a registered libsignal client, strangers to each other.</summary>
    private async Task<(ParleyCliUser Cli, LibsignalClient Lib)> PairAsync()
    {
        var lib = LibsignalClient.Register(harness, server.Url); // first: skips (fails when CI=true) without the harness
        var cli = new ParleyCliUser(server.Url);
        _users.Add(cli);
        await cli.RegisterAsync();
        return (cli, lib);
    }

    /// <summary>libsignal sends <paramref name="texts"/>; one <c>parley inbox</c> shows exactly them, in order.</summary>
    private async Task LibsignalSendsAsync(LibsignalClient lib, ParleyCliUser cli, string[] texts, int[] types, int?[] counters)
    {
        var sent = lib.Send(cli.Username, texts);
        sent.Select(s => s.Type).ShouldBe(types, "envelope types libsignal sent");
        sent.Select(s => s.Counter).ShouldBe(counters, "chain counters libsignal sent");

        var expected = texts.Zip(sent, (text, s) => new CliMessage(lib.Username, "in", "text", text, "received", $"{lib.Username}/{s.Id}")).ToList();
        (await cli.InboxAsync()).ShouldBe(expected);
        _expected.AddRange(expected);
    }

    /// <summary>The CLI sends each of <paramref name="texts"/> (one <c>parley send</c> each); one read by libsignal gives exactly them, in order.</summary>
    private async Task ParleySendsAsync(ParleyCliUser cli, LibsignalClient lib, string[] texts, int[] types, int?[] counters)
    {
        foreach (var text in texts)
        {
            await cli.SendAsync(lib.Username, text);
        }

        var received = lib.Receive();
        received.Dropped.ShouldBeEmpty();
        received.Messages.Select(m => (m.Sender, m.Text)).ShouldBe(texts.Select(t => (cli.Username, t)));
        received.Messages.Select(m => m.Type).ShouldBe(types, "envelope types the CLI sent");
        received.Messages.Select(m => m.Counter).ShouldBe(counters, "chain counters the CLI sent");
        foreach (var m in received.Messages)
        {
            // Parley's content format: padded to whole 160-byte blocks, past the JSON around the text.
            (m.PaddedLength % 160).ShouldBe(0);
            m.PaddedLength.ShouldBeGreaterThan(Encoding.UTF8.GetByteCount(m.Text));
        }

        _expected.AddRange(received.Messages.Select(m => new CliMessage(cli.Username, "out", "text", m.Text, Sent, $"{cli.Username}/{m.Id}")));
    }

    /// <summary>The CLI's history holds exactly the conversation so far, with both sides' message ids.</summary>
    private async Task AssertHistoryAsync(ParleyCliUser cli, LibsignalClient lib)
    {
        var history = await cli.HistoryAsync(lib.Username);

        // libsignal acknowledged every message it received: history asks the server and shows them delivered.
        history.Where(m => m.Direction == "out").ShouldNotBeEmpty();
        history.Where(m => m.Direction == "out").ShouldAllBe(m => m.State == "delivered");
        history.Select(m => m.Direction == "out" ? m with { State = Sent } : m).ShouldBe(_expected);
        _expected.Select(m => m.Id).ShouldBeUnique();
    }

    public void Dispose()
    {
        foreach (var user in _users)
        {
            user.Dispose();
        }
    }
}
