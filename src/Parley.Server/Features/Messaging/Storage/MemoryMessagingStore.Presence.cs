namespace Parley.Server.Features.Messaging.Storage;

internal sealed partial class MemoryMessagingStore : IPresenceStore
{
    public ValueTask<bool> SetPresenceGrantAsync(string subject, string viewer, PresenceGrant grant, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var had = _presence.TryGetValue((subject, viewer), out var was);
            if ((grant == PresenceGrant.Sent && had) || !_accounts.ContainsKey(subject) || !_accounts.ContainsKey(viewer))
            {
                return ValueTask.FromResult(false);
            }

            var allowed = grant != PresenceGrant.Withdrawn;
            _presence[(subject, viewer)] = allowed;
            return ValueTask.FromResult(was != allowed);
        }
    }

    public ValueTask<IReadOnlyList<string>> PresenceViewersAsync(string subject, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult<IReadOnlyList<string>>(
                [.. _presence.Where(p => p.Value && p.Key.Subject == subject).Select(p => p.Key.Viewer).Order(StringComparer.Ordinal)]);
        }
    }

    public ValueTask<IReadOnlyList<string>> PresenceSubjectsAsync(string viewer, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult<IReadOnlyList<string>>(
                [.. _presence.Where(p => p.Value && p.Key.Viewer == viewer).Select(p => p.Key.Subject).Order(StringComparer.Ordinal)]);
        }
    }
}
