using System.Net;
using System.Text.Json;
using Parley.Cli.Tests.Messaging;

namespace Parley.Cli.Tests.Proxy;

/// <summary>
/// <c>--proxy</c> with a real SOCKS5 server (microsocks) between the real <c>parley</c> processes and the real
/// server. The server is reached through a <see cref="ConnectionTap"/> that records where each connection came
/// from: the proxy's connections leave from 127.0.0.2, the client's own would come from 127.0.0.1.
/// </summary>
public sealed class ProxyTests(MessagingServerFixture fixture) : IClassFixture<MessagingServerFixture>, IAsyncLifetime
{
    private ConnectionTap _tap = null!;
    private CliPeople _people = null!;

    public ValueTask InitializeAsync()
    {
        _tap = new ConnectionTap(fixture.Server.BaseUrl);
        // Everyone's server address is the tap's, by name (localhost): only the proxy resolves it.
        _people = new CliPeople(_tap.Url);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _tap.DisposeAsync();
        _people.Dispose();
    }

    private CliUser User(string stem) => _people.Add(stem);

    private void EveryConnectionCameFromTheProxy(int atLeast)
    {
        _tap.Peers.Count.ShouldBeGreaterThanOrEqualTo(atLeast);
        _tap.Peers.ShouldAllBe(a => a.Equals(SocksProxyServer.OutgoingAddress), "a connection reached the server without the proxy");
    }

    [Fact]
    public async Task Every_connection_of_the_messaging_commands_and_the_hub_goes_through_the_proxy_which_resolves_the_name()
    {
        await using var proxy = await SocksProxyServer.StartAsync();
        var alice = User("alice");
        var bob = User("bob");
        // alice names the proxy on the command line, bob in $PARLEY_PROXY.
        (await alice.OkAsync("--proxy", proxy.Url(), "register", alice.Name)).ExitCode.ShouldBe(0);
        var bobEnv = bob.Environment();
        bobEnv["PARLEY_PROXY"] = proxy.Url();
        (await CliProcess.RunAsync(["register", bob.Name], null, bobEnv)).ExitCode.ShouldBe(0);

        // bob listens live over the hub (WebSocket) while alice sends
        using var follow = new LongRunningCli(["inbox", "--follow", "--json"], bobEnv);
        await follow.WaitForLineAsync(l => l.Contains("\"connection\"", StringComparison.Ordinal) && l.Contains("\"connected\":true", StringComparison.Ordinal));
        await alice.OkAsync("--proxy", proxy.Url(), "send", bob.Name, "through the proxy");
        var line = await follow.WaitForLineAsync(l => l.Contains("through the proxy", StringComparison.Ordinal));
        JsonDocument.Parse(line).RootElement.GetProperty("from").GetString().ShouldBe(alice.Name);
        await follow.StopAsync();

        (await alice.OkAsync("--proxy", proxy.Url(), "history", bob.Name)).Stdout.ShouldContain("through the proxy");

        EveryConnectionCameFromTheProxy(atLeast: 4);
        // The proxy was asked for the name, not an address: the client resolved nothing itself.
        proxy.Connections.ShouldNotBeEmpty();
        proxy.Connections.ShouldAllBe(target => target == $"localhost:{_tap.Port}");
        proxy.Connections.Count.ShouldBe(_tap.Peers.Count, "every connection the server saw is one the proxy made");
    }

    [Fact]
    public async Task Secret_commands_go_through_the_proxy_too()
    {
        await using var proxy = await SocksProxyServer.StartAsync();
        var create = await CliProcess.RunAsync(["secret", "create", "--server", _tap.Url, "--proxy", proxy.Url(), "--json", "--text", "proxied secret"]);
        create.ExitCode.ShouldBe(0, create.ToString());
        var created = JsonDocument.Parse(create.Stdout).RootElement;
        var env = new Dictionary<string, string?> { ["PARLEY_PROXY"] = proxy.Url() };
        var status = await CliProcess.RunAsync(["secret", "status", created.GetProperty("manageLink").GetString()!], null, env);
        status.ExitCode.ShouldBe(0, status.ToString());
        var open = await CliProcess.RunAsync(["secret", "open", created.GetProperty("shareLink").GetString()!], null, env);
        open.ExitCode.ShouldBe(0, open.ToString());
        open.Stdout.ShouldBe("proxied secret");
        var request = await CliProcess.RunAsync(["secret", "request", "--server", _tap.Url, "--label", "x"], null, env);
        request.ExitCode.ShouldBe(0, request.ToString());

        EveryConnectionCameFromTheProxy(atLeast: 4);
        proxy.Connections.ShouldAllBe(target => target == $"localhost:{_tap.Port}");
    }

