namespace Parley.Server.Infrastructure.Metrics;

/// <summary>
/// A value that costs a store round trip (queue depth, readiness), for an observable gauge: reading it
/// never blocks the scrape. A read returns the last sample and, when that is older than
/// <paramref name="maxAge"/>, starts one new sample in the background, so the store is asked only while
/// someone scrapes, at most once per <paramref name="maxAge"/>, and a scrape sees a value at most that old.
/// </summary>
internal sealed class SampledGauge<T>(Func<CancellationToken, ValueTask<T>> sample, TimeSpan maxAge, TimeProvider time)
    where T : struct
{
    private readonly Lock _gate = new();
    private T? _value;
    private long _sampledAt;
    private bool _sampling;

    /// <summary>The last sample, or null before the first one has finished.</summary>
    public T? Read()
    {
        T? value;
        bool start;
        lock (_gate)
        {
            start = !_sampling && (_value is null || time.GetElapsedTime(_sampledAt) >= maxAge);
            _sampling |= start;
            value = _value;
        }

        if (start)
        {
            _ = Task.Run(SampleAsync);
        }

        return value;
    }

    private async Task SampleAsync()
    {
        T? value = null;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            value = await sample(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // A store that does not answer leaves the last sample in place; /readyz and the logs report it.
        }

        lock (_gate)
        {
            if (value is not null)
            {
                _value = value;
            }

            _sampledAt = time.GetTimestamp();
            _sampling = false;
        }
    }
}
