using System.Diagnostics;
using System.Text.Json;
using Parley.Testing;

namespace Parley.Web.Tests;

/// <summary>Runs the web UI's own unit tests (vitest, in web/test) as part of the .NET suite.</summary>
public sealed class VitestTests
{
    [Fact]
    public async Task Web_format_unit_tests_pass_under_vitest()
    {
        var web = RepoPaths.Combine("web");
        if (!Directory.Exists(Path.Combine(web, "node_modules", "vitest")))
        {
            if (TestEnvironment.IsCi)
            {
                throw new InvalidOperationException("CI=true but web/node_modules is missing; ./test.sh runs npm ci.");
            }

            Assert.Skip("web/node_modules is missing: run npm ci in web/ (./test.sh does).");
        }

        var report = Path.Combine(Path.GetTempPath(), $"parley-vitest-{Guid.NewGuid():N}.json");
        try
        {
            var start = new ProcessStartInfo("node", ["node_modules/vitest/vitest.mjs", "run", "--reporter=json", $"--outputFile={report}"])
            {
                WorkingDirectory = web,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);

            File.Exists(report).ShouldBeTrue($"vitest wrote no report. {await stderr}");
            using var json = JsonDocument.Parse(await File.ReadAllTextAsync(report, TestContext.Current.CancellationToken));
            var passed = json.RootElement.GetProperty("numPassedTests").GetInt32();
            var failed = json.RootElement.GetProperty("numFailedTests").GetInt32();
            failed.ShouldBe(0, await stdout);
            passed.ShouldBeGreaterThan(40);
            process.ExitCode.ShouldBe(0);
        }
        finally
        {
            File.Delete(report);
        }
    }
}
