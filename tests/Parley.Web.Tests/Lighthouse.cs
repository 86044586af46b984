using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Parley.Testing;

namespace Parley.Web.Tests;

/// <summary>
/// Runs Lighthouse (web/node_modules, pinned in web/package.json) on one page in Debian's Chromium with
/// its default mobile preset (a Moto G Power on slow 4G, simulated), and reads the figures the tests
/// and docs/benchmarks.md use out of its JSON report.
/// </summary>
public static class Lighthouse
{
    public static string CliPath { get; } = RepoPaths.Combine("web", "node_modules", "lighthouse", "cli", "index.js");

    public static bool IsInstalled => File.Exists(CliPath);

    /// <summary>Where reports go: artifacts/web/lighthouse.</summary>
    public static string ReportDirectory { get; } = Directory.CreateDirectory(Path.Combine(BrowserFixture.ArtifactsDirectory, "lighthouse")).FullName;

    public sealed record Report(
        string Page,
        double Performance,
        double Accessibility,
        double BestPractices,
        double FirstContentfulPaintMs,
        double LargestContentfulPaintMs,
        double CumulativeLayoutShift,
        double TotalBlockingTimeMs,
        long TransferredBytes,
        long ScriptBytes,
        long UnusedScriptBytes,
        IReadOnlyList<string> FailedAudits,
        IReadOnlyList<string> MissedSavings,
        double BenchmarkIndex,
        double CpuSlowdown)
    {
        public string Row() => string.Create(CultureInfo.InvariantCulture,
            $"| {Page} | {Performance * 100:0} | {Accessibility * 100:0} | {BestPractices * 100:0} | {FirstContentfulPaintMs:0} | {LargestContentfulPaintMs:0} | {CumulativeLayoutShift:0.000} | {TotalBlockingTimeMs:0} | {TransferredBytes} | {ScriptBytes} | {UnusedScriptBytes} | {BenchmarkIndex:0} | {CpuSlowdown:0.0} |");

        public const string Header =
            "| page | performance | accessibility | best practices | FCP ms | LCP ms | CLS | TBT ms | bytes transferred | JS bytes (decoded) | unused JS bytes | BenchmarkIndex | CPU slowdown |\n" +
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|";
    }

    /// <summary>The mobile preset's CPU slowdown, meant for a host with a BenchmarkIndex of about 1,533.</summary>
    public const double PresetCpuSlowdown = 4;

    /// <summary>
    /// The CPU slowdown that makes a host with <paramref name="benchmarkIndex"/> stand for the preset's
    /// phone, after Lighthouse's CPU throttling calculator (1,533 = 4×, 1,300 = 3×; below that a straight
    /// line to 2× at 800 and 1× at 150), never more than the preset.
    /// </summary>
    public static double CalibratedCpuSlowdown(double benchmarkIndex) => Math.Min(PresetCpuSlowdown, benchmarkIndex switch
    {
        >= 1300 => 3 + ((benchmarkIndex - 1300) / 233),
        >= 800 => 2 + ((benchmarkIndex - 800) / 500),
        >= 150 => 1 + ((benchmarkIndex - 150) / 650),
        _ => 1,
    });

