using Parley.Server.Infrastructure.Logging;

namespace Parley.Server.Infrastructure.Storage;

/// <summary>
/// The operator's view of store faults (<see cref="StoreFault"/>): one line naming the fault and its
/// error code, no stack trace (the cause is the disk or the database, not the code),
/// at most one line per kind per <see cref="Window"/> with a count of the refusals since the last one,
/// so a full disk under load cannot flood the log. A full disk is an Error (someone must free space);
/// an unreachable store a Warning (it usually comes back by itself).
/// </summary>
internal sealed partial class StoreFaultLog(TimeProvider time, ILogger<StoreFaultLog> logger)
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly LogThrottle _full = new(time, Window);
    private readonly LogThrottle _unavailable = new(time, Window);

    /// <summary>Records a request or call refused because of <paramref name="exception"/>, a fault of <paramref name="kind"/>.</summary>
    public void Refused(StoreFaultKind kind, Exception exception)
    {
        if (!(kind == StoreFaultKind.Full ? _full : _unavailable).TryPass(out var earlier))
        {
            return;
        }

        var cause = StoreFault.Describe(exception);
        if (kind == StoreFaultKind.Full)
        {
            LogFull(logger, cause, earlier);
        }
        else
        {
            LogUnavailable(logger, cause, earlier);
        }
    }

    [LoggerMessage(EventId = 9101, Level = LogLevel.Error,
        Message = "The store is out of space: writes are refused with 503 storage-full until space is freed ({Cause}; {Unlogged} more since the last such line)")]
    private static partial void LogFull(ILogger logger, string cause, int unlogged);

    [LoggerMessage(EventId = 9102, Level = LogLevel.Warning,
        Message = "The store does not answer: requests are refused with 503 node-unavailable until it is back ({Cause}; {Unlogged} more since the last such line)")]
    private static partial void LogUnavailable(ILogger logger, string cause, int unlogged);
}
