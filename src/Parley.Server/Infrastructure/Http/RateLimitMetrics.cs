using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.RateLimiting;
using Parley.Server.Infrastructure.Metrics;

namespace Parley.Server.Infrastructure.Http;

/// <summary>
/// The meter <c>Parley.Http</c>: requests the rate limiter refused, by policy. ASP.NET Core's own
/// <c>aspnetcore.rate_limiting.requests</c> records every request that passes a limiter, refused or not, and
/// each recording costs every request time (docs/benchmarks.md, "The cost of metrics"); this counts only
/// the refusals, which is what an operator alerts on. The policy is a name chosen in code: the endpoint's own
/// (a group's <c>RequireRateLimiting</c> puts it on each endpoint). There is no global limiter; should one be
/// added, its refusals would carry the endpoint's policy too, as the rejection does not say which limiter refused.
/// </summary>
internal sealed class RateLimitMetrics
{
    public const string MeterName = "Parley.Http";

    /// <summary>The tag of a refusal by the global limiter or by no named policy.</summary>
    public const string NoPolicy = "none";

    private readonly Counter<long> _refused;

    public RateLimitMetrics(IMeterFactory meters) =>
        _refused = meters.Create(MeterName).CreateCounter<long>("parley.http.rate_limited", "{request}",
            "Requests refused with 429 by a rate-limit policy, by policy.");

    public void Refused(HttpContext context) => _refused.Add(1, MeterTags.Of("policy",
        context.GetEndpoint()?.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName ?? NoPolicy));
}
