using Microsoft.Extensions.Options;
using Parley.Server.Features.Secrets;

namespace Parley.Server.Features.Requests;

/// <summary>
/// Every <see cref="SecretsOptions.SweepInterval"/> of injected time: drops the labels of expired
/// requests and deletes records past the tombstone retention. Answers are secrets: the secrets
/// sweeper deletes their content.
/// </summary>
internal sealed class RequestsSweeper(IRequestStore store, IOptions<SecretsOptions> options, TimeProvider time,
    ILogger<RequestsSweeper> logger) : BackgroundService
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
                    RequestsLog.SweepFailed(logger, e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
