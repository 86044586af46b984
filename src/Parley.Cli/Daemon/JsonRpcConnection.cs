using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Parley.Cli.Messaging;

namespace Parley.Cli.Daemon;

/// <summary>
/// One client of the daemon: JSON-RPC 2.0, one JSON text per line (UTF-8, '\n') each way. Requests are
/// answered in order; notifications of the messenger's events are written between answers as they
/// happen. A malformed line gets an error answer and the connection goes on; a client that stops
/// reading while thousands of notifications wait is disconnected (what it missed stays in the history).
/// </summary>
internal sealed class JsonRpcConnection(Stream stream, IReadOnlyDictionary<string, RpcMethod> methods, Action<string> log)
{
    /// <summary>The longest request line; longer ones are answered with an error and skipped.</summary>
    public const int MaxRequestBytes = 1024 * 1024;

    /// <summary>How many lines may wait for a client that does not read before it is disconnected.</summary>
    public const int MaxWaitingLines = 10_000;

    private static readonly JsonDocumentOptions ParseOptions = new() { MaxDepth = 32 };

    private static readonly byte[] LineBreak = "\n"u8.ToArray();

    // No HTML goes through this socket: '+' and quotes stay as they are, control characters are still escaped.
    private static readonly JsonSerializerOptions Output = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly Channel<byte[]> _outgoing = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(MaxWaitingLines)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private readonly CancellationTokenSource _closed = new();
    private volatile bool _done;

    /// <summary>Queues a notification; a client too far behind is disconnected instead.</summary>
    public void Notify(byte[] line)
    {
        if (!_outgoing.Writer.TryWrite(line) && !_done && !_closed.IsCancellationRequested)
        {
            log("a client stopped reading and was disconnected (its notifications are in the history)");
            _closed.Cancel();
        }
    }

