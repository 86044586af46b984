using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Infrastructure.Hosting;

/// <summary>The timer loop of the sweepers: one sweep every interval of injected time until the host stops.</summary>
internal static class PeriodicSweep
{
    /// <summary>
    /// Calls <paramref name="sweep"/> at every tick of <paramref name="interval"/> on <paramref name="time"/>.
    /// A sweep that throws is handed to <paramref name="failed"/> — or, when the store is full or away, to
    /// <paramref name="storeFaults"/>, which logs it without a stack trace — and the next tick sweeps
    /// again; stopping the host ends the loop quietly.
    /// </summary>
    public static async Task RunAsync(TimeSpan interval, TimeProvider time, Func<CancellationToken, Task> sweep, Action<Exception> failed,
        StoreFaultLog storeFaults, CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await sweep(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException && StoreFault.Classify(e) is { } fault)
                {
                    storeFaults.Refused(fault, e);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    failed(e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
