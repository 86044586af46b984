using System.Text.Json;
using Parley.Testing;

namespace Parley.Web.Tests;

/// <summary>
/// docs/secret-format-vectors.json inside Chromium: the page loads the app's own built format module
/// (/app/assets/parley-format.js, under the server's CSP) and runs every vector with
/// web/test/run-vectors.js, which the test serves to the page on the same origin.
/// </summary>
public sealed class FormatVectorTests(BrowserFixture browser, WebServer server) : IClassFixture<WebServer>
{
    [Fact]
    public async Task Every_format_vector_passes_in_the_browser_with_the_built_bundle()
    {
        browser.RequireBrowser();
        var vectors = await File.ReadAllTextAsync(RepoPaths.Combine("docs", "secret-format-vectors.json"), TestContext.Current.CancellationToken);
        var runner = await File.ReadAllTextAsync(RepoPaths.Combine("web", "test", "run-vectors.js"), TestContext.Current.CancellationToken);
        await using var context = await browser.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.RouteAsync("**/__test__/run-vectors.js", route => route.FulfillAsync(new()
        {
            Status = 200,
            ContentType = "text/javascript",
            Body = runner,
        }));
        var probe = await PageProbe.AttachAsync(page);
        await page.GotoAsync(server.Url("/"));

        var result = await page.EvaluateAsync<JsonElement>(
            """
            async (json) => {
              const format = await import('/app/assets/parley-format.js');
              const { runVectors } = await import('/__test__/run-vectors.js');
              return await runVectors(format, JSON.parse(json));
            }
            """,
            vectors);

        var failures = result.GetProperty("failures").EnumerateArray().Select(e => e.GetString()).ToList();
        failures.ShouldBeEmpty();
        result.GetProperty("checked").GetInt32().ShouldBeGreaterThan(150);
        probe.CspViolations.ShouldBeEmpty();
    }

    [Fact]
    public async Task Every_request_format_vector_passes_in_the_browser_with_the_built_bundle()
    {
        browser.RequireBrowser();
        var vectors = await File.ReadAllTextAsync(RepoPaths.Combine("docs", "request-format-vectors.json"), TestContext.Current.CancellationToken);
        var runner = await File.ReadAllTextAsync(RepoPaths.Combine("web", "test", "run-request-vectors.js"), TestContext.Current.CancellationToken);
        await using var context = await browser.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.RouteAsync("**/__test__/run-request-vectors.js", route => route.FulfillAsync(new()
        {
            Status = 200,
            ContentType = "text/javascript",
            Body = runner,
        }));
        var probe = await PageProbe.AttachAsync(page);
        await page.GotoAsync(server.Url("/"));

        // Chromium's own WebCrypto X25519 against vectors made with OpenSSL through Node.
        var result = await page.EvaluateAsync<JsonElement>(
            """
            async (json) => {
              const format = await import('/app/assets/parley-format.js');
              const { runRequestVectors } = await import('/__test__/run-request-vectors.js');
              return await runRequestVectors(format, JSON.parse(json));
            }
            """,
            vectors);

        result.GetProperty("failures").EnumerateArray().Select(e => e.GetString()).ToList().ShouldBeEmpty();
        result.GetProperty("checked").GetInt32().ShouldBeGreaterThan(40);
        probe.CspViolations.ShouldBeEmpty();
    }
}
