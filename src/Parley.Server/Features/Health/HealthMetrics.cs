using System.Diagnostics.Metrics;
using Parley.Server.Infrastructure.Metrics;

namespace Parley.Server.Features.Health;

/// <summary>
/// The meter <c>Parley.Health</c>: what <c>/readyz</c> would answer, for alerting without a probe of one's own.
/// Readiness asks the store (and Redis), so it is sampled at most every 5 s while scraped; draining is read as it is.
/// </summary>
internal sealed class HealthMetrics
{
    public const string MeterName = "Parley.Health";

    public HealthMetrics(IMeterFactory meters, NodeReadiness readiness, TimeProvider time)
    {
        var meter = meters.Create(MeterName);
        var ready = new SampledGauge<bool>(SampleAsync, SampledGauge<bool>.StoreSampleAge, time);
        meter.CreateObservableGauge("parley.node.ready", () => Ready(readiness.IsDraining ? false : ready.Read()),
            "{node}", "1 while this node would answer /readyz with 200 (not draining; store and Redis answer), else 0.");
        meter.CreateObservableGauge("parley.node.draining", () => readiness.IsDraining ? 1 : 0,
            "{node}", "1 from SIGTERM until the node exits (it answers /readyz with 503 meanwhile).");

        async ValueTask<bool> SampleAsync(CancellationToken cancellationToken)
        {
            try
            {
                return await readiness.WhyNotReadyAsync(cancellationToken) is null;
            }
            catch (OperationCanceledException)
            {
                return false; // a store that hangs for the whole sample is not ready either
            }
        }
    }

    // Nothing until the first sample is in: a node that just started is not reported as not ready.
    private static Measurement<int>[] Ready(bool? ready) => ready is { } r ? [new Measurement<int>(r ? 1 : 0)] : [];
}
