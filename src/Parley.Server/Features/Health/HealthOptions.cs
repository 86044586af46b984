namespace Parley.Server.Features.Health;

/// <summary>Settings under <c>Parley:Health</c> (docs/configuration.md).</summary>
public sealed class HealthOptions
{
    public const string Section = "Parley:Health";

    /// <summary>
    /// Seconds a stopping node keeps serving after SIGTERM while <c>/readyz</c> answers 503, so a load
    /// balancer takes it out before it exits. 0 (the default) exits at once; behind a load balancer set
    /// it above the balancer's health-check interval.
    /// </summary>
    public int DrainSeconds { get; set; }
}
