using Microsoft.Playwright;

namespace Parley.Web.Tests;

/// <summary>
/// Every state of every page, in light and dark: axe-core finds no serious or critical violation,
/// the CSP reports nothing, and a screenshot is saved to artifacts/web/screenshots.
/// </summary>
public sealed class PageStateTests(BrowserFixture browser, WebServer server) : IClassFixture<WebServer>
{
    private readonly List<string> _problems = [];

    private Task CheckAsync(IPage page, string state) => WebApp.CheckStateAsync(page, state, _problems);

    [Fact]
    public async Task Every_page_state_is_accessible_and_csp_clean_in_light_and_dark()
    {
        browser.RequireBrowser();
        var (creatorContext, creator, creatorProbe) = await WebApp.OpenAsync(browser);
        await using var c1 = creatorContext;

        await creator.GotoAsync(server.Url("/"));
        await creator.GetByRole(AriaRole.Heading, new() { Name = "Share a secret" }).WaitForAsync();
        await CheckAsync(creator, "create");

        await creator.GetByLabel("Secret text").FillAsync("db password: hunter2");
        await creator.Locator("#files").SetInputFilesAsync([
            new FilePayload { Name = "contract.pdf", MimeType = "application/pdf", Buffer = WebApp.RandomBytes(150_000) },
            new FilePayload { Name = "keys.txt", MimeType = "text/plain", Buffer = WebApp.RandomBytes(300) },
        ]);
        await creator.GetByLabel("Passphrase (optional)").FillAsync("orange");
        await CheckAsync(creator, "create-filled");
        await creator.GetByRole(AriaRole.Button, new() { Name = "Create secret link" }).ClickAsync();
        await creator.GetByRole(AriaRole.Heading, new() { Name = "Your secret link is ready" }).WaitForAsync();
        await CheckAsync(creator, "create-result");
        var share = await creator.Locator("#share-link").InputValueAsync();
        var manage = await creator.Locator("#manage-link").InputValueAsync();

        var (readerContext, reader, readerProbe) = await WebApp.OpenAsync(browser);
        await using var c2 = readerContext;
        await WebApp.GoToShareAsync(reader, share);
        await CheckAsync(reader, "open-waiting-passphrase");
        await WebApp.RevealAsync(reader, "apple");
        await CheckAsync(reader, "open-wrong-passphrase");
        await WebApp.RevealAsync(reader, "orange");
        await reader.GetByRole(AriaRole.Heading, new() { Name = "Your secret" }).WaitForAsync();
        await CheckAsync(reader, "open-revealed");

        await WebApp.GoToShareAsync(reader, share);
        await reader.ReloadAsync();
        await WebApp.AlertAsync(reader);
        await CheckAsync(reader, "open-already-opened");

        await creator.GotoAsync(manage);
        await creator.GetByRole(AriaRole.Heading, new() { Name = "Secret status" }).WaitForAsync();
        await CheckAsync(creator, "manage-opened");

        var fresh = await WebApp.CreateAsync(creator, server, "short note");
        await WebApp.GoToShareAsync(reader, fresh.Share);
        await CheckAsync(reader, "open-waiting");
        await creator.GotoAsync(fresh.Manage);
        await creator.GetByRole(AriaRole.Button, new() { Name = "Destroy now" }).ClickAsync();
        await CheckAsync(creator, "manage-confirm-destroy");
        await creator.GetByRole(AriaRole.Button, new() { Name = "Yes, destroy it" }).ClickAsync();
        await creator.GetByText("The secret was destroyed.").WaitForAsync();
        await CheckAsync(creator, "manage-destroyed");

        await WebApp.GoToShareAsync(reader, server.Url("/s/AAAAAAAAAAAAAAAAAAAAAA#AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
        await WebApp.AlertAsync(reader);
        await CheckAsync(reader, "open-not-found");
        await WebApp.GoToShareAsync(reader, server.Url("/s/AAAAAAAAAAAAAAAAAAAAAA#AAAA"));
        await reader.ReloadAsync();
        await WebApp.AlertAsync(reader);
        await CheckAsync(reader, "open-damaged-link");

        // Phone width.
        var (phoneContext, phone, phoneProbe) = await WebApp.OpenAsync(browser);
        await using var c3 = phoneContext;
        await phone.SetViewportSizeAsync(375, 740);
        var phoneLinks = await WebApp.CreateAsync(phone, server, "on a phone");
        await CheckAsync(phone, "phone-create-result");
        var overflow = await phone.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth");
        overflow.ShouldBeFalse("the result page scrolls sideways at phone width");
        await WebApp.GoToShareAsync(phone, phoneLinks.Share);
        await CheckAsync(phone, "phone-open-waiting");

        // JavaScript off.
        await using var noJs = await browser.Browser.NewContextAsync(new() { JavaScriptEnabled = false });
        var plain = await noJs.NewPageAsync();
        await plain.GotoAsync(fresh.Share);
        foreach (var scheme in new[] { ColorScheme.Light, ColorScheme.Dark })
        {
            await plain.EmulateMediaAsync(new() { ColorScheme = scheme });
            await WebApp.ScreenshotAsync(plain, $"noscript-{(scheme == ColorScheme.Dark ? "dark" : "light")}");
        }

        _problems.ShouldBeEmpty();
        creatorProbe.CspViolations.Concat(readerProbe.CspViolations).Concat(phoneProbe.CspViolations).ShouldBeEmpty();
    }

    [Fact]
    public async Task The_create_form_works_with_the_keyboard_alone()
    {
        browser.RequireBrowser();
        var (context, page, _) = await WebApp.OpenAsync(browser);
        await using var c = context;
        await page.GotoAsync(server.Url("/"));
        await page.GetByRole(AriaRole.Heading, new() { Name = "Share a secret" }).WaitForAsync();

        // Focus starts on the heading; Tab walks the form in reading order.
        var order = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            order.Add(await page.EvaluateAsync<string>("() => document.activeElement.id || document.activeElement.textContent.trim()"));
        }

        var expected = new[] { "text", "files", "expiry", "views", "passphrase", "show-pass", "Create secret link" };
        var positions = expected.Select(e => order.IndexOf(e)).ToList();
        positions.ShouldAllBe(p => p >= 0, string.Join(", ", order));
        positions.ShouldBeInOrder(SortDirection.Ascending, string.Join(", ", order));

        await page.FocusAsync("#text");
        await page.Keyboard.TypeAsync("typed, not clicked");
        await page.FocusAsync("#passphrase");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.PressAsync("Enter");
        await page.GetByRole(AriaRole.Heading, new() { Name = "Your secret link is ready" }).WaitForAsync();
    }
}
