using System.Text.Json.Nodes;

namespace Parley.Cli.Daemon;

/// <summary>
/// A JSON-RPC 2.0 error answer. The reserved codes say the request itself was wrong; any other code is
/// the exit code the same command would end with on the command line (3 no such user, 10 network, 18
/// identity changed, …), so one table serves scripts and bots.
/// </summary>
internal sealed class JsonRpcError(int code, string message, JsonNode? data = null) : Exception(message)
{
    public const int ParseError = -32700;
    public const int InvalidRequest = -32600;
    public const int MethodNotFound = -32601;
    public const int InvalidParams = -32602;
    public const int InternalError = -32603;

    public int Code { get; } = code;

    /// <summary>The error's <c>data</c> member (e.g. the user whose key changed), or null.</summary>
    public JsonNode? Details { get; } = data;

    public static JsonRpcError Params(string message) => new(InvalidParams, message);

    /// <summary>The error object of a response: <c>{"code", "message", "data"?}</c>.</summary>
    public JsonObject ToJson()
    {
        var error = new JsonObject { ["code"] = Code, ["message"] = Message };
        if (Details is not null)
        {
            error["data"] = Details.DeepClone();
        }

        return error;
    }
}
