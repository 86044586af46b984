namespace Parley.Server.Infrastructure.Metrics;

/// <summary>Settings under <c>Parley:Metrics</c> (docs/configuration.md, docs/operations.md).</summary>
public sealed class MetricsOptions
{
    public const string Section = "Parley:Metrics";

    /// <summary>Serve the Prometheus scrape endpoint. Off by default: with it off no metric is even collected.</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// The address the scrape endpoint listens on, added to the server's own (<c>--urls</c>): plain HTTP and
    /// a port of its own, which answers <c>GET /metrics</c> and nothing else. The server's other ports never
    /// answer <c>/metrics</c>, so a reverse proxy in front of them cannot publish it by accident.
    /// </summary>
    public string Url { get; set; } = "http://127.0.0.1:9464";
}
