using System.Text.Json;

/// <summary>The one machine-readable line each mode ends with: <c>json: {...}</c>.</summary>
internal static class Json
{
    public static void Line(Dictionary<string, object?> values) =>
        Console.WriteLine("json: " + JsonSerializer.Serialize(values));
}