    /// <summary>Serves the client until it closes its side (answers still due are written first) or the daemon stops.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        using var both = CancellationTokenSource.CreateLinkedTokenSource(stopping, _closed.Token);
        var token = both.Token;
        var writer = WriteAsync(token);
        try
        {
            await ReadAsync(token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // the daemon stops, the client went away, or it was too slow
        }
        finally
        {
            _done = true;
            _outgoing.Writer.TryComplete();
        }

        try
        {
            await writer.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
        }
        finally
        {
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task WriteAsync(CancellationToken token)
    {
        await foreach (var line in _outgoing.Reader.ReadAllAsync(token).ConfigureAwait(false))
        {
            await stream.WriteAsync(line, token).ConfigureAwait(false);
            await stream.WriteAsync(LineBreak, token).ConfigureAwait(false);
            if (_outgoing.Reader.Count == 0)
            {
                await stream.FlushAsync(token).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Splits the stream into lines, each at most <see cref="MaxRequestBytes"/>, and answers each.</summary>
    private async Task ReadAsync(CancellationToken token)
    {
        var buffer = new byte[64 * 1024];
        using var line = new MemoryStream();
        var skipping = false;
        while (true)
        {
            var read = await stream.ReadAsync(buffer, token).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            var rest = buffer.AsMemory(0, read);
            while (!rest.IsEmpty)
            {
                var end = rest.Span.IndexOf((byte)'\n');
                var part = end < 0 ? rest : rest[..end];
                if (!skipping && line.Length + part.Length > MaxRequestBytes)
                {
                    skipping = true;
                    line.SetLength(0);
                    await AnswerAsync(Error(null, new JsonRpcError(JsonRpcError.InvalidRequest, $"a request is at most {MaxRequestBytes} bytes on one line")), token)
                        .ConfigureAwait(false);
                }

                if (!skipping)
                {
                    line.Write(part.Span);
                }

                if (end < 0)
                {
                    break;
                }

                rest = rest[(end + 1)..];
                if (!skipping)
                {
                    await AnswerAsync(await HandleLineAsync(line.ToArray(), token).ConfigureAwait(false), token).ConfigureAwait(false);
                }

                line.SetLength(0);
                skipping = false;
            }
        }

        // A last request without its line break (the client closed right after it).
        if (!skipping && line.Length > 0)
        {
            await AnswerAsync(await HandleLineAsync(line.ToArray(), token).ConfigureAwait(false), token).ConfigureAwait(false);
        }
    }

    private async Task AnswerAsync(JsonNode? answer, CancellationToken token)
    {
        if (answer is not null)
        {
            await _outgoing.Writer.WriteAsync(Encoding.UTF8.GetBytes(answer.ToJsonString(Output)), token).ConfigureAwait(false);
        }
    }

    /// <summary>The answer to one line: a response, an array of them (a batch), or null (only notifications, or a blank line).</summary>
    private async Task<JsonNode?> HandleLineAsync(byte[] text, CancellationToken token)
    {
        if (text.AsSpan().Trim(" \t\r"u8).IsEmpty)
        {
            return null;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, ParseOptions);
        }
        catch (JsonException)
        {
            return Error(null, new JsonRpcError(JsonRpcError.ParseError, "not valid JSON: send one JSON-RPC 2.0 request object (or a batch array) per line"));
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Array)
            {
                return await HandleRequestAsync(root, token).ConfigureAwait(false);
            }

            if (root.GetArrayLength() == 0)
            {
                return Error(null, new JsonRpcError(JsonRpcError.InvalidRequest, "an empty batch"));
            }

            var answers = new JsonArray();
            foreach (var request in root.EnumerateArray())
            {
                if (await HandleRequestAsync(request, token).ConfigureAwait(false) is { } answer)
                {
                    answers.Add(answer);
                }
            }

            return answers.Count > 0 ? answers : null;
        }
    }

    private async Task<JsonNode?> HandleRequestAsync(JsonElement request, CancellationToken token)
    {
        if (request.ValueKind != JsonValueKind.Object)
        {
            return Error(null, new JsonRpcError(JsonRpcError.InvalidRequest, "a request is a JSON object"));
        }

        var hasId = request.TryGetProperty("id", out var id);
        if (hasId && id.ValueKind is not (JsonValueKind.String or JsonValueKind.Number or JsonValueKind.Null))
        {
            return Error(null, new JsonRpcError(JsonRpcError.InvalidRequest, "'id' is a string or a number"));
        }

        var idNode = hasId ? JsonValue.Create(id.Clone()) : null;
        if (!request.TryGetProperty("jsonrpc", out var version) || version.ValueKind != JsonValueKind.String || version.GetString() != "2.0")
        {
            return Error(idNode, new JsonRpcError(JsonRpcError.InvalidRequest, "'jsonrpc' must be \"2.0\""));
        }

        if (!request.TryGetProperty("method", out var methodName) || methodName.ValueKind != JsonValueKind.String)
        {
            return Error(idNode, new JsonRpcError(JsonRpcError.InvalidRequest, "'method' is a string naming the method"));
        }

        JsonNode? answer;
        try
        {
            var name = methodName.GetString()!;
            var method = methods.GetValueOrDefault(name)
                ?? throw new JsonRpcError(JsonRpcError.MethodNotFound, $"no method '{(name.Length <= 40 ? name : name[..40] + "…")}' (docs/messenger.md lists them)");
            JsonElement? raw = request.TryGetProperty("params", out var p) ? p : null;
            var args = RpcParams.From(name, raw, method.Parameters);
            var result = await method.Run(args, token).ConfigureAwait(false);
            answer = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = idNode, ["result"] = result };
        }
        catch (JsonRpcError e)
        {
            answer = Error(idNode, e);
        }
        catch (Exception e) when (Failure(e) is { } failure)
        {
            answer = Error(idNode, failure);
        }

        // A request without an id is a notification: it gets no answer, not even an error.
        return hasId ? answer : null;
    }

    /// <summary>A command failure as an error whose code is the command's exit code (bad arguments: invalid params).</summary>
    private static JsonRpcError? Failure(Exception e)
    {
        var failure = e as CliException ?? MessengerSession.Failure(e)
            ?? (e is IOException or UnauthorizedAccessException or InvalidDataException ? new CliException(ExitCodes.Error, e.Message) : null);
        if (failure is null)
        {
            return e is OperationCanceledException ? null : new JsonRpcError(JsonRpcError.InternalError, "internal error: " + e.GetType().Name);
        }

        var user = (e as Client.Messenger.MessengerException)?.User;
        return new JsonRpcError(failure.ExitCode == ExitCodes.Usage ? JsonRpcError.InvalidParams : failure.ExitCode, failure.Message,
            user is null ? null : new JsonObject { ["user"] = user });
    }

    private static JsonObject Error(JsonNode? id, JsonRpcError error) =>
        new() { ["jsonrpc"] = "2.0", ["id"] = id, ["error"] = error.ToJson() };
}
