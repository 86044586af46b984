using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Parley.Cli.Tests.Messaging;
using Parley.Testing;

namespace Parley.Cli.Tests.Deploy;

/// <summary>
/// deploy/nginx/parley.conf for real: Debian's nginx with a throwaway certificate in front of Parley
/// server processes, and the real <c>parley</c> CLI talking HTTPS and WSS to it.
/// </summary>
public sealed class ReverseProxyCliTests
{
    private static Dictionary<string, string?> NodeSettings(string? postgres = null, string? redis = null) => new()
    {
        ["Parley:Storage:Provider"] = postgres is null ? "memory" : "postgres",
        ["Parley:Storage:PostgresConnectionString"] = postgres,
        ["Parley:Messaging:Redis"] = redis,
        // nginx on this machine connects from loopback: the only address whose X-Forwarded-For is believed.
        ["Parley:Http:TrustedProxies:0"] = "127.0.0.1",
        ["Parley:Secrets:CreatePerMinute"] = "0",
        ["Parley:Messaging:RegistrationsPerHour"] = "0",
    };

    [Fact]
    public async Task Secrets_and_messaging_work_through_nginx_over_https_and_wss_in_front_of_two_nodes()
    {
        var redis = TestEnvironment.RequireRedis();
        await using var database = await PostgresTestDatabase.CreateAsync(TestContext.Current.CancellationToken);
        var settings = NodeSettings(database.ConnectionString, redis);
        await using var nodeA = await ServerProcess.StartAsync(settings, cancellationToken: TestContext.Current.CancellationToken);
        await using var nodeB = await ServerProcess.StartAsync(settings, cancellationToken: TestContext.Current.CancellationToken);
        await using var front = await NginxFront.StartAsync([nodeA.BaseUrl, nodeB.BaseUrl]);
        var server = front.Url.ToString().TrimEnd('/');
        var trust = new Dictionary<string, string?> { ["SSL_CERT_FILE"] = front.CertificateFile };

        // A client that does not trust the certificate refuses to talk: TLS is real, not a pass-through.
        var untrusted = await CliProcess.RunAsync(["secret", "create", "--server", server, "--text", "x"], environment: new Dictionary<string, string?> { ["SSL_CERT_FILE"] = "/dev/null" });
        untrusted.ExitCode.ShouldBe(10, untrusted.ToString()); // 10: network error (README, exit codes)

        // One-time secrets: created through the proxy, opened through it (both nodes share the store).
        var text = "through nginx: Grüße 🔑";
        var create = await CliProcess.RunAsync(["secret", "create", "--server", server, "--json"], Encoding.UTF8.GetBytes(text), trust);
        create.ExitCode.ShouldBe(0, create.ToString() + front.ErrorLog);
        var share = JsonDocument.Parse(create.StdoutBytes).RootElement.GetProperty("shareLink").GetString()!;
        share.ShouldStartWith(server + "/");
        var open = await CliProcess.RunAsync(["secret", "open", share], environment: trust);
        open.ExitCode.ShouldBe(0, open.ToString());
        open.StdoutBytes.ShouldBe(Encoding.UTF8.GetBytes(text));
        (await CliProcess.RunAsync(["secret", "open", share], environment: trust)).ExitCode.ShouldNotBe(0, "opened twice through the proxy");

        // Messaging: registration, login and the relay's WebSocket (WSS) through the proxy, across nodes.
        var people = new CliPeople(server);
        try
        {
            var alice = people.Add("alice");
            var bob = people.Add("bob");
            foreach (var u in new[] { alice, bob })
            {
                u.ExtraEnvironment["SSL_CERT_FILE"] = front.CertificateFile;
            }

            await alice.RegisterAsync();
            await bob.RegisterAsync();
            await alice.OkAsync("send", bob.Name, "hello over wss");
            CliUser.Texts(await bob.InboxAsync()).ShouldBe(["hello over wss"]);
            await bob.OkAsync("send", alice.Name, "and back");
            CliUser.Texts(await alice.InboxAsync()).ShouldBe(["and back"]);
            (await alice.OkAsync("history", bob.Name)).Stdout.ShouldContain("✓✓", Case.Sensitive, "the delivery receipt came back through the proxy");
        }
        finally
        {
            people.Dispose();
        }
    }

    [Fact]
    public async Task A_client_sending_its_own_forwarded_for_gets_no_other_rate_limit_bucket()
    {
        var settings = NodeSettings();
        settings["Parley:Messaging:RegistrationsPerHour"] = "3";
        await using var node = await ServerProcess.StartAsync(settings, cancellationToken: TestContext.Current.CancellationToken);
        await using var front = await NginxFront.StartAsync([node.BaseUrl]);

        // Through nginx: every attempt claims another address; nginx replaces the header with the real
        // peer, so all of them land in one bucket and the fourth is refused.
        using var viaProxy = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.GetCertHashString() == CertificateHash(front) },
        });
        var proxied = new List<HttpStatusCode>();
        for (var i = 1; i <= 4; i++)
        {
            proxied.Add(await RegisterGarbageAsync(viaProxy, front.Url, $"203.0.113.{i}"));
        }

        proxied.Take(3).ShouldAllBe(s => s == HttpStatusCode.BadRequest);
        proxied[3].ShouldBe(HttpStatusCode.TooManyRequests);

        // Straight to the node from an address that is not the proxy: its X-Forwarded-For is ignored, so
        // it has a bucket of its own (not the proxy's, already spent) that the made-up addresses share.
        using var direct = new HttpClient(new SocketsHttpHandler { ConnectCallback = ConnectFrom(IPAddress.Parse("127.0.0.2")) });
        var straight = new List<HttpStatusCode>();
        for (var i = 1; i <= 4; i++)
        {
            straight.Add(await RegisterGarbageAsync(direct, node.BaseUrl, i == 1 ? "127.0.0.1" : $"198.51.100.{i}"));
        }

        straight.Take(3).ShouldAllBe(s => s == HttpStatusCode.BadRequest);
        straight[3].ShouldBe(HttpStatusCode.TooManyRequests);
    }

    private static string CertificateHash(NginxFront front)
    {
        using var certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(front.CertificateFile);
        return certificate.GetCertHashString();
    }

    private static async Task<HttpStatusCode> RegisterGarbageAsync(HttpClient client, Uri server, string forwardedFor)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server, "api/accounts"))
        {
            Content = new StringContent("""{"username":"x"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        return response.StatusCode;
    }

    private static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> ConnectFrom(IPAddress source) => async (context, token) =>
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(source, 0));
            await socket.ConnectAsync(context.DnsEndPoint, token);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    };
}
