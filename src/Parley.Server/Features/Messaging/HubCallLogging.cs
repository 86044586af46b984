using Microsoft.AspNetCore.SignalR;

namespace Parley.Server.Features.Messaging;

/// <summary>
/// Logs hub calls that fail. A <see cref="HubException"/> is the caller's mistake (a refused envelope,
/// a malformed call), answered with its problem text: not a server error, so it gets one Debug line
/// naming the problem type, at most one per <see cref="Window"/> with a count of the refusals it
/// stands for, so a flood of bad calls cannot flood the log. Anything else is a server error and is
/// logged once at Error here. SignalR's dispatcher would log both at Error with a stack trace; its
/// category is silenced in <see cref="MessagingFeature"/>.
/// </summary>
internal sealed class HubCallLogging(TimeProvider time, ILogger<HubCallLogging> logger) : IHubFilter
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    /// <summary>The log category whose failure lines this filter replaces.</summary>
    public const string DispatcherCategory = "Microsoft.AspNetCore.SignalR.Internal.DefaultHubDispatcher";

    private readonly Lock _gate = new();
    private long _lastLine = long.MinValue;
    private int _unlogged;

    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        ArgumentNullException.ThrowIfNull(invocationContext);
        ArgumentNullException.ThrowIfNull(next);
        try
        {
            return await next(invocationContext);
        }
        catch (HubException e)
        {
            Refused(invocationContext.HubMethodName, e.Message);
            throw;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            MessagingLog.HubCallFailed(logger, invocationContext.HubMethodName, e);
            throw;
        }
    }

    private void Refused(string method, string message)
    {
        int earlier;
        lock (_gate)
        {
            var now = time.GetTimestamp();
            if (_lastLine != long.MinValue && time.GetElapsedTime(_lastLine, now) < Window)
            {
                _unlogged++;
                return;
            }

            (_lastLine, earlier, _unlogged) = (now, _unlogged, 0);
        }

        // The problem type only: details can name users.
        var colon = message.IndexOf(": ", StringComparison.Ordinal);
        MessagingLog.HubCallRefused(logger, method, colon < 0 ? message : message[..colon], earlier);
    }
}