    /// <summary>Audits <paramref name="url"/>, keeping the JSON report as <paramref name="fileName"/> in <see cref="ReportDirectory"/>.</summary>
    public static async Task<Report> RunAsync(string name, string url, string fileName, double cpuSlowdown, CancellationToken cancellationToken)
    {
        // On a busy machine Lighthouse now and then loses its own trace of the load (NO_NAVSTART,
        // NO_FCP): that says nothing about the page, so such a run is repeated, twice at most.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await RunOnceAsync(name, url, Path.Combine(ReportDirectory, fileName), cpuSlowdown, cancellationToken);
            }
            catch (LighthouseRuntimeException) when (attempt < 3)
            {
            }
        }
    }

    private sealed class LighthouseRuntimeException(string message) : Exception(message);

    private static async Task<Report> RunOnceAsync(string name, string url, string output, double cpuSlowdown, CancellationToken cancellationToken)
    {
        File.Delete(output);
        var start = new ProcessStartInfo("node",
        [
            CliPath, url, "--quiet", "--output=json", $"--output-path={output}",
            "--only-categories=performance,accessibility,best-practices",
            string.Create(CultureInfo.InvariantCulture, $"--throttling.cpuSlowdownMultiplier={cpuSlowdown:0.00}"),
            // The same flags as BrowserFixture's Chromium: a container has no sandbox or GPU to offer.
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu --no-first-run --disable-background-networking --disable-component-update --disable-sync",
        ])
        {
            WorkingDirectory = RepoPaths.Combine("web"),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["CHROME_PATH"] = BrowserFixture.ChromiumPath;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0 || !File.Exists(output))
        {
            var message = $"Lighthouse failed on {url} (exit {process.ExitCode}): {await stderr}{await stdout}";
            throw message.Contains("Runtime error encountered", StringComparison.Ordinal)
                ? new LighthouseRuntimeException(message)
                : new InvalidOperationException(message);
        }

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(output, cancellationToken));
        return Read(name, json.RootElement);
    }

    private static Report Read(string name, JsonElement report)
    {
        var runtimeError = report.TryGetProperty("runtimeError", out var error) ? error.GetProperty("message").GetString() : null;
        if (runtimeError is not null)
        {
            throw new LighthouseRuntimeException($"Lighthouse could not audit {name}: {runtimeError}");
        }

        var categories = report.GetProperty("categories");
        var audits = report.GetProperty("audits");
        double Score(string category) => categories.GetProperty(category).GetProperty("score").GetDouble();
        double Value(string audit) => audits.GetProperty(audit).GetProperty("numericValue").GetDouble();

        // Script sizes as the browser ran them (decoded), and the bytes of them never executed during the load.
        var scripts = audits.GetProperty("script-treemap-data").GetProperty("details").GetProperty("nodes").EnumerateArray().ToList();
        var scriptBytes = scripts.Sum(s => s.GetProperty("resourceBytes").GetInt64());
        var unusedBytes = scripts.Sum(s => s.TryGetProperty("unusedBytes", out var u) ? u.GetInt64() : 0);

        // Every scored audit that did not pass, in the categories that must be perfect.
        var failed = new List<string>();
        foreach (var category in new[] { "accessibility", "best-practices" })
        {
            foreach (var reference in categories.GetProperty(category).GetProperty("auditRefs").EnumerateArray())
            {
                var audit = audits.GetProperty(reference.GetProperty("id").GetString()!);
                if (reference.GetProperty("weight").GetDouble() > 0 && audit.GetProperty("score") is { ValueKind: JsonValueKind.Number } s && s.GetDouble() < 1)
                {
                    failed.Add($"{category}/{reference.GetProperty("id").GetString()}: {audit.GetProperty("title").GetString()}");
                }
            }
        }

        // The outside audit's findings: uncompressed text, and scripts loaded but mostly not run.
        var missed = new[] { "uses-text-compression", "unused-javascript" }
            .Select(id => audits.GetProperty(id))
            .Where(a => a.GetProperty("score") is { ValueKind: JsonValueKind.Number } s && s.GetDouble() < 1)
            .Select(a => $"{a.GetProperty("id").GetString()}: {a.GetProperty("displayValue").GetString()}")
            .ToList();

        return new Report(
            name,
            Score("performance"),
            Score("accessibility"),
            Score("best-practices"),
            Value("first-contentful-paint"),
            Value("largest-contentful-paint"),
            Value("cumulative-layout-shift"),
            Value("total-blocking-time"),
            (long)Value("total-byte-weight"),
            scriptBytes,
            unusedBytes,
            failed,
            missed,
            report.GetProperty("environment").GetProperty("benchmarkIndex").GetDouble(),
            report.GetProperty("configSettings").GetProperty("throttling").GetProperty("cpuSlowdownMultiplier").GetDouble());
    }
}
