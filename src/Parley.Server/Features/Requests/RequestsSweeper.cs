using Microsoft.Extensions.Options;
using Parley.Server.Features.Secrets;
using Parley.Server.Infrastructure.Hosting;
using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Features.Requests;

/// <summary>
/// Every <see cref="SecretsOptions.SweepInterval"/> of injected time: drops the labels of expired
/// requests and deletes records past the tombstone retention. Answers are secrets: the secrets
/// sweeper deletes their content.
/// </summary>
internal sealed class RequestsSweeper(IRequestStore store, IOptions<SecretsOptions> options, TimeProvider time,
    StoreFaultLog storeFaults, ILogger<RequestsSweeper> logger) : BackgroundService
{
    /// <summary>One sweep now (the timer calls this; tests may too).</summary>
    public async Task<RequestSweepResult> SweepOnceAsync(CancellationToken cancellationToken = default)
    {
        var result = await store.SweepAsync(time.GetUtcNow(), options.Value.TombstoneRetention, cancellationToken);
        if (result.Total > 0)
        {
            RequestsLog.Swept(logger, result.LabelsDropped, result.RecordsPurged);
        }

        return result;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        PeriodicSweep.RunAsync(options.Value.SweepInterval, time, SweepOnceAsync, e => RequestsLog.SweepFailed(logger, e), storeFaults, stoppingToken);
}
