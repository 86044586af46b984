using System.Net;
using System.Text.Json;
using Parley.Cli.Tests.Messaging;

namespace Parley.Cli.Tests.Daemon;

/// <summary>A bot talks JSON-RPC to a real <c>parley daemon</c> process; people use the real CLI; one real server.</summary>
public sealed class DaemonTests(MessagingServerFixture fixture) : IClassFixture<MessagingServerFixture>, IDisposable
{
    private readonly CliPeople _people = new(fixture.Url);

    private CliUser User(string stem) => _people.Add(stem);

    public void Dispose() => _people.Dispose();

    private static async Task<(LongRunningCli Daemon, EndPointLike Where)> StartAsync(CliUser user, params string[] listen)
    {
        var daemon = new LongRunningCli(["daemon", .. listen], user.Environment());
        var ready = await daemon.WaitForLineAsync(l => l.Contains("listening on", StringComparison.Ordinal));
        if (listen[0] == "--socket")
        {
            return (daemon, new EndPointLike(listen[1], null));
        }

        var address = ready[(ready.IndexOf("tcp:", StringComparison.Ordinal) + 4)..].Split(';')[0];
        return (daemon, new EndPointLike(null, IPEndPoint.Parse(address)));
    }

    [Fact]
    public async Task A_bot_sends_gets_a_notification_for_a_message_and_lists_its_conversations()
    {
        var alice = User("alice");
        var bot = User("bot");
        await Task.WhenAll(alice.RegisterAsync(), bot.RegisterAsync());
        var socket = Path.Combine(bot.Home, "bot.sock");
        var (daemon, where) = await StartAsync(bot, "--socket", socket);
        using (daemon)
        {
            if (!OperatingSystem.IsWindows())
            {
                File.GetUnixFileMode(socket).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite, "only the owner may connect");
            }

            await using var rpc = await RpcClient.ConnectAsync(where);
            (await rpc.ResultAsync("whoami")).GetProperty("username").GetString().ShouldBe(bot.Name);

            // a message from a person arrives as a notification, once it is stored
            await alice.OkAsync("send", bot.Name, "hello bot");
            var message = (await rpc.NextNotificationAsync("message")).GetProperty("params");
            message.GetProperty("type").GetString().ShouldBe("message");
            message.GetProperty("from").GetString().ShouldBe(alice.Name);
            message.GetProperty("text").GetString().ShouldBe("hello bot");

            // the bot answers; the person gets it, and the bot hears that it was delivered
            var sent = await rpc.ResultAsync("send", new { to = alice.Name, text = "hello human" });
            sent.GetProperty("state").GetString().ShouldBe("sent");
            CliUser.Texts(await alice.InboxAsync()).ShouldBe(["hello human"]);
            var delivery = await rpc.NextNotificationAsync("delivery", p => p.GetProperty("id").GetString() == sent.GetProperty("id").GetString());
            delivery.GetProperty("params").GetProperty("state").GetString().ShouldBe("delivered");

            var conversations = await rpc.ResultAsync("conversations");
            conversations.GetArrayLength().ShouldBe(1);
            conversations[0].GetProperty("conversation").GetString().ShouldBe("@" + alice.Name);
            var history = await rpc.ResultAsync("history", new { conversation = alice.Name });
            history.EnumerateArray().Select(m => m.GetProperty("text").GetString()).ShouldBe(["hello bot", "hello human"]);

            // positional parameters work too, and the daemon is the profile's one writer
            (await rpc.ResultAsync("contacts.list", Array.Empty<object>())).EnumerateArray()
                .Select(c => c.GetProperty("username").GetString()).ShouldContain(alice.Name);
            var second = await bot.RunAsync("inbox");
            second.ExitCode.ShouldBe(15, second.ToString());

            (await daemon.StopAsync()).ShouldBe(0, daemon.Output);
        }

