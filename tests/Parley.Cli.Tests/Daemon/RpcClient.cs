using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Parley.Cli.Tests.Daemon;

/// <summary>
/// A bot's side of <c>parley daemon</c>: JSON-RPC 2.0, one JSON text per line. Answers arrive in order and
/// are read in order; notifications (no <c>id</c>) are kept apart, for <see cref="NextNotificationAsync"/>.
/// </summary>
internal sealed class RpcClient : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly Channel<JsonElement> _answers = Channel.CreateUnbounded<JsonElement>();
    private readonly Channel<JsonElement> _notifications = Channel.CreateUnbounded<JsonElement>();
    private readonly Task _reading;
    private int _nextId;

    private RpcClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reading = ReadAsync();
    }

    public static async Task<RpcClient> ConnectAsync(EndPointLike where)
    {
        var socket = where.Path is { } path
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(where.Path is { } p ? new UnixDomainSocketEndPoint(p) : where.Tcp!);
        return new RpcClient(socket);
    }

    /// <summary>Calls a method and returns the whole answer (<c>result</c> or <c>error</c>).</summary>
    public async Task<JsonElement> CallAsync(string method, object? parameters = null)
    {
        var request = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = ++_nextId, ["method"] = method };
        if (parameters is not null)
        {
            request["params"] = JsonSerializer.SerializeToNode(parameters);
        }

        var answer = await SendLineAsync(request.ToJsonString());
        answer.GetProperty("id").GetInt32().ShouldBe(_nextId);
        return answer;
    }

    /// <summary>A method's result; fails when the daemon answered with an error.</summary>
    public async Task<JsonElement> ResultAsync(string method, object? parameters = null)
    {
        var answer = await CallAsync(method, parameters);
        answer.TryGetProperty("error", out var error).ShouldBeFalse($"{method}: {answer}");
        return answer.GetProperty("result");
    }

    /// <summary>Writes one line as it is and returns the next answer.</summary>
    public async Task<JsonElement> SendLineAsync(string line)
    {
        await WriteLineAsync(line);
        return await NextAnswerAsync();
    }

    public async Task WriteLineAsync(string line)
    {
        await _stream.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"));
        await _stream.FlushAsync();
    }

    public async Task<JsonElement> NextAnswerAsync() => await _answers.Reader.ReadAsync().AsTask().WaitAsync(Patience);

    /// <summary>The next notification whose method and params match.</summary>
    public async Task<JsonElement> NextNotificationAsync(string method, Func<JsonElement, bool>? match = null)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (true)
        {
            var n = await _notifications.Reader.ReadAsync(timeout.Token);
            if (n.GetProperty("method").GetString() == method && (match is null || match(n.GetProperty("params"))))
            {
                return n;
            }
        }
    }

    /// <summary>Whether an answer is waiting right now (a notification to the daemon must get none).</summary>
    public bool HasAnswerWaiting => _answers.Reader.TryPeek(out _);

    private async Task ReadAsync()
    {
        using var reader = new StreamReader(_stream, Encoding.UTF8, leaveOpen: true);
        try
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                var message = JsonDocument.Parse(line).RootElement.Clone();
                var isNotification = message.ValueKind == JsonValueKind.Object && !message.TryGetProperty("id", out _);
                (isNotification ? _notifications : _answers).Writer.TryWrite(message);
            }
        }
        catch (IOException)
        {
        }
        finally
        {
            _answers.Writer.TryComplete();
            _notifications.Writer.TryComplete();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Shutdown(SocketShutdown.Both);
        await _stream.DisposeAsync();
        await _reading;
    }
}

/// <summary>Where a daemon listens: a Unix socket path or a TCP endpoint.</summary>
internal sealed record EndPointLike(string? Path, System.Net.IPEndPoint? Tcp);
