namespace Parley.Server.Features.Messaging;

/// <summary>
/// Sends relay events (receipts, presence, group events) to every connection of a user: this node's
/// straight to their queues, every other node's through the Redis event channel when there is one
/// (<see cref="RelayWakeBus"/>). Each event is serialized once, whatever the number of connections.
/// </summary>
internal sealed class RelayEvents(RelayConnections connections, RelayWakeBus bus)
{
    public Task SendAsync(string user, string method, object message) => SendAsync([user], method, message);

    public Task SendAsync(IReadOnlyList<string> users, string method, object message)
    {
        var frame = RelayWire.Event(method, message);
        foreach (var user in users)
        {
            connections.Post(user, frame);
        }

        bus.PublishEvent(users, frame);
        return Task.CompletedTask;
    }

    /// <summary>To every connection of every node but one of this node's (presence under <see cref="PresenceVisibility.Everyone"/>).</summary>
    public Task SendToAllExceptAsync(long connectionId, string method, object message)
    {
        var frame = RelayWire.Event(method, message);
        connections.PostAll(frame, connectionId);
        bus.PublishEvent(null, frame);
        return Task.CompletedTask;
    }
}
