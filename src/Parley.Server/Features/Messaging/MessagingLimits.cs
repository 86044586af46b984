using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Parley.Contracts;
using Parley.Server.Infrastructure.Http;
using Parley.Server.Infrastructure.RateLimiting;

namespace Parley.Server.Features.Messaging;

/// <summary>
/// Per-account limits that the endpoint rate limiter cannot express: bundle fetches per caller and per
/// (caller, target) pair — so one caller cannot drain someone's one-time prekeys — and envelopes sent
/// per second, counted the same for REST and hub sends. Windows follow the injected clock.
/// </summary>
internal sealed class MessagingLimits : IDisposable
{
    private readonly PartitionedRateLimiter<string> _bundles;
    private readonly PartitionedRateLimiter<string> _bundleTargets;
    private readonly PartitionedRateLimiter<string> _sends;

    public MessagingLimits(IOptions<MessagingOptions> options, TimeProvider time)
    {
        var o = options.Value;
        _bundles = Create(o.BundleFetchesPerHour, TimeSpan.FromHours(1), time);
        _bundleTargets = Create(o.BundleFetchesPerTargetPerHour, TimeSpan.FromHours(1), time);
        _sends = Create(o.SendsPerSecond, TimeSpan.FromSeconds(1), time);
    }

    public static PartitionedRateLimiter<string> Create(int permits, TimeSpan window, TimeProvider time) =>
        PartitionedRateLimiter.Create<string, string>(key => permits == 0
            ? RateLimitPartition.GetNoLimiter(key)
            : RateLimitPartition.Get(key, _ => new ClockedFixedWindowLimiter(permits, window, time)));

    /// <summary>Null when the fetch may go ahead; otherwise the 429 to answer.</summary>
    public ProblemHttpResult? TryFetchBundle(string caller, string target)
    {
        using var perCaller = _bundles.AttemptAcquire(caller);
        if (!perCaller.IsAcquired)
        {
            return RateLimited("This account has fetched too many prekey bundles; wait before trying again.");
        }

        using var perTarget = _bundleTargets.AttemptAcquire(caller + "\n" + target);
        return perTarget.IsAcquired ? null : RateLimited("This account has fetched this user's bundle too often; wait before trying again.");
    }

    /// <summary>
    /// Takes <paramref name="count"/> send permits (a group send counts once per recipient). More than a
    /// second's worth is granted only at the start of an unused window, and then takes the whole window.
    /// </summary>
    public bool TrySend(string sender, int count = 1)
    {
        using var lease = _sends.AttemptAcquire(sender, Math.Max(1, count));
        return lease.IsAcquired;
    }

    public static ProblemHttpResult RateLimited(string detail) =>
        Problems.Create(StatusCodes.Status429TooManyRequests, ProblemTypes.RateLimited, "Too many requests.", detail);

    public void Dispose()
    {
        _bundles.Dispose();
        _bundleTargets.Dispose();
        _sends.Dispose();
    }
}
