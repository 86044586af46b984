using System.Net;

namespace Parley.Messaging.Tests.Support;

/// <summary>The Prometheus endpoint of a server under test, on a port of its own, and a client that scrapes it.</summary>
public sealed class MetricsEndpoint : IDisposable
{
    private readonly HttpClient _http;

    private MetricsEndpoint(int port)
    {
        Port = port;
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };
    }

    public int Port { get; }

    /// <summary>Turns metrics on in <paramref name="settings"/>, on a free loopback port.</summary>
    public static MetricsEndpoint Enable(IDictionary<string, string?> settings)
    {
        var endpoint = new MetricsEndpoint(ServerProcess.FreePort());
        settings["Parley:Metrics:Enabled"] = "true";
        settings["Parley:Metrics:Url"] = $"http://127.0.0.1:{endpoint.Port}";
        return endpoint;
    }

    public async Task<PrometheusText> ScrapeAsync()
    {
        using var response = await _http.GetAsync(new Uri("metrics", UriKind.Relative), TestContext.Current.CancellationToken);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        return PrometheusText.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    /// <summary>
    /// Scrapes until <paramref name="done"/> holds (sampled gauges and sweepers lag a little) or 30 s have passed,
    /// and returns the last scrape either way: the caller's assertions say what was missing.
    /// </summary>
    public async Task<PrometheusText> EventuallyAsync(Func<PrometheusText, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var scrape = await ScrapeAsync();
            if (done(scrape) || DateTime.UtcNow > deadline)
            {
                return scrape;
            }

            await Task.Delay(400, TestContext.Current.CancellationToken);
        }
    }

    public void Dispose() => _http.Dispose();
}
