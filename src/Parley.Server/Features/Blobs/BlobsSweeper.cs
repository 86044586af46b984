using Microsoft.Extensions.Options;
using Parley.Server.Infrastructure.Hosting;
using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Features.Blobs;

/// <summary>Deletes expired blobs and abandoned uploads every <see cref="BlobsOptions.SweepInterval"/> of injected time.</summary>
internal sealed class BlobsSweeper(IBlobStore store, IOptions<BlobsOptions> options, TimeProvider time, StoreFaultLog storeFaults,
    ILogger<BlobsSweeper> logger)
    : BackgroundService
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>One sweep now (the timer calls this; tests may too). Returns how many blobs went.</summary>
    public async Task<int> SweepOnceAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var now = time.GetUtcNow();
            var deleted = await store.SweepAsync(now, now - options.Value.UploadWindow, cancellationToken);
            if (deleted > 0)
            {
                BlobsLog.Swept(logger, deleted);
            }

            return deleted;
        }
        finally
        {
            _gate.Release();
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        PeriodicSweep.RunAsync(options.Value.SweepInterval, time, SweepOnceAsync, e => BlobsLog.SweepFailed(logger, e), storeFaults, stoppingToken);

    public override void Dispose()
    {
        _gate.Dispose();
        base.Dispose();
    }
}
