using System.Net;
using System.Net.Http.Json;
using Parley.Client.Messaging;
using Parley.Client.Secrets;
using Parley.Client.Secrets.Api;
using Parley.Contracts.Messaging;
using Parley.Messaging.Tests.Support;

namespace Parley.Messaging.Tests;

/// <summary>
/// The relayed login end to end: the real server runs as its own process (SQLite or PostgreSQL), and a
/// hostile server in front of it forwards everything. A victim who logs in to the hostile server must
/// not end up with a session on the real one — whether the relay forwards under its own Host or the
/// real server's, and whether or not the real server has a configured name. A server on a public
/// address without a configured name refuses accounts (and says so once in its log) but serves secrets.
/// </summary>
public sealed class RelayedLoginTests
{
    private static async Task<(ServerProcess Server, PostgresTestDatabase? Database)> StartAsync(string provider, string? serverName,
        string listenAddress = "127.0.0.1")
    {
        var settings = MessagingServer.Defaults();
        settings["Parley:Storage:Provider"] = provider;
        settings["Parley:Messaging:ServerName"] = serverName;
        var database = provider == "postgres" ? await PostgresTestDatabase.CreateAsync() : null;
        settings["Parley:Storage:PostgresConnectionString"] = database?.ConnectionString;
        return (await ServerProcess.StartAsync(settings, listenAddress: listenAddress), database);
    }

    [Theory]
    [InlineData("sqlite", null)]
    [InlineData("sqlite", "parley.example")]
    [InlineData("postgres", null)]
    [InlineData("postgres", "parley.example")]
    public async Task A_victim_logging_in_through_a_relay_gets_no_session_on_the_real_server(string provider, string? configuredName)
    {
        var (server, database) = await StartAsync(provider, configuredName);
        await using var _ = server;
        await using var __ = database;
        using var direct = new MessagingApi(server.BaseUrl);
        using var victim = AccountKeys.Generate();
        var name = TestUser.NewName("victim");
        await direct.RegisterAsync(victim.RegisterRequest(name, configuredName ?? direct.ServerName));

        foreach (var keepHost in new[] { true, false })
        {
            await using var relay = await ForwardingRelay.StartAsync(server.BaseUrl, keepHost);
            using var throughRelay = relay.ClientFor("evil.example");
            (await throughRelay.GetConfigAsync()).RegistrationMode.ShouldBe("open"); // the relay does forward

            var e = await Should.ThrowAsync<MessagingApiException>(() => throughRelay.LoginAsync(name, victim.Identity));
            e.Status.ShouldBeOneOf(401, 421);
            relay.Answers.ShouldNotContain(a => a.Path == "/api/auth/login" && a.Status == HttpStatusCode.OK);
            throughRelay.Token.ShouldBeNull();
        }
    }

    [Fact]
    public async Task A_server_on_a_public_address_without_a_name_refuses_accounts_but_serves_secrets()
    {
        var (server, _) = await StartAsync("sqlite", serverName: null, listenAddress: "0.0.0.0");
        await using var __ = server;
        using var http = new HttpClient { BaseAddress = server.BaseUrl };
        foreach (var path in new[] { "api/accounts", "api/auth/challenge", "api/auth/login" })
        {
            using var answer = await http.PostAsync(new Uri(path, UriKind.Relative), JsonContent.Create(new { username = "alice" }));
            answer.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable, path);
            (await answer.Content.ReadFromJsonAsync<ProblemBody>())!.Type.ShouldBe(MessagingProblemTypes.ServerNameRequired, path);
        }

        (await http.GetAsync(new Uri("api/messaging/config", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.OK);
        using var secrets = new SecretsApi(server.BaseUrl.ToString());
        var config = await secrets.GetConfigAsync();
        using var created = await new SecretsClient(secrets).CreateAsync(
            new NewSecret { Text = "still works", ExpiresInSeconds = config.DefaultExpirySeconds, MaxViews = 1 }, config);
        created.Share.ShouldNotBeNull();

        var warnings = server.Output.Split('\n').Count(l => l.Contains("Parley:Messaging:ServerName is not set", StringComparison.Ordinal));
        warnings.ShouldBe(1, server.Output);
    }

    [Fact]
    public async Task A_server_on_a_public_address_with_a_name_takes_accounts_and_warns_about_nothing()
    {
        var (server, _) = await StartAsync("sqlite", serverName: "parley.example", listenAddress: "0.0.0.0");
        await using var __ = server;
        using var api = new MessagingApi(server.BaseUrl);
        using var keys = AccountKeys.Generate();
        var name = TestUser.NewName();
        (await api.RegisterAsync(keys.RegisterRequest(name, "parley.example"))).Username.ShouldBe(name);
        (await api.ChallengeAsync(name)).ServerName.ShouldBe("parley.example");
        server.Output.ShouldNotContain("ServerName is not set");
    }

    [Theory]
    [InlineData("https://parley.example")]
    [InlineData("Parley.Example")]
    [InlineData("parley.example/chat")]
    [InlineData("alice@parley.example")]
    [InlineData("parley example")]
    public async Task A_server_name_clients_could_never_sign_stops_the_server_at_start(string serverName)
    {
        // the real process: the in-process host factory may report its own disposal instead of the start failure
        var e = await Should.ThrowAsync<InvalidOperationException>(() => ServerProcess.StartAsync(
            new Dictionary<string, string?> { ["Parley:Messaging:ServerName"] = serverName }));
        e.Message.ShouldContain("exited with");
        e.Message.ShouldContain("Parley:Messaging:ServerName must be the host[:port]");
    }

    [Theory]
    [InlineData("parley.example")]
    [InlineData("chat.example.org:8443")]
    [InlineData("127.0.0.1:5080")]
    [InlineData("[::1]:5080")]
    public async Task A_lower_case_host_and_port_is_a_valid_server_name(string serverName)
    {
        await using var server = await ParleyTestServer.StartAsync(new ParleyServerOptions
        {
            Settings = new Dictionary<string, string?> { ["Parley:Messaging:ServerName"] = serverName },
        });
        using var api = new MessagingApi(server.BaseAddress);
        (await api.ChallengeAsync("alice")).ServerName.ShouldBe(serverName);
    }

    private sealed record ProblemBody(string Type);
}
