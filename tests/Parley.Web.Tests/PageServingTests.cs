using System.Net;
using System.Text.RegularExpressions;

namespace Parley.Web.Tests;

/// <summary>The server hands out the built app for every route of the app, and only static markup.</summary>
public sealed partial class PageServingTests(BrowserFixture browser, WebServer server) : IClassFixture<WebServer>
{
    private const string SampleId = "AAAAAAAAAAAAAAAAAAAAAA";
    private const string SampleKey = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

    [Theory]
    [InlineData("/")]
    [InlineData("/s/" + SampleId)]
    [InlineData("/m/" + SampleId)]
    [InlineData("/request")]
    [InlineData("/r/" + SampleId)]
    [InlineData("/r/" + SampleId + "/answer")]
    public async Task Every_app_route_serves_the_page_with_no_inline_script_or_style(string path)
    {
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        using var response = await http.GetAsync(path, TestContext.Current.CancellationToken);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/html");
        response.Headers.CacheControl!.NoStore.ShouldBeTrue();
        var html = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        var scripts = ScriptTag().Matches(html);
        scripts.Count.ShouldBeGreaterThan(0);
        scripts.ShouldAllBe(m => m.Value.Contains("src=\"/app/assets/", StringComparison.Ordinal));
        ScriptBody().IsMatch(html).ShouldBeFalse("a script element has inline content");
        html.ShouldNotContain("<style", Case.Insensitive);
        html.ShouldNotContain(" style=", Case.Insensitive);
        OnHandler().IsMatch(html).ShouldBeFalse("an inline event handler");
    }

    [Fact]
    public async Task Built_assets_and_the_download_worker_are_served_from_app()
    {
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var html = await http.GetStringAsync("/", TestContext.Current.CancellationToken);
        var script = ScriptSource().Match(html).Groups["src"].Value;
        script.ShouldStartWith("/app/assets/");
        using var asset = await http.GetAsync(script, TestContext.Current.CancellationToken);
        asset.StatusCode.ShouldBe(HttpStatusCode.OK);
        asset.Headers.CacheControl!.ToString().ShouldContain("immutable");
        using var worker = await http.GetAsync("/app/sw.js", TestContext.Current.CancellationToken);
        worker.StatusCode.ShouldBe(HttpStatusCode.OK);
        worker.Content.Headers.ContentType!.MediaType.ShouldBe("text/javascript");
    }

    [Fact]
    public async Task With_javascript_off_the_page_says_why_it_is_needed_and_that_nothing_was_used()
    {
        browser.RequireBrowser();
        await using var context = await browser.Browser.NewContextAsync(new() { JavaScriptEnabled = false });
        var page = await context.NewPageAsync();
        await page.GotoAsync(server.Url($"/s/{SampleId}#{SampleKey}"));
        var text = await page.InnerTextAsync("main");
        text.ShouldContain("Parley needs JavaScript");
        text.ShouldContain("Nothing was opened or used up.");
        text.ShouldContain("parley secret open");
    }

    [Theory]
    [InlineData("/s/" + SampleId, "the part after # is missing")]
    [InlineData("/s/" + SampleId + "#" + "AAAA", "the part after # is damaged or incomplete")]
    [InlineData("/s/tooShort#" + SampleKey, "the secret id in the link is damaged")]
    [InlineData("/m/" + SampleId + "#" + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA!", "the part after # is damaged or incomplete")]
    [InlineData("/r/" + SampleId, "the part after # is missing")]
    [InlineData("/r/tooShort#" + SampleKey, "the request id in the link is damaged")]
    [InlineData("/r/" + SampleId + "/answer#" + "AAAA", "the part after # is damaged or incomplete")]
    [InlineData("/r/" + SampleId + "/extra#" + SampleKey, "the address does not have the shape of a Parley request link")]
    // All zero bytes: a low-order X25519 public key, refused before anything is typed or sent.
    [InlineData("/r/" + SampleId + "#" + SampleKey, "the key in the link is not usable")]
    public async Task A_damaged_link_is_reported_without_any_request_to_the_api(string path, string reason)
    {
        browser.RequireBrowser();
        await using var context = await browser.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var apiRequests = new List<string>();
        page.Request += (_, r) =>
        {
            if (new Uri(r.Url).AbsolutePath.StartsWith("/api/", StringComparison.Ordinal))
            {
                apiRequests.Add(r.Method + " " + r.Url);
            }
        };
        await page.GotoAsync(server.Url(path));
        var alert = page.GetByRole(Microsoft.Playwright.AriaRole.Alert);
        await alert.WaitForAsync();
        var text = await alert.InnerTextAsync();
        text.ShouldContain("This link is damaged.");
        text.ShouldContain(reason, Case.Insensitive);
        text.ShouldContain("Nothing was opened or used up.");
        apiRequests.ShouldBeEmpty();
    }

    [Fact]
    public async Task The_pages_csp_blocks_inline_script_and_the_probe_reports_it()
    {
        browser.RequireBrowser();
        var (context, page, probe) = await WebApp.OpenAsync(browser);
        await using var c = context;
        await page.GotoAsync(server.Url("/"));
        await page.GetByRole(Microsoft.Playwright.AriaRole.Heading, new() { Name = "Share a secret" }).WaitForAsync();
        probe.CspViolations.ShouldBeEmpty();

        var ran = await page.EvaluateAsync<bool>(
            """
            async () => {
              window.__inline = false;
              const s = document.createElement('script');
              s.textContent = 'window.__inline = true';
              document.body.append(s);
              await new Promise(r => setTimeout(r, 200));
              return window.__inline;
            }
            """);
        ran.ShouldBeFalse("the CSP let an inline script run");
        for (var i = 0; i < 50 && probe.CspViolations.Count == 0; i++)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        probe.CspViolations[0].ShouldContain("script-src");
    }

    [GeneratedRegex("<script\\b[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex ScriptTag();

    [GeneratedRegex("<script\\b[^>]*\\bsrc=\"(?<src>[^\"]+)\"", RegexOptions.IgnoreCase)]
    private static partial Regex ScriptSource();

    [GeneratedRegex("<script\\b[^>]*>\\s*[^<\\s]", RegexOptions.IgnoreCase)]
    private static partial Regex ScriptBody();

    [GeneratedRegex("\\son[a-z]+\\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex OnHandler();
}
