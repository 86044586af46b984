using Parley.Server.Infrastructure.Logging;

namespace Parley.Server.Features.Messaging;

/// <summary>
/// Logs relay calls that fail. A refused call (a refused envelope, a malformed frame, an unknown
/// method) is the caller's mistake, answered with its problem text: not a server error, so it gets one
/// Debug line naming the problem type, at most one per <see cref="Window"/> with a count of the
/// refusals it stands for, so a flood of bad calls cannot flood the log. Anything else is a server
/// error and is logged once at Error.
/// </summary>
internal sealed class HubCallLogging(TimeProvider time, ILogger<HubCallLogging> logger)
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly LogThrottle _refusals = new(time, Window);

    /// <summary>A call answered with an error frame; <paramref name="problem"/> is its text (only its type is logged: details can name users).</summary>
    public void Refused(string method, string problem)
    {
        if (!_refusals.TryPass(out var earlier))
        {
            return;
        }

        var colon = problem.IndexOf(": ", StringComparison.Ordinal);
        MessagingLog.HubCallRefused(logger, method, colon < 0 ? problem : problem[..colon], earlier);
    }

    public void Failed(string method, Exception exception) => MessagingLog.HubCallFailed(logger, method, exception);
}
