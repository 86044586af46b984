using System.Threading.RateLimiting;

namespace Parley.Server.Infrastructure.RateLimiting;

/// <summary>
/// A fixed-window limiter that reads time from a <see cref="TimeProvider"/> (the BCL limiters use
/// their own clock, which fake time cannot move). No queueing: a request over the limit is refused
/// at once with the time until the next window. A request for more permits than a whole window holds
/// could never fit: it is granted when it finds its window unused, and then takes all of it — so such
/// requests are slowed to one per window, never locked out.
/// </summary>
internal sealed class ClockedFixedWindowLimiter(int permitsPerWindow, TimeSpan window, TimeProvider time) : RateLimiter
{
    private readonly Lock _gate = new();
    private long _windowIndex = -1;
    private int _used;
    private long _lastUsedTicks = time.GetTimestamp();

    public override TimeSpan? IdleDuration =>
        _used == 0 ? TimeSpan.Zero : time.GetElapsedTime(_lastUsedTicks) is var idle && idle > window ? idle : null;

    public override RateLimiterStatistics? GetStatistics() => null;

    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        var now = time.GetUtcNow();
        var index = now.UtcTicks / window.Ticks;
        lock (_gate)
        {
            _lastUsedTicks = time.GetTimestamp();
            if (index != _windowIndex)
            {
                _windowIndex = index;
                _used = 0;
            }

            if (_used + permitCount <= permitsPerWindow || (_used == 0 && permitCount > permitsPerWindow))
            {
                _used = Math.Min(permitsPerWindow, _used + permitCount);
                return Lease.Granted;
            }
        }

        var retryAfter = TimeSpan.FromTicks(((index + 1) * window.Ticks) - now.UtcTicks);
        return new Lease(false, retryAfter);
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(permitCount));

    private sealed class Lease(bool acquired, TimeSpan? retryAfter) : RateLimitLease
    {
        public static readonly Lease Granted = new(true, null);

        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            if (retryAfter is not null && metadataName == MetadataName.RetryAfter.Name)
            {
                metadata = retryAfter.Value;
                return true;
            }

            metadata = null;
            return false;
        }
    }
}
