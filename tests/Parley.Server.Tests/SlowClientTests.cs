using Parley.Server.Tests.Support;

namespace Parley.Server.Tests;

/// <summary>
/// Clients that hold connections without finishing a request (slowloris): each is cut off when the
/// request-header timeout runs out, they cost bounded memory while they last, and everyone else is
/// served meanwhile. The real server process; the timeout is shortened from its 30 s default.
/// </summary>
public sealed class SlowClientTests
{
    private const int SlowClients = 1000;

    [Fact]
    public async Task Slow_clients_are_cut_off_at_the_header_timeout_while_others_are_served()
    {
        await using var server = await ServerProcess.StartAsync(new Dictionary<string, string?>
        {
            ["Parley:Storage:Provider"] = "sqlite",
            ["Kestrel:Limits:RequestHeadersTimeout"] = "00:00:03",
        });
        using var http = new HttpClient { BaseAddress = server.BaseUrl, Timeout = TimeSpan.FromSeconds(20) };
        (await new SecretsHttp(http).CreateAsync(new TestSecret())).Id.ShouldNotBeNull();
        var before = server.ReadRssBytes();

        var (cutOff, served, elapsed) = await Parley.Testing.SlowClients.DripAsync(server.BaseUrl, http, "POST /api/secrets HTTP/1.1",
            SlowClients, TimeSpan.FromSeconds(30));
        cutOff.ShouldBe(SlowClients, "every slow client is cut off by the header timeout");
        elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(30));
        served.ShouldBeGreaterThan(2);
        // docs/configuration.md ("Connections") states this ceiling: 64 KiB per slow connection
        (server.ReadPeakRssBytes() - before).ShouldBeLessThan(SlowClients * 64L * 1024);
        (await new SecretsHttp(http).CreateAsync(new TestSecret())).Id.ShouldNotBeNull();
    }
}
