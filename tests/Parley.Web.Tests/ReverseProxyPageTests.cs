using Parley.Testing;

namespace Parley.Web.Tests;

/// <summary>
/// The web page in Chromium through deploy/nginx/parley.conf (Debian's nginx, TLS with a throwaway
/// certificate) in front of two Parley server processes that share PostgreSQL and Redis.
/// </summary>
public sealed class ReverseProxyPageTests(BrowserFixture browser)
{
    [Fact]
    public async Task A_secret_made_on_the_page_over_https_opens_once_in_another_browser_whichever_node_answers()
    {
        browser.RequireBrowser();
        var redis = TestEnvironment.RequireRedis();
        await using var database = await PostgresTestDatabase.CreateAsync(TestContext.Current.CancellationToken);
        var settings = new Dictionary<string, string?>
        {
            ["Parley:Storage:Provider"] = "postgres",
            ["Parley:Storage:PostgresConnectionString"] = database.ConnectionString,
            ["Parley:Messaging:Redis"] = redis,
            ["Parley:Http:TrustedProxies:0"] = "127.0.0.1",
            ["Parley:Secrets:CreatePerMinute"] = "0",
            // The built page lives in the server's source tree (./test.sh builds it there).
            [Microsoft.AspNetCore.Hosting.WebHostDefaults.WebRootKey] = RepoPaths.Combine("src", "Parley.Server", "wwwroot"),
        };
        await using var nodeA = await ServerProcess.StartAsync(settings, cancellationToken: TestContext.Current.CancellationToken);
        await using var nodeB = await ServerProcess.StartAsync(settings, cancellationToken: TestContext.Current.CancellationToken);
        await using var front = await NginxFront.StartAsync([nodeA.BaseUrl, nodeB.BaseUrl]);
        // A browser that trusts the throwaway certificate, as one whose user installed it would (service
        // workers, which the open page uses for files, refuse a certificate error that is merely ignored).
        var chromium = await browser.LaunchAsync("--ignore-certificate-errors-spki-list=" + front.SpkiSha256);
        await using var closeChromium = chromium;

        var (creatorContext, creator, creatorProbe) = await OpenAsync(chromium);
        await using var c1 = creatorContext;
        var links = await WebApp.CreateAsync(creator, front.Url, "over https through nginx ✓");
        links.Share.ShouldStartWith(front.Url.ToString());

        var (readerContext, reader, readerProbe) = await OpenAsync(chromium);
        await using var c2 = readerContext;
        await WebApp.GoToShareAsync(reader, links.Share);
        await WebApp.RevealAsync(reader);
        (await WebApp.RevealedTextAsync(reader)).ShouldBe("over https through nginx ✓");
        creatorProbe.CspViolations.ShouldBeEmpty();
        readerProbe.ConsoleErrors.ShouldBeEmpty();

        // Opened once: a third browser, on either node, finds it gone.
        var (lateContext, late, _) = await OpenAsync(chromium);
        await using var c3 = lateContext;
        await WebApp.GoToShareAsync(late, links.Share);
        (await WebApp.HeadingAsync(late)).ShouldNotBe(WebApp.WaitingHeading);
    }

    private static async Task<(Microsoft.Playwright.IBrowserContext, Microsoft.Playwright.IPage, PageProbe)> OpenAsync(Microsoft.Playwright.IBrowser chromium)
    {
        var context = await chromium.NewContextAsync();
        var page = await context.NewPageAsync();
        return (context, page, await PageProbe.AttachAsync(page));
    }
}
