using Parley.Testing;

namespace Parley.Web.Tests;

/// <summary>
/// Lighthouse's mobile preset on every page of the app, each in the state a visitor first sees it:
/// accessibility and best practices 100, performance at least 95, text compressed and no script
/// mostly unused. The reports and a summary table (docs/benchmarks.md) go to artifacts/web/lighthouse.
/// </summary>
[Collection(nameof(LighthouseTests))]
public sealed class LighthouseTests(BrowserFixture browser, WebServer server) : IClassFixture<WebServer>
{
    private const double MinPerformance = 0.95;

    /// <summary>
    /// Performance is timed on this machine's CPU, which other work may share. The first run uses the
    /// mobile preset as it is (4× CPU slowdown, meant for a host with a BenchmarkIndex of ~1,533). A page
    /// below the bar is audited again, up to this many runs in all, with the slowdown calibrated to the
    /// BenchmarkIndex Lighthouse measured in the previous run, as Lighthouse's docs advise for slower
    /// hosts (never more lenient than 1×, never stricter than the preset); its best run counts.
    /// Accessibility and best practices do not depend on timing: every run must have 100.
    /// </summary>
    private const int MaxRuns = 4;

    [Fact]
    public async Task Every_page_scores_100_for_accessibility_and_best_practices_and_at_least_95_for_performance_on_mobile()
    {
        browser.RequireBrowser();
        if (!Lighthouse.IsInstalled)
        {
            if (TestEnvironment.IsCi)
            {
                throw new InvalidOperationException("CI=true but web/node_modules/lighthouse is missing; ./test.sh runs npm ci.");
            }

            Assert.Skip("web/node_modules/lighthouse is missing: run npm ci in web/ (./test.sh does).");
        }

        var pages = await PagesAsync();
        var reports = new List<Lighthouse.Report>();
        var problems = new List<string>();
        foreach (var (name, url) in pages)
        {
            // The run that counts is kept as {name}.json.
            Lighthouse.Report? best = null;
            Lighthouse.Report? last = null;
            for (var run = 1; run <= MaxRuns && (best is null || best.Performance < MinPerformance); run++)
            {
                var file = run == 1 ? $"{name}.json" : $"{name}.again.json";
                var slowdown = last is null ? Lighthouse.PresetCpuSlowdown : Lighthouse.CalibratedCpuSlowdown(last.BenchmarkIndex);
                var report = last = await Lighthouse.RunAsync(name, url, file, slowdown, TestContext.Current.CancellationToken);
                problems.AddRange(report.FailedAudits.Concat(report.MissedSavings).Select(p => $"{name} (run {run}): {p}"));
                if (report.Accessibility < 1 || report.BestPractices < 1)
                {
                    problems.Add($"{name} (run {run}): accessibility {report.Accessibility:0.00}, best practices {report.BestPractices:0.00}");
                }

                if (best is null || report.Performance > best.Performance)
                {
                    if (run > 1)
                    {
                        File.Move(Path.Combine(Lighthouse.ReportDirectory, file), Path.Combine(Lighthouse.ReportDirectory, $"{name}.json"), overwrite: true);
                    }

                    best = report;
                }
            }

            File.Delete(Path.Combine(Lighthouse.ReportDirectory, $"{name}.again.json"));
            reports.Add(best!);
            if (best!.Performance < MinPerformance)
            {
                problems.Add($"{name}: performance {best.Performance:0.00} in its best of {MaxRuns} runs");
            }
        }

        var summary = Lighthouse.Report.Header + "\n" + string.Join("\n", reports.Select(r => r.Row())) + "\n";
        await File.WriteAllTextAsync(Path.Combine(Lighthouse.ReportDirectory, "summary.md"), summary, TestContext.Current.CancellationToken);
        TestContext.Current.SendDiagnosticMessage(summary);
        problems.ShouldBeEmpty(summary);
    }

    /// <summary>Every page, with real links: a secret waiting to be opened and a request waiting for its answer.</summary>
    private async Task<IReadOnlyList<(string Name, string Url)>> PagesAsync()
    {
        var (context, page, _) = await WebApp.OpenAsync(browser);
        await using var c = context;
        var secret = await WebApp.CreateAsync(page, server, "audited, never opened");
        var request = await RequestPages.RequestAsync(page, server, "the audit's test request");
        return
        [
            ("create", server.Url("/")),
            ("open", secret.Share),
            ("manage", secret.Manage),
            ("request", server.Url("/request")),
            ("respond", request.Send),
            ("answer", request.Private),
        ];
    }
}

/// <summary>Lighthouse times the pages on this machine's CPU: it runs after the other browser tests, not beside them.</summary>
[CollectionDefinition(nameof(LighthouseTests), DisableParallelization = true)]
public sealed class LighthouseCollection;
