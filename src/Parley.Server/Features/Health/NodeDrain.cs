using Microsoft.Extensions.Options;

namespace Parley.Server.Features.Health;

/// <summary>
/// The drain after SIGTERM. The signal sets <see cref="IHostApplicationLifetime.ApplicationStopping"/> at once:
/// from then on <c>/readyz</c> answers 503 and the relay closes its sockets and refuses new ones, so clients
/// reconnect to another node. The host then calls every lifecycle service's <c>StoppingAsync</c> before it
/// stops any hosted service, the web server included: this one holds the shutdown there for
/// <see cref="HealthOptions.DrainSeconds"/> while the server still answers requests.
/// </summary>
internal sealed class NodeDrain(IOptions<HealthOptions> options, IHostApplicationLifetime lifetime, TimeProvider time, ILogger<NodeDrain> logger)
    : IHostedLifecycleService
{
    private volatile bool _stopping;

    public bool Draining => _stopping || lifetime.ApplicationStopping.IsCancellationRequested;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        var seconds = options.Value.DrainSeconds;
        if (seconds <= 0)
        {
            return;
        }

        HealthLog.Draining(logger, seconds);
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(seconds), time, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The host's shutdown timeout ran out first: stop now.
        }
    }
}
