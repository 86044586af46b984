using Microsoft.Playwright;

namespace Parley.Web.Tests;

/// <summary>
/// On a phone, the pages do not move once painted, even when the server's first answer is slow (the
/// page is built by script after that answer: whatever was painted before must stay where it was);
/// and the create form's choices are marked up, not only set by script.
/// </summary>
public sealed class LayoutStabilityTests(BrowserFixture browser, WebServer server) : IClassFixture<WebServer>
{
    /// <summary>Lighthouse's mobile preset (a Moto G Power).</summary>
    private static readonly ViewportSize Phone = new() { Width = 412, Height = 823 };

    /// <summary>Sums the page's layout shifts (not caused by input) from its first paint on.</summary>
    private const string CountShifts =
        """
        window.__parleyShift = 0;
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) if (!e.hadRecentInput) window.__parleyShift += e.value;
        }).observe({ type: 'layout-shift', buffered: true });
        """;

    [Theory]
    [InlineData("/", "Share a secret")]
    [InlineData("/request", RequestPages.FormHeading)]
    public async Task A_page_does_not_shift_on_a_phone_while_its_first_answer_is_slow(string path, string heading)
    {
        browser.RequireBrowser();
        var shift = await ShiftWhileSlowAsync(server.Url(path), heading);
        shift.ShouldBeLessThan(0.01, $"{path} shifts its layout by {shift:0.000}");
    }

    [Fact]
    public async Task A_share_link_does_not_shift_on_a_phone_while_its_first_answer_is_slow()
    {
        browser.RequireBrowser();
        var (creatorContext, creator, _) = await WebApp.OpenAsync(browser);
        await using var c = creatorContext;
        var links = await WebApp.CreateAsync(creator, server, "steady");
        var shift = await ShiftWhileSlowAsync(links.Share, WebApp.WaitingHeading);
        shift.ShouldBeLessThan(0.01, $"the share page shifts its layout by {shift:0.000}");
    }

    /// <summary>Loads <paramref name="url"/> on a phone with every API answer held back 1.5 s; the layout shift until <paramref name="heading"/> settles.</summary>
    private async Task<double> ShiftWhileSlowAsync(string url, string heading)
    {
        await using var context = await browser.Browser.NewContextAsync(new() { ViewportSize = Phone, IsMobile = true, HasTouch = true });
        var page = await context.NewPageAsync();
        await page.AddInitScriptAsync(CountShifts);
        // Long enough for Chromium to paint the page's frame before the script can fill it.
        await page.RouteAsync("**/api/**", async route =>
        {
            await Task.Delay(1500);
            await route.ContinueAsync();
        });
        await page.GotoAsync(url);
        await page.GetByRole(AriaRole.Heading, new() { Name = heading }).WaitForAsync();
        await page.WaitForTimeoutAsync(500);
        return await page.EvaluateAsync<double>("() => window.__parleyShift");
    }

    [Theory]
    [InlineData("expiry")]
    [InlineData("views")]
    public async Task The_create_forms_choices_mark_their_default_as_selected(string id)
    {
        browser.RequireBrowser();
        var (context, page, _) = await WebApp.OpenAsync(browser);
        await using var c = context;
        await page.GotoAsync(server.Url("/"));
        await page.GetByRole(AriaRole.Heading, new() { Name = "Share a secret" }).WaitForAsync();

        var marked = await page.EvaluateAsync<string[]>($"() => [...document.querySelectorAll('#{id} option[selected]')].map(o => o.value)");
        var value = await page.Locator($"#{id}").InputValueAsync();
        marked.ShouldBe([value], $"#{id} has {marked.Length} option(s) marked selected");
        var optionSelected = await page.EvaluateAsync<bool>($"() => document.querySelector('#{id}').selectedOptions[0].defaultSelected");
        optionSelected.ShouldBeTrue();

        // What assistive technology reads: the combobox's value is the default's text.
        var label = await page.EvaluateAsync<string>($"() => document.querySelector('#{id}').selectedOptions[0].textContent");
        var tree = await page.Locator($"#{id}").AriaSnapshotAsync();
        tree.ShouldContain(label);
    }
}
