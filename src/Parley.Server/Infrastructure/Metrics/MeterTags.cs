namespace Parley.Server.Infrastructure.Metrics;

/// <summary>
/// The tag every Parley instrument may carry: a fixed word chosen in code (a reason, an outcome, an operation),
/// never a value a client sent, an id, a name, a token or an address — those would make series without bound
/// and publish who talks to whom.
/// </summary>
internal static class MeterTags
{
    public static KeyValuePair<string, object?> Of(string key, string fixedWord) => new(key, fixedWord);
}
