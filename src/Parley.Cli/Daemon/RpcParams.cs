using System.Text.Json;

namespace Parley.Cli.Daemon;

/// <summary>
/// The parameters of one call, given by name (an object) or by position (an array, in the method's
/// documented order), checked before the method runs: an unknown name, a missing value or a wrong type
/// is an invalid-params error and nothing happens.
/// </summary>
internal sealed class RpcParams
{
    private readonly string _method;
    private readonly Dictionary<string, JsonElement> _values;

    private RpcParams(string method, Dictionary<string, JsonElement> values)
    {
        _method = method;
        _values = values;
    }

    public static RpcParams From(string method, JsonElement? raw, IReadOnlyList<string> names)
    {
        var values = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var takes = names.Count == 0 ? "no parameters" : "parameters " + string.Join(", ", names);
        switch (raw)
        {
            case null:
                break;
            case { ValueKind: JsonValueKind.Object } o:
                foreach (var p in o.EnumerateObject())
                {
                    if (!names.Contains(p.Name))
                    {
                        throw JsonRpcError.Params($"{method} has no parameter '{Clip(p.Name)}'; it takes {takes}");
                    }

                    if (!values.TryAdd(p.Name, p.Value))
                    {
                        throw JsonRpcError.Params($"parameter '{p.Name}' is given twice");
                    }
                }

                break;
            case { ValueKind: JsonValueKind.Array } a:
                if (a.GetArrayLength() > names.Count)
                {
                    throw JsonRpcError.Params($"{method} takes {takes}, not {a.GetArrayLength()} values");
                }

                var i = 0;
                foreach (var value in a.EnumerateArray())
                {
                    values[names[i++]] = value;
                }

                break;
            default:
                throw JsonRpcError.Params("params must be an object (by name) or an array (by position)");
        }

        return new RpcParams(method, values);
    }

    /// <summary>A required string that is not empty.</summary>
    public string String(string name) =>
        OptionalString(name) is { Length: > 0 } value ? value : throw JsonRpcError.Params($"{_method} needs '{name}', a string that is not empty");

    public string? OptionalString(string name) => Get(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } v => v.GetString(),
        _ => throw JsonRpcError.Params($"'{name}' must be a string"),
    };

    public int Int(string name, int fallback, int min, int max) => Get(name) switch
    {
        null => fallback,
        { ValueKind: JsonValueKind.Number } v when v.TryGetInt32(out var n) && n >= min && n <= max => n,
        _ => throw JsonRpcError.Params($"'{name}' must be a whole number from {min} to {max}"),
    };

    public bool Bool(string name) => Get(name) switch
    {
        null => false,
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        _ => throw JsonRpcError.Params($"'{name}' must be true or false"),
    };

    /// <summary>An array of non-empty strings; <paramref name="required"/>: at least one.</summary>
    public IReadOnlyList<string> Strings(string name, bool required)
    {
        var value = Get(name);
        if (value is null && !required)
        {
            return [];
        }

        if (value is not { ValueKind: JsonValueKind.Array } array
            || array.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String || e.GetString()!.Length == 0)
            || (required && array.GetArrayLength() == 0))
        {
            throw JsonRpcError.Params($"'{name}' must be an array of {(required ? "one or more " : "")}usernames (strings)");
        }

        return [.. array.EnumerateArray().Select(e => e.GetString()!)];
    }

    private JsonElement? Get(string name) =>
        _values.TryGetValue(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    // Names come from the client: keep an error line short whatever it sent.
    private static string Clip(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
