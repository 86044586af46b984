namespace Parley.Server.Features.Webhooks;

/// <summary>Wakes this node's delivery worker when an event is queued, so delivery does not wait for the next poll.</summary>
internal sealed class WebhookSignal : IDisposable
{
    private readonly SemaphoreSlim _wake = new(0, 1);

    /// <summary>
    /// Called for every queued event, mostly on the SQLite writer thread: a worker already woken is the usual case,
    /// so it is checked first rather than paid for with an exception (which showed in profiles of that thread).
    /// </summary>
    public void Wake()
    {
        if (_wake.CurrentCount > 0)
        {
            return;
        }

        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Woken by another thread between the check and the release.
        }
    }

    /// <summary>Waits for a wake-up or <paramref name="timeout"/>, whichever comes first.</summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _wake.WaitAsync(timeout, cancellationToken);

    public void Dispose() => _wake.Dispose();
}
