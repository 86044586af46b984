using System.Diagnostics;

/// <summary>
/// The load generator's own lag: a thread queues a work item on the thread pool every few milliseconds
/// and records how long it waited to run. Sends and receives wait in the same queue, so this is the
/// part of a measured latency that is the generator's, not the server's.
/// </summary>
internal sealed class LagProbe : IDisposable
{
    private readonly List<long> _delays = new(100_000);
    private readonly Thread _thread;
    private volatile bool _stopped;

    public LagProbe(TimeSpan every)
    {
        _thread = new Thread(() =>
        {
            var clock = Stopwatch.StartNew();
            while (!_stopped)
            {
                var queuedAt = clock.ElapsedTicks;
                ThreadPool.UnsafeQueueUserWorkItem(_ =>
                {
                    var waited = clock.ElapsedTicks - queuedAt;
                    lock (_delays)
                    {
                        _delays.Add(waited);
                    }
                }, null);
                Thread.Sleep(every);
            }
        })
        { IsBackground = true, Name = "lag probe" };
        _thread.Start();
    }

    /// <summary>The <paramref name="q"/> quantile of the waits so far, in milliseconds.</summary>
    public double Quantile(double q)
    {
        lock (_delays)
        {
            return Quantiles.Of(_delays, q) * 1000.0 / Stopwatch.Frequency;
        }
    }

    public void Dispose() => _stopped = true;
}
