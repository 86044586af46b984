using System.Diagnostics.Metrics;
using Parley.Server.Infrastructure.Metrics;

namespace Parley.Server.Features.Secrets;

/// <summary>
/// The meter <c>Parley.Secrets</c>: what happens to one-time secrets (docs/operations.md lists each
/// instrument). Counts only; the only tag is a fixed reason word.
/// </summary>
internal sealed class SecretsMetrics
{
    public const string MeterName = "Parley.Secrets";

    private readonly Counter<long> _created;
    private readonly Counter<long> _opened;
    private readonly Counter<long> _openRefused;
    private readonly Counter<long> _burned;
    private readonly Counter<long> _destroyed;
    private readonly Counter<long> _expired;

    public SecretsMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _created = meter.CreateCounter<long>("parley.secrets.created", "{secret}", "Secrets created.");
        _opened = meter.CreateCounter<long>("parley.secrets.opened", "{view}", "Views of secrets opened (a secret of n views counts up to n).");
        _openRefused = meter.CreateCounter<long>("parley.secrets.open_refused", "{attempt}", "Open attempts refused, by reason.");
        _burned = meter.CreateCounter<long>("parley.secrets.burned", "{secret}", "Secrets burned by too many wrong passphrases.");
        _destroyed = meter.CreateCounter<long>("parley.secrets.destroyed", "{secret}", "Secrets destroyed by their creator.");
        _expired = meter.CreateCounter<long>("parley.secrets.expired", "{secret}", "Secrets whose content the sweeper deleted at expiry.");
    }

    public void Created() => _created.Add(1);

    public void Opened() => _opened.Add(1);

    public void OpenRefused(OpenRefusal reason) => _openRefused.Add(1, MeterTags.Of("reason", reason switch
    {
        OpenRefusal.Invalid => "invalid",
        OpenRefusal.NotFound => "not_found",
        OpenRefusal.WrongAccessKey => "wrong_access_key",
        OpenRefusal.WrongPassphrase => "wrong_passphrase",
        OpenRefusal.NotReady => "not_ready",
        _ => "gone",
    }));

    public void Burned() => _burned.Add(1);

    public void Destroyed() => _destroyed.Add(1);

    public void Expired(int count) => _expired.Add(count);
}