        File.Exists(socket).ShouldBeFalse("the daemon removes its socket when it stops");
        // everything it did is in the profile
        (await bot.OkAsync("history", alice.Name)).Stdout.ShouldContain("hello human");
    }

    [Fact]
    public async Task Malformed_requests_get_json_rpc_errors_change_nothing_and_the_daemon_keeps_serving()
    {
        var alice = User("alice");
        var bot = User("bot");
        await Task.WhenAll(alice.RegisterAsync(), bot.RegisterAsync());
        var (daemon, where) = await StartAsync(bot, "--tcp", "127.0.0.1:0");
        using (daemon)
        {
            await using var rpc = await RpcClient.ConnectAsync(where);

            async Task Error(string line, int code, JsonValueKind id = JsonValueKind.Number)
            {
                var answer = await rpc.SendLineAsync(line);
                answer.GetProperty("jsonrpc").GetString().ShouldBe("2.0");
                answer.GetProperty("error").GetProperty("code").GetInt32().ShouldBe(code, answer.ToString());
                answer.GetProperty("error").GetProperty("message").GetString().ShouldNotBeNullOrWhiteSpace();
                answer.GetProperty("id").ValueKind.ShouldBe(id);
            }

            await Error("this is not json", -32700, JsonValueKind.Null);
            await Error("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":", -32700, JsonValueKind.Null);
            await Error("42", -32600, JsonValueKind.Null);
            await Error("[]", -32600, JsonValueKind.Null);
            await Error("{\"jsonrpc\":\"1.0\",\"id\":2,\"method\":\"whoami\"}", -32600);
            await Error("{\"jsonrpc\":\"2.0\",\"id\":3}", -32600);
            await Error("{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"launch.missiles\"}", -32601);
            await Error($"{{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"send\",\"params\":{{\"to\":\"{alice.Name}\"}}}}", -32602);
            await Error($"{{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"send\",\"params\":{{\"to\":\"{alice.Name}\",\"text\":7}}}}", -32602);
            await Error($"{{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"send\",\"params\":{{\"to\":\"{alice.Name}\",\"text\":\"x\",\"bcc\":\"eve\"}}}}", -32602);
            await Error($"{{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"send\",\"params\":[\"{alice.Name}\",\"x\",\"extra\"]}}", -32602);
            await Error("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"history\",\"params\":{\"conversation\":\"x\",\"limit\":\"ten\"}}", -32602);
            await Error("{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"verify\",\"params\":{\"user\":\"x\",\"compare\":\"123\"}}", -32602);
            await Error("{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"send\",\"params\":\"to alice\"}", -32602);
            // a failure of the command itself carries the command's exit code: 3, no such user
            await Error("{\"jsonrpc\":\"2.0\",\"id\":12,\"method\":\"send\",\"params\":{\"to\":\"nobody_here\",\"text\":\"x\"}}", 3);
            await Error("{\"jsonrpc\":\"2.0\",\"id\":13,\"method\":\"groups.accept\",\"params\":{\"group\":\"#nosuchgroup\"}}", 3);

            // a batch is answered as a batch; a notification (no id) gets no answer, even a wrong one
            var batch = await rpc.SendLineAsync("[{\"jsonrpc\":\"2.0\",\"id\":20,\"method\":\"whoami\"},{\"jsonrpc\":\"2.0\",\"method\":\"nope\"},{\"jsonrpc\":\"2.0\",\"id\":21,\"method\":\"nope\"}]");
            batch.GetArrayLength().ShouldBe(2);
            batch[0].GetProperty("result").GetProperty("username").GetString().ShouldBe(bot.Name);
            batch[1].GetProperty("error").GetProperty("code").GetInt32().ShouldBe(-32601);
            await rpc.WriteLineAsync("{\"jsonrpc\":\"2.0\",\"method\":\"nope\"}");

            // still serving, on this connection and on a new one; none of the bad calls sent or stored anything
            (await rpc.ResultAsync("conversations")).GetArrayLength().ShouldBe(0);
            await using var other = await RpcClient.ConnectAsync(where);
            (await other.ResultAsync("whoami")).GetProperty("username").GetString().ShouldBe(bot.Name);
            rpc.HasAnswerWaiting.ShouldBeFalse();
            CliUser.Texts(await alice.InboxAsync()).ShouldBeEmpty();

            // a line longer than the limit is refused and the connection goes on
            var huge = "{\"jsonrpc\":\"2.0\",\"id\":30,\"method\":\"send\",\"params\":{\"to\":\"x\",\"text\":\"" + new string('a', 1_100_000) + "\"}}";
            var tooLong = await rpc.SendLineAsync(huge);
            tooLong.GetProperty("error").GetProperty("code").GetInt32().ShouldBe(-32600);
            (await rpc.ResultAsync("send", new { to = alice.Name, text = "after all that" })).GetProperty("state").GetString().ShouldBe("sent");
            CliUser.Texts(await alice.InboxAsync()).ShouldBe(["after all that"]);
        }
    }

    [Fact]
    public async Task A_bot_sends_and_saves_files_and_sets_a_timer_and_bad_calls_change_nothing()
    {
        var alice = User("alice");
        var bot = User("bot");
        await Task.WhenAll(alice.RegisterAsync(), bot.RegisterAsync());
        await alice.OkAsync("send", bot.Name, "hi"); // the bot knows alice: sessions both ways
        var (daemon, where) = await StartAsync(bot, "--tcp", "127.0.0.1:0");
        using (daemon)
        {
            await using var rpc = await RpcClient.ConnectAsync(where);
            await rpc.NextNotificationAsync("message");

            // refused before anything is uploaded or sent: a relative path, a missing file, a bad timer
            async Task Refused(string method, object parameters, int code)
            {
                var answer = await rpc.CallAsync(method, parameters);
                answer.GetProperty("error").GetProperty("code").GetInt32().ShouldBe(code, answer.ToString());
            }

            var report = Path.Combine(bot.Home, "report.bin");
            var content = System.Security.Cryptography.RandomNumberGenerator.GetBytes(200_000);
            await File.WriteAllBytesAsync(report, content);
            await Refused("send.file", new { to = alice.Name, path = "report.bin" }, -32602);
            await Refused("send.file", new { to = alice.Name, path = Path.Combine(bot.Home, "missing.bin") }, -32602);
            await Refused("send.file", new { to = "nobody_here", path = report }, 3);
            await Refused("timer", new { conversation = alice.Name, timer = "soon" }, -32602);
            await Refused("attachments.save", new { id = "zzzzzzzz", folder = bot.Home }, 3);
            await Refused("attachments.save", new { id = "zzzzzzzz", folder = "relative" }, -32602);
            (await alice.InboxAsync()).Where(l => l.GetProperty("type").GetString() == "message").ShouldBeEmpty("the refused calls sent nothing");

            // a file goes to alice, who saves it intact
            var sent = await rpc.ResultAsync("send.file", new { to = alice.Name, path = report });
            sent.GetProperty("state").GetString().ShouldBe("sent");
            var received = Path.Combine(alice.Home, "received");
            await alice.OkAsync("inbox", "--out", received);
            (await File.ReadAllBytesAsync(Path.Combine(received, "report.bin"))).ShouldBe(content);

            // a file from alice is listed, saved and then no longer pending
            var photo = Path.Combine(alice.Home, "photo.jpg");
            await File.WriteAllBytesAsync(photo, content[..1234]);
            await alice.OkAsync("send", bot.Name, "--file", photo);
            await rpc.NextNotificationAsync("message", p => p.GetProperty("kind").GetString() == "attachment");
            var pending = await rpc.ResultAsync("attachments.list");
            pending.GetArrayLength().ShouldBe(1);
            pending[0].GetProperty("name").GetString().ShouldBe("photo.jpg");
            var folder = Path.Combine(bot.Home, "saved");
            var saved = await rpc.ResultAsync("attachments.save", new { id = pending[0].GetProperty("id").GetString(), folder });
            saved.GetProperty("path").GetString().ShouldBe(Path.Combine(folder, "photo.jpg"));
            (await File.ReadAllBytesAsync(Path.Combine(folder, "photo.jpg"))).ShouldBe(content[..1234]);
            (await rpc.ResultAsync("attachments.list")).GetArrayLength().ShouldBe(0);

            // the timer: shown, set (alice's side agrees), and turned off
            (await rpc.ResultAsync("timer", new { conversation = alice.Name })).GetProperty("seconds").GetInt64().ShouldBe(0);
            (await rpc.ResultAsync("timer", new { conversation = alice.Name, timer = "1h" })).GetProperty("seconds").GetInt64().ShouldBe(3600);
            await alice.InboxAsync();
            (await alice.OkAsync("timer", bot.Name, "--json")).Stdout.ShouldContain("\"seconds\":3600");
            (await rpc.ResultAsync("timer", new { conversation = alice.Name, timer = "off" })).GetProperty("seconds").GetInt64().ShouldBe(0);
        }
    }

    [Theory]
    [InlineData("--tcp", "0.0.0.0:7777", "loopback")]
    [InlineData("--tcp", "192.168.1.10:7777", "loopback")]
    [InlineData("--tcp", "localhost:7777", "127.0.0.1:PORT")]
    [InlineData("--tcp", "7777", "127.0.0.1:PORT")]
    [InlineData("--socket", "/nonexistent-folder/bot.sock", "does not exist")]
    public async Task The_daemon_refuses_where_it_must_not_listen_before_opening_the_profile(string option, string value, string hint)
    {
        var bot = User("bot");
        var result = await bot.RunAsync("daemon", option, value);
        result.ShouldBeOneLineError(2);
        result.Stderr.ShouldContain(hint);
    }

    [Fact]
    public async Task The_daemon_needs_a_place_to_listen_and_never_replaces_a_file_that_is_not_a_socket()
    {
        var bot = User("bot");
        await bot.RegisterAsync();
        (await bot.RunAsync("daemon")).ShouldBeOneLineError(2);

        var file = Path.Combine(bot.Home, "notes.txt");
        await File.WriteAllTextAsync(file, "keep me");
        var refused = await bot.RunAsync("daemon", "--socket", file);
        refused.ShouldBeOneLineError(2);
        refused.Stderr.ShouldContain("not a socket");
        (await File.ReadAllTextAsync(file)).ShouldBe("keep me");
    }
}
