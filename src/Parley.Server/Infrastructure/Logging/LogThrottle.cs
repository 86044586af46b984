namespace Parley.Server.Infrastructure.Logging;

/// <summary>
/// Lets one line of a kind through per window and counts the ones held back, so that a flood of the
/// same event (refused calls, a full disk under load, Redis away) cannot flood the log.
/// </summary>
internal sealed class LogThrottle(TimeProvider time, TimeSpan window)
{
    private readonly Lock _gate = new();
    private long _lastLine = long.MinValue;
    private int _heldBack;

    /// <summary>True when a line may be written now; <paramref name="heldBack"/> is how many were held back since the last one.</summary>
    public bool TryPass(out int heldBack)
    {
        lock (_gate)
        {
            var now = time.GetTimestamp();
            if (_lastLine != long.MinValue && time.GetElapsedTime(_lastLine, now) < window)
            {
                _heldBack++;
                heldBack = 0;
                return false;
            }

            (_lastLine, heldBack, _heldBack) = (now, _heldBack, 0);
            return true;
        }
    }
}
