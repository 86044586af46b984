using System.Diagnostics.Metrics;
using Parley.Contracts.Messaging;
using Parley.Server.Infrastructure.Metrics;

namespace Parley.Server.Features.Messaging;

/// <summary>
/// The meter <c>Parley.Messaging</c>: accounts, logins, the relay's envelopes and sockets (docs/operations.md
/// lists each instrument). Nothing here names a user: tags are fixed words, and the connection and online
/// gauges are counts of this node.
/// </summary>
internal sealed class MessagingMetrics
{
    public const string MeterName = "Parley.Messaging";

    private readonly Meter _meter;
    private readonly Counter<long> _registered;
    private readonly Counter<long> _logins;
    private readonly Counter<long> _queued;
    private readonly Counter<long> _delivered;
    private readonly Counter<long> _acked;
    private readonly Counter<long> _expired;
    private readonly Counter<long> _rateLimited;
    private readonly Histogram<double> _deliveryDuration;
    private readonly SampledGauge<long> _queueDepth;

    public MessagingMetrics(IMeterFactory meters, IEnvelopeQueue store, TimeProvider time)
    {
        _meter = meters.Create(MeterName);
        _registered = _meter.CreateCounter<long>("parley.accounts.registered", "{account}", "Accounts registered.");
        _logins = _meter.CreateCounter<long>("parley.logins", "{login}", "Logins, by outcome (ok, failed).");
        _queued = _meter.CreateCounter<long>("parley.envelopes.queued", "{envelope}", "Envelopes accepted into a recipient's queue.");
        _delivered = _meter.CreateCounter<long>("parley.envelopes.delivered", "{envelope}",
            "Envelopes handed to a recipient (pushed on a relay socket or read over REST); redeliveries count again.");
        _acked = _meter.CreateCounter<long>("parley.envelopes.acked", "{envelope}", "Envelopes acknowledged by their recipient (and deleted).");
        _expired = _meter.CreateCounter<long>("parley.envelopes.expired", "{envelope}", "Envelopes deleted unacknowledged at the end of their time to live.");
        _rateLimited = _meter.CreateCounter<long>("parley.messaging.rate_limited", "{request}",
            "Sends and prekey bundle fetches refused by a per-account limit, by limit (sends, bundle_fetches).");
        _deliveryDuration = _meter.CreateHistogram("parley.envelopes.delivery.duration", "s",
            "From an envelope's arrival in the store to its push on the socket of a recipient who was connected.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });

        // The store is shared by all nodes, so every node reports the same total (take the max, not the sum).
        _queueDepth = new SampledGauge<long>(store.CountEnvelopesAsync, SampledGauge<long>.StoreSampleAge, time);
        _meter.CreateObservableGauge("parley.envelopes.queue_depth", QueueDepth,
            "{envelope}", "Envelopes waiting in all queues of the shared store, sampled at most every 5 s.");
    }

    // Nothing until the first sample is in (a scrape starts it).
    private Measurement<long>[] QueueDepth() => _queueDepth.Read() is { } depth ? [new Measurement<long>(depth)] : [];

    /// <summary>The gauges of this node's relay sockets, read from <see cref="RelayConnections"/> (the relay's mapping hands them over).</summary>
    public void ObserveRelay(Func<int> connections, Func<int> onlineUsers)
    {
        _meter.CreateObservableUpDownCounter("parley.relay.connections", connections, "{connection}", "Relay sockets open on this node.");
        _meter.CreateObservableUpDownCounter("parley.relay.online_users", onlineUsers, "{user}",
            "Users with at least one relay socket on this node (what presence reports as online).");
    }

    public void Registered() => _registered.Add(1);

    public void Login(bool ok) => _logins.Add(1, MeterTags.Of("outcome", ok ? "ok" : "failed"));

    public void Queued(int count) => _queued.Add(count);

    public void Delivered(int count) => _delivered.Add(count);

    /// <summary>Envelopes just pushed live: counted, and each one's time since it was stored measured.</summary>
    public void DeliveredLive(IReadOnlyList<HubEnvelope> envelopes, DateTimeOffset now)
    {
        Delivered(envelopes.Count);
        if (!_deliveryDuration.Enabled)
        {
            return;
        }

        var nowMs = now.ToUnixTimeMilliseconds();
        foreach (var e in envelopes)
        {
            _deliveryDuration.Record(Math.Max(0, nowMs - e.ServerTimestamp) / 1000.0);
        }
    }

    public void Acked(int count) => _acked.Add(count);

    public void Expired(int count) => _expired.Add(count);

    public void SendRateLimited() => _rateLimited.Add(1, MeterTags.Of("limit", "sends"));

    public void BundleFetchRateLimited() => _rateLimited.Add(1, MeterTags.Of("limit", "bundle_fetches"));
}
