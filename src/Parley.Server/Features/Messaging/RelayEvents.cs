using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace Parley.Server.Features.Messaging;

/// <summary>
/// Sends hub events (receipts, presence) to every connection of a user: across nodes through the
/// backplane when there is one, otherwise straight to this node's connections (SignalR's own lookups by
/// user or by a list of connection ids scan every connection of the node).
/// </summary>
internal sealed class RelayEvents(IHubContext<RelayHub> hub, RelayConnections connections, IOptions<MessagingOptions> options)
{
    private readonly bool _backplane = !string.IsNullOrWhiteSpace(options.Value.Redis);

    public Task SendAsync(string user, string method, object message) =>
        _backplane ? hub.Clients.User(user).SendAsync(method, message) : connections.SendAsync(user, method, message);

    public async Task SendAsync(IReadOnlyList<string> users, string method, object message)
    {
        if (_backplane)
        {
            await hub.Clients.Users(users).SendAsync(method, message);
            return;
        }

        foreach (var user in users)
        {
            await connections.SendAsync(user, method, message);
        }
    }

    /// <summary>To every connection of every node but one (presence under <see cref="PresenceVisibility.Everyone"/>).</summary>
    public Task SendToAllExceptAsync(string connectionId, string method, object message) =>
        hub.Clients.AllExcept([connectionId]).SendAsync(method, message);
}
