using System.Diagnostics.Metrics;
using Parley.Server.Infrastructure.Metrics;

namespace Parley.Server.Infrastructure.Storage;

/// <summary>
/// The meter <c>Parley.Storage</c>: how long the store takes for the operations on the hot paths, tagged by
/// operation (<see cref="StoreOperations"/>), whatever the provider. Slow disks, a loaded PostgreSQL or lock
/// waits show here before users notice.
/// </summary>
internal sealed class StoreMetrics
{
    public const string MeterName = "Parley.Storage";

    private readonly Histogram<double> _duration;
    private readonly TimeProvider _time;

    public StoreMetrics(IMeterFactory meters, TimeProvider time)
    {
        _time = time;
        var meter = meters.Create(MeterName);
        _duration = meter.CreateHistogram("parley.store.operation.duration", "s", "Time the store took for one operation.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
    }

    /// <summary>Times one store call: <c>using (storeMetrics.Time(StoreOperations.Enqueue)) { … }</c>.</summary>
    public Timing Time(string operation) => new(_duration.Enabled ? _duration : null, operation, _time);

    public readonly struct Timing(Histogram<double>? duration, string operation, TimeProvider time) : IDisposable
    {
        private readonly long _start = duration is null ? 0 : time.GetTimestamp();

        public void Dispose() => duration?.Record(time.GetElapsedTime(_start).TotalSeconds, MeterTags.Of("operation", operation));
    }
}

/// <summary>The operation names of <see cref="StoreMetrics"/>.</summary>
internal static class StoreOperations
{
    public const string SecretCreate = "secret_create";
    public const string SecretClaim = "secret_claim";
    public const string EnvelopeEnqueue = "envelope_enqueue";
    public const string EnvelopeRead = "envelope_read";
    public const string EnvelopeAck = "envelope_ack";
}
