using System.Text.Json;
using Parley.Testing;

namespace Parley.Web.Tests;

/// <summary>
/// The published vectors inside Chromium: the page loads the app's own built format module
/// (/app/assets/parley-format.js, under the server's CSP) and runs every vector with a runner from
/// web/test/, which the test serves to the page on the same origin.
/// </summary>
public sealed class FormatVectorTests(BrowserFixture browser, WebServer server) : IClassFixture<WebServer>
{
    [Fact]
    public async Task Every_format_vector_passes_in_the_browser_with_the_built_bundle()
    {
        var result = await RunAsync("secret-format-vectors.json", "run-vectors.js", "runVectors");
        result.GetProperty("checked").GetInt32().ShouldBeGreaterThan(150);
    }

    [Fact]
    public async Task Every_request_format_vector_passes_in_the_browser_with_the_built_bundle()
    {
        // Chromium's own WebCrypto X25519 against vectors made with OpenSSL through Node.
        var result = await RunAsync("request-format-vectors.json", "run-request-vectors.js", "runRequestVectors");
        result.GetProperty("checked").GetInt32().ShouldBeGreaterThan(40);
    }

    [Fact]
    public async Task Every_several_recipients_vector_passes_in_the_browser_with_the_built_bundle()
    {
        var result = await RunAsync("secret-format-recipients-vectors.json", "run-recipient-vectors.js", "runRecipientVectors");
        result.GetProperty("checked").GetInt32().ShouldBeGreaterThan(40);
    }

    /// <summary>Runs <c>web/test/{runner}</c>'s <paramref name="function"/> on <c>docs/{vectorsFile}</c> in the page; asserts no failures and no CSP violations.</summary>
    private async Task<JsonElement> RunAsync(string vectorsFile, string runner, string function)
    {
        browser.RequireBrowser();
        var vectors = await File.ReadAllTextAsync(RepoPaths.Combine("docs", vectorsFile), TestContext.Current.CancellationToken);
        var source = await File.ReadAllTextAsync(RepoPaths.Combine("web", "test", runner), TestContext.Current.CancellationToken);
        await using var context = await browser.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.RouteAsync($"**/__test__/{runner}", route => route.FulfillAsync(new()
        {
            Status = 200,
            ContentType = "text/javascript",
            Body = source,
        }));
        var probe = await PageProbe.AttachAsync(page);
        await page.GotoAsync(server.Url("/"));

        var result = await page.EvaluateAsync<JsonElement>(
            """
            async ([json, runner, fn]) => {
              const format = await import('/app/assets/parley-format.js');
              const run = (await import('/__test__/' + runner))[fn];
              return await run(format, JSON.parse(json));
            }
            """,
            new object[] { vectors, runner, function });

        result.GetProperty("failures").EnumerateArray().Select(e => e.GetString()).ToList().ShouldBeEmpty();
        probe.CspViolations.ShouldBeEmpty();
        return result;
    }
}
