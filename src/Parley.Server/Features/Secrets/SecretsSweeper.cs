using Microsoft.Extensions.Options;
using Parley.Server.Infrastructure.Hosting;
using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Features.Secrets;

/// <summary>
/// Deletes what has run out, every <see cref="SecretsOptions.SweepInterval"/> of injected time:
/// expired content and streams, abandoned uploads, expired download windows, and tombstones past
/// their retention.
/// </summary>
internal sealed class SecretsSweeper(ISecretStore store, IOptions<SecretsOptions> options, TimeProvider time, SecretsMetrics metrics,
    StoreFaultLog storeFaults, ILogger<SecretsSweeper> logger) : BackgroundService
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>One sweep now (the timer calls this; tests may too).</summary>
    public async Task<SweepResult> SweepOnceAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var o = options.Value;
            var result = await store.SweepAsync(new SweepPolicy(time.GetUtcNow(), o.UploadWindow, o.TombstoneRetention), cancellationToken);
            metrics.Expired(result.ContentsDeleted);
            if (result.Total > 0)
            {
                SecretsLog.Swept(logger, result.AbandonedUploads, result.ContentsDeleted, result.StreamsDeleted,
                    result.GrantsExpired, result.TombstonesPurged);
            }

            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        PeriodicSweep.RunAsync(options.Value.SweepInterval, time, SweepOnceAsync, e => SecretsLog.SweepFailed(logger, e), storeFaults, stoppingToken);

    public override void Dispose()
    {
        _gate.Dispose();
        base.Dispose();
    }
}
