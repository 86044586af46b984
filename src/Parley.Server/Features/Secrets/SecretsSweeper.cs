using Microsoft.Extensions.Options;

namespace Parley.Server.Features.Secrets;

/// <summary>
/// Deletes what has run out, every <see cref="SecretsOptions.SweepInterval"/> of injected time:
/// expired content and streams, abandoned uploads, expired download windows, and tombstones past
/// their retention.
/// </summary>
internal sealed class SecretsSweeper(ISecretStore store, IOptions<SecretsOptions> options, TimeProvider time,
    ILogger<SecretsSweeper> logger) : BackgroundService
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

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await SweepOnceAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    SecretsLog.SweepFailed(logger, e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override void Dispose()
    {
        _gate.Dispose();
        base.Dispose();
    }
}
