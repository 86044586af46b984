using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Parley.Contracts.Messaging;

namespace Parley.Server.Features.Messaging;

/// <summary>
/// Who may see whom online (docs/messaging-api.md, "Presence"). Under <see cref="PresenceVisibility.Contacts"/>
/// a viewer sees a subject only by the subject's consent: the subject sent the viewer an envelope, or
/// allowed the viewer explicitly. A withdrawal holds at once and outlasts the subject's later envelopes;
/// only an explicit allow undoes it. Grants are kept whatever the setting, so changing it loses nothing.
/// </summary>
internal sealed class PresenceService(IPresenceStore store, RelayConnections connections, RelayEvents events, IOptions<MessagingOptions> options)
{
    private const int SentCacheLimit = 200_000;
    private readonly MessagingOptions _o = options.Value;

    // (sender, recipient) pairs the store already has a record of: a send records nothing more for them.
    private readonly ConcurrentDictionary<(string, string), byte> _recorded = new();

    /// <summary>After <paramref name="sender"/>'s envelope to <paramref name="recipient"/>: the recipient may see the sender, unless withdrawn.</summary>
    public async ValueTask SentAsync(string sender, string recipient, CancellationToken cancellationToken)
    {
        if (sender == recipient || _recorded.ContainsKey((sender, recipient)))
        {
            return;
        }

        var changed = await store.SetPresenceGrantAsync(sender, recipient, PresenceGrant.Sent, cancellationToken);
        if (_recorded.Count > SentCacheLimit)
        {
            _recorded.Clear();
        }

        _recorded.TryAdd((sender, recipient), 0);
        await TellAsync(sender, recipient, changed, allowed: true);
    }

    /// <summary><paramref name="subject"/> lets <paramref name="viewer"/> see it (the viewer hears at once when the subject is online).</summary>
    public async Task AllowAsync(string subject, string viewer, CancellationToken cancellationToken) =>
        await TellAsync(subject, viewer, await store.SetPresenceGrantAsync(subject, viewer, PresenceGrant.Allowed, cancellationToken), allowed: true);

    /// <summary><paramref name="subject"/> withdraws <paramref name="viewer"/>'s view: the viewer sees it offline from now on.</summary>
    public async Task WithdrawAsync(string subject, string viewer, CancellationToken cancellationToken) =>
        await TellAsync(subject, viewer, await store.SetPresenceGrantAsync(subject, viewer, PresenceGrant.Withdrawn, cancellationToken), allowed: false);

    /// <summary>The users <paramref name="subject"/> lets see its presence, by a send or explicitly.</summary>
    public async Task<IReadOnlyList<string>> AllowedAsync(string subject, CancellationToken cancellationToken) =>
        [.. (await store.PresenceViewersAsync(subject, cancellationToken)).Order(StringComparer.Ordinal)];

    /// <summary>The users <paramref name="viewer"/> may see that are online right now (on this node).</summary>
    public async Task<IReadOnlyList<string>> VisibleOnlineAsync(string viewer, CancellationToken cancellationToken)
    {
        switch (_o.PresenceVisibility)
        {
            case PresenceVisibility.Everyone:
                return [.. connections.OnlineUsers.Where(u => u != viewer).Order(StringComparer.Ordinal).Take(1000)];
            case PresenceVisibility.Contacts:
                var subjects = await store.PresenceSubjectsAsync(viewer, cancellationToken);
                return [.. subjects.Where(connections.IsOnline).Order(StringComparer.Ordinal)];
            default:
                return [];
        }
    }

    /// <summary>Tells the users allowed to see <paramref name="user"/> that it came online or went offline.</summary>
    public async Task AnnounceAsync(string user, bool online, long connectionId)
    {
        var message = new HubPresence { Username = user, Online = online };
        switch (_o.PresenceVisibility)
        {
            case PresenceVisibility.Everyone:
                await events.SendToAllExceptAsync(connectionId, HubNames.PresenceEvent, message);
                break;
            case PresenceVisibility.Contacts:
                var viewers = await store.PresenceViewersAsync(user, CancellationToken.None);
                if (viewers.Count > 0)
                {
                    await events.SendAsync(viewers, HubNames.PresenceEvent, message);
                }

                break;
        }
    }

    /// <summary>
    /// After a grant changed the viewer's view: a new view of an online subject shows it online; a withdrawn
    /// view shows it offline whatever its state, so the viewer's screen stops showing it at once.
    /// </summary>
    private async Task TellAsync(string subject, string viewer, bool changed, bool allowed)
    {
        if (changed && _o.PresenceVisibility == PresenceVisibility.Contacts && (!allowed || connections.IsOnline(subject)))
        {
            await events.SendAsync(viewer, HubNames.PresenceEvent, new HubPresence { Username = subject, Online = allowed });
        }
    }
}
