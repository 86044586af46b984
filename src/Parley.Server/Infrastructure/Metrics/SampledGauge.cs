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
    /// <summary>How long one sample may take: a store that does not answer by then keeps the last value, and the next read tries again.</summary>
    public static readonly TimeSpan SampleTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How old a sample of a store-backed gauge may be: scrapes (typically every 15 s or more) see fresh values, and the store is asked at most this often.</summary>
    public static readonly TimeSpan StoreSampleAge = TimeSpan.FromSeconds(5);

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
            // A deadline on I/O, on the real clock: a test's frozen clock must not leave a hung sample running forever.
            using var timeout = new CancellationTokenSource(SampleTimeout);
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
