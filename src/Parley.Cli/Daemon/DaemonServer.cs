using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Parley.Cli.Messaging;
using Parley.Client.Messenger;

namespace Parley.Cli.Daemon;

/// <summary>
/// The running daemon: it holds the profile's messenger (the one writer), follows the server live with
/// <see cref="Client.Messenger.Messenger.FollowAsync"/>, sends every event to every connected client as a
/// notification, and serves each client's calls with <see cref="DaemonMethods"/>.
/// </summary>
internal sealed class DaemonServer(Client.Messenger.Messenger messenger, IReadOnlyList<Socket> listeners, Action<string> log)
{
    /// <summary>Clients served at once; more are turned away.</summary>
    public const int MaxClients = 64;

    private readonly ConcurrentDictionary<JsonRpcConnection, Task> _clients = new();

    /// <summary>Serves until <paramref name="stopping"/> fires, then closes every connection.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        var methods = DaemonMethods.For(messenger);
        var accepting = listeners.Select(l => AcceptAsync(l, methods, stopping)).ToList();
        try
        {
            await foreach (var e in messenger.FollowAsync(cancellationToken: stopping).ConfigureAwait(false))
            {
                if (Notification(e) is { } line)
                {
                    foreach (var client in _clients.Keys)
                    {
                        client.Notify(line);
                    }
                }
            }
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Dispose();
            }

            await Task.WhenAll(accepting).ConfigureAwait(false);
            await Task.WhenAll(_clients.Values).ConfigureAwait(false);
        }
    }

    /// <summary><c>{"jsonrpc":"2.0","method":TYPE,"params":LINE}</c>: the event as <c>inbox --json</c> prints it, named by its type.</summary>
    internal static byte[]? Notification(MessengerEvent e)
    {
        if (JsonLines.EventJson(e) is not { } line)
        {
            return null;
        }

        var type = JsonNode.Parse(line)!["type"]!.GetValue<string>();
        return [.. "{\"jsonrpc\":\"2.0\",\"method\":\""u8, .. Encoding.UTF8.GetBytes(type), .. "\",\"params\":"u8, .. line, .. "}"u8];
    }

    private async Task AcceptAsync(Socket listener, IReadOnlyDictionary<string, RpcMethod> methods, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(stopping).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            if (_clients.Count >= MaxClients)
            {
                log($"turned a client away: {MaxClients} are connected");
                socket.Dispose();
                continue;
            }

            var connection = new JsonRpcConnection(new NetworkStream(socket, ownsSocket: true), methods, log);
            var served = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _clients[connection] = served.Task;
            _ = ServeAsync(connection, served, stopping);
        }
    }

    private async Task ServeAsync(JsonRpcConnection connection, TaskCompletionSource served, CancellationToken stopping)
    {
        try
        {
            await connection.RunAsync(stopping).ConfigureAwait(false);
        }
        finally
        {
            _clients.TryRemove(connection, out _);
            served.SetResult();
        }
    }
}