    [Fact]
    public async Task A_dead_proxy_is_a_network_error_that_names_it_and_nothing_reaches_the_server()
    {
        var alice = User("alice");
        var bob = User("bob");
        await alice.RegisterAsync();
        await bob.RegisterAsync();
        await alice.OkAsync("send", bob.Name, "hello");
        CliUser.Texts(await bob.InboxAsync()).ShouldBe(["hello"]);
        _tap.Clear();
        var dead = $"socks5h://127.0.0.1:{SocksProxyServer.DeadPort()}";

        var send = await alice.RunAsync("--proxy", dead, "send", bob.Name, "never sent directly");
        send.ShouldBeOneLineError(10);
        send.Stderr.ShouldContain("the proxy 127.0.0.1:");
        send.Stderr.ShouldContain("could not be reached");

        var env = new Dictionary<string, string?> { ["PARLEY_PROXY"] = dead };
        var secret = await CliProcess.RunAsync(["secret", "create", "--server", _tap.Url, "--text", "x"], null, env);
        secret.ShouldBeOneLineError(10);
        secret.Stderr.ShouldContain("could not be reached");

        var carol = User("carol");
        var register = await carol.RunAsync("--proxy", dead, "register", carol.Name);
        register.ShouldBeOneLineError(10);
        Directory.Exists(carol.ProfileFolder).ShouldBeFalse("a registration that never reached the server leaves no profile");

        _tap.Peers.ShouldBeEmpty("nothing may go to the server directly when the proxy is down");
        // the message waits in alice's outbox and goes out later, through a proxy that works
        await using var proxy = await SocksProxyServer.StartAsync();
        await alice.OkAsync("--proxy", proxy.Url(), "inbox");
        CliUser.Texts(await bob.InboxAsync()).ShouldBe(["never sent directly"]);
    }

    [Fact]
    public async Task A_proxy_that_refuses_is_a_network_error_and_its_password_opens_it()
    {
        await using var proxy = await SocksProxyServer.StartAsync("parley", "proxy-pass");
        var noLogin = await CliProcess.RunAsync(["secret", "create", "--server", _tap.Url, "--proxy", proxy.Url(), "--text", "x"]);
        noLogin.ShouldBeOneLineError(10);
        noLogin.Stderr.ShouldContain($"the proxy 127.0.0.1:{proxy.Port} refused");

        var wrong = await CliProcess.RunAsync(["secret", "create", "--server", _tap.Url, "--proxy", proxy.Url("parley", "wrong-pass"), "--text", "x"]);
        wrong.ShouldBeOneLineError(10);
        wrong.Stderr.ShouldNotContain("wrong-pass");
        _tap.Peers.ShouldBeEmpty();

        var right = await CliProcess.RunAsync(["secret", "create", "--server", _tap.Url, "--proxy", proxy.Url("parley", "proxy-pass"), "--text", "x"]);
        right.ExitCode.ShouldBe(0, right.ToString());
        EveryConnectionCameFromTheProxy(atLeast: 1);
    }

    [Theory]
    [InlineData("http://127.0.0.1:9050", "socks5h://")]
    [InlineData("socks5://127.0.0.1:9050", "socks5h://")]
    [InlineData("socks5h://127.0.0.1", "port")]
    [InlineData("socks5h://127.0.0.1:9050/path", "no path")]
    [InlineData("127.0.0.1:9050", "socks5h://")]
    [InlineData("socks5h://:hunter2@127.0.0.1:9050", "user name")]
    public async Task A_proxy_that_is_not_a_socks5h_url_is_a_usage_error_before_anything_happens(string url, string hint)
    {
        var alice = User("alice");
        var register = await alice.RunAsync("--proxy", url, "register", alice.Name);
        register.ShouldBeOneLineError(2);
        register.Stderr.ShouldContain(hint);
        register.Stderr.ShouldNotContain("hunter2");
        Directory.Exists(alice.ProfileFolder).ShouldBeFalse();

        var env = new Dictionary<string, string?> { ["PARLEY_PROXY"] = url };
        var secret = await CliProcess.RunAsync(["secret", "create", "--server", _tap.Url, "--text", "x"], null, env);
        secret.ShouldBeOneLineError(2);
        secret.Stderr.ShouldContain("$PARLEY_PROXY");
        _tap.Peers.ShouldBeEmpty();
    }
}
