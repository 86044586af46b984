using System.Diagnostics.Metrics;

namespace Parley.Server.Features.Requests;

/// <summary>The meter <c>Parley.Requests</c>: secret requests created and answered (docs/operations.md).</summary>
internal sealed class RequestsMetrics
{
    public const string MeterName = "Parley.Requests";

    private readonly Counter<long> _created;
    private readonly Counter<long> _answered;

    public RequestsMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _created = meter.CreateCounter<long>("parley.requests.created", "{request}", "Secret requests created.");
        _answered = meter.CreateCounter<long>("parley.requests.answered", "{request}", "Secret requests answered with a secret.");
    }

    public void Created() => _created.Add(1);

    public void Answered() => _answered.Add(1);
}
