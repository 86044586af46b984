using System.Globalization;

/// <summary>
/// The server's garbage collections and time paused so far, read from its Prometheus endpoint (the
/// runtime meter's <c>dotnet_gc_*</c> series); the difference of two readings is what a window cost.
/// </summary>
internal sealed record ServerGc(long Gen0, long Gen1, long Gen2, double PauseMs)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    public static ServerGc? operator -(ServerGc? after, ServerGc? before) =>
        after is null || before is null ? null
            : new ServerGc(after.Gen0 - before.Gen0, after.Gen1 - before.Gen1, after.Gen2 - before.Gen2, after.PauseMs - before.PauseMs);

    /// <summary>The current totals, or null without a metrics address (or when it does not answer).</summary>
    public static async Task<ServerGc?> ReadAsync(string metricsUrl)
    {
        if (metricsUrl.Length == 0)
        {
            return null;
        }

        string text;
        try
        {
            text = await Http.GetStringAsync(new Uri(new Uri(metricsUrl), "/metrics"));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null; // no figure rather than no run
        }

        long gen0 = 0, gen1 = 0, gen2 = 0;
        double pause = 0;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith("dotnet_gc_collections_total{", StringComparison.Ordinal))
            {
                var count = (long)Value(line);
                if (line.Contains("\"gen0\"", StringComparison.Ordinal)) { gen0 = count; }
                else if (line.Contains("\"gen1\"", StringComparison.Ordinal)) { gen1 = count; }
                else if (line.Contains("\"gen2\"", StringComparison.Ordinal)) { gen2 = count; }
            }
            else if (line.StartsWith("dotnet_gc_pause_time_seconds_total", StringComparison.Ordinal))
            {
                pause = Value(line) * 1000;
            }
        }

        return new ServerGc(gen0, gen1, gen2, pause);
    }

    private static double Value(string line) =>
        double.TryParse(ValueText(line), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : 0;

    // "name{labels} value [timestamp]"
    private static string ValueText(string line) => (line[(line.LastIndexOf('}') is var b and >= 0 ? b + 1 : line.IndexOf(' ', StringComparison.Ordinal))..].Trim().Split(' ')[0]);
}
