using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Parley.Server.Infrastructure.Metrics;

/// <summary>
/// OpenTelemetry metrics with a Prometheus scrape endpoint, when <c>Parley:Metrics:Enabled</c>: Parley's
/// meters (one per feature, <c>Parley.*</c>) and those of ASP.NET Core, Kestrel and the runtime. The endpoint
/// listens on a port of its own (<see cref="MetricsOptions.Url"/>) that answers nothing else, and no other
/// port answers <c>/metrics</c>. Off, nothing is collected (the meters have no listener).
/// </summary>
internal static class MetricsSetup
{
    public const string ScrapePath = "/metrics";

    /// <summary>
    /// Requests, connections, unhandled exceptions; GC, thread pool, memory. Not ASP.NET Core's routing and
    /// rate-limiting meters: every instrument of theirs records on every request (route match attempts; the
    /// limiter's requests, leases and queue), each recording is a tag-set lookup, and together with the requests
    /// in flight they cost creates about a tenth of their rate (docs/benchmarks.md, "The cost of metrics"). A
    /// meter not listened to costs nothing. The limiter's refusals are Parley's <c>parley.http.rate_limited</c>.
    /// </summary>
    private static readonly string[] FrameworkMeters =
    [
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.Diagnostics",
        "System.Runtime",
    ];

    private const string KestrelMeter = "Microsoft.AspNetCore.Server.Kestrel";

    /// <summary>
    /// Instruments of the meters above that record on every request and that no alert or dashboard here needs:
    /// the requests in flight (two recordings per request; Kestrel's open connections and the request
    /// duration's rate say how busy a node is). A dropped instrument is not listened to, so the framework skips it.
    /// </summary>
    internal static readonly string[] DroppedInstruments = ["http.server.active_requests"];

    // Kestrel tags each connection with server.address (the address it listens on); the rest are fixed words.
    private static readonly string[] KestrelTagsKept =
    [
        "network.transport", "network.type", "network.protocol.name", "network.protocol.version", "server.port",
        "tls.protocol.version", "error.type",
    ];

    public static WebApplicationBuilder AddParleyMetrics(this WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(MetricsOptions.Section);
        builder.Services.Configure<MetricsOptions>(section);
        var options = section.Get<MetricsOptions>() ?? new MetricsOptions();
        if (!options.Enabled)
        {
            return builder;
        }

        var serverUrls = ServerUrls(builder.Configuration);
        var problem = ScrapeUrlProblem(options.Url, serverUrls);
        if (problem is not null)
        {
            throw new OptionsValidationException(MetricsOptions.Section, typeof(MetricsOptions), [problem]);
        }

        builder.WebHost.UseUrls([.. serverUrls, options.Url]);
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("parley", autoGenerateServiceInstanceId: false))
            .WithMetrics(m => m
                .AddMeter("Parley.*")
                .AddMeter(FrameworkMeters)
                .AddView(instrument => DroppedInstruments.Contains(instrument.Name) ? MetricStreamConfiguration.Drop
                    : instrument.Meter.Name == KestrelMeter ? new MetricStreamConfiguration { TagKeys = KestrelTagsKept } : null)
                .AddPrometheusExporter());
        return builder;
    }

    /// <summary>Serves the scrape endpoint on its own port, first in the pipeline; that port answers 404 to anything else.</summary>
    public static WebApplication UseParleyMetrics(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<MetricsOptions>>().Value;
        if (!options.Enabled)
        {
            return app;
        }

        var port = BindingAddress.Parse(options.Url).Port;
        app.MapWhen(c => c.Connection.LocalPort == port, scrape =>
        {
            scrape.UseOpenTelemetryPrometheusScrapingEndpoint(ScrapePath);
            scrape.Run(c =>
            {
                c.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            });
        });
        return app;
    }

    /// <summary>What the server listens on without the scrape endpoint: <c>--urls</c>, else <c>HTTP_PORTS</c>, else Kestrel's default.</summary>
    private static string[] ServerUrls(IConfiguration configuration)
    {
        const StringSplitOptions split = StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries;
        if (configuration[WebHostDefaults.ServerUrlsKey] is { Length: > 0 } urls)
        {
            return urls.Split(';', split);
        }

        return configuration[WebHostDefaults.HttpPortsKey] is { Length: > 0 } ports
            ? [.. ports.Split(';', split).Select(p => $"http://*:{p}")]
            : ["http://localhost:5000"];
    }

    /// <summary>Why <paramref name="url"/> cannot carry the scrape endpoint, or null.</summary>
    internal static string? ScrapeUrlProblem(string? url, IReadOnlyList<string> serverUrls)
    {
        BindingAddress address;
        try
        {
            address = BindingAddress.Parse(url ?? string.Empty);
        }
        catch (FormatException)
        {
            return $"Parley:Metrics:Url must be an address such as http://127.0.0.1:9464, not '{url}'.";
        }

        if (!string.Equals(address.Scheme, "http", StringComparison.OrdinalIgnoreCase) || address.PathBase.Length > 0
            || address.Port is <= 0 or > 65535 || address.IsUnixPipe)
        {
            return $"Parley:Metrics:Url must be plain http with a port and no path, such as http://127.0.0.1:9464, not '{url}'.";
        }

        foreach (var serverUrl in serverUrls)
        {
            try
            {
                if (BindingAddress.Parse(serverUrl).Port == address.Port)
                {
                    return $"Parley:Metrics:Url needs a port of its own: {address.Port} also serves the API ({serverUrl}), "
                        + "which would make /metrics as public as the rest of the server.";
                }
            }
            catch (FormatException)
            {
                // Kestrel reports a malformed server address itself.
            }
        }

        return null;
    }
}
