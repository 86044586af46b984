using System.Text.Json;
using Microsoft.Playwright;
using Parley.Testing;

namespace Parley.Web.Tests;

/// <summary>What a person does on Parley's pages, written once for every test.</summary>
public static class WebApp
{
    public const string WaitingHeading = "A one-time secret is waiting for you";

    /// <summary>A new isolated browser context (its own storage, like another person's browser).</summary>
    public static async Task<(IBrowserContext Context, IPage Page, PageProbe Probe)> OpenAsync(BrowserFixture browser, string? colorScheme = null)
    {
        var context = await browser.Browser.NewContextAsync(new()
        {
            AcceptDownloads = true,
            ColorScheme = colorScheme == "dark" ? ColorScheme.Dark : ColorScheme.Light,
            Permissions = ["clipboard-read", "clipboard-write"],
        });
        var page = await context.NewPageAsync();
        var probe = await PageProbe.AttachAsync(page);
        return (context, page, probe);
    }

    public sealed record FileInput(string Name, string MimeType, byte[] Bytes);

    public sealed record Links(string Share, string Manage);

    /// <summary>Fills the create form and returns the two links the result page shows.</summary>
    public static Task<Links> CreateAsync(IPage page, WebServer server, string? text, IReadOnlyList<FileInput>? files = null,
        string? passphrase = null, int? views = null) =>
        CreateAsync(page, server.BaseAddress, text, files, passphrase, views);

    /// <summary>The same on the server at <paramref name="origin"/> (e.g. behind a reverse proxy).</summary>
    public static async Task<Links> CreateAsync(IPage page, Uri origin, string? text, IReadOnlyList<FileInput>? files = null,
        string? passphrase = null, int? views = null)
    {
        await page.GotoAsync(new Uri(origin, "/").ToString());
        await page.GetByRole(AriaRole.Heading, new() { Name = "Share a secret" }).WaitForAsync();
        if (text is not null)
        {
            await page.GetByLabel("Secret text").FillAsync(text);
        }

        if (files is { Count: > 0 })
        {
            await page.Locator("#files").SetInputFilesAsync(files.Select(f => new FilePayload { Name = f.Name, MimeType = f.MimeType, Buffer = f.Bytes }));
        }

        if (passphrase is not null)
        {
            await page.GetByLabel("Passphrase (optional)").FillAsync(passphrase);
        }

        if (views is not null)
        {
            await page.GetByLabel("Can be opened").SelectOptionAsync(views.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        await page.GetByRole(AriaRole.Button, new() { Name = "Create secret link" }).ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = "Your secret link is ready" }).WaitForAsync(new() { Timeout = 120_000 });
        var share = await page.Locator("#share-link").InputValueAsync();
        var manage = await page.Locator("#manage-link").InputValueAsync();
        return new Links(share, manage);
    }

    /// <summary>Opens a share link and waits for the page to settle on its first answer.</summary>
    public static async Task GoToShareAsync(IPage page, string link)
    {
        await page.GotoAsync(link);
        await page.Locator("main h1").Filter(new() { HasNotText = "Parley needs JavaScript" }).WaitForAsync();
        await page.WaitForFunctionAsync("() => document.querySelector('main h1')?.textContent !== ''");
    }

    public static async Task<string> HeadingAsync(IPage page) => await page.Locator("main h1").InnerTextAsync();

    /// <summary>
    /// Waits until the page has made every request it was going to make (a scanner that loads a link and runs
    /// its script is done then). Generous: on a loaded shared machine a fresh context's first load is slow.
    /// </summary>
    public static Task SettleAsync(IPage page) => page.WaitForLoadStateAsync(LoadState.NetworkIdle, new() { Timeout = 120_000 });

    /// <summary>Clicks Reveal (after typing the passphrase when given) and waits for the outcome.</summary>
    public static async Task RevealAsync(IPage page, string? passphrase = null)
    {
        await page.GetByRole(AriaRole.Heading, new() { Name = WaitingHeading }).WaitForAsync();
        if (passphrase is not null)
        {
            await page.GetByLabel("Passphrase", new() { Exact = true }).FillAsync(passphrase);
        }

        await page.GetByRole(AriaRole.Button, new() { Name = "Reveal secret" }).ClickAsync();
        await page.WaitForFunctionAsync(
            "() => !document.querySelector('form[aria-busy]') && (document.querySelector('main h1')?.textContent !== 'A one-time secret is waiting for you' || document.querySelector('.form-error [role=alert]'))",
            null, new() { Timeout = 60_000 });
    }

    public static async Task<string> RevealedTextAsync(IPage page)
    {
        await page.GetByRole(AriaRole.Heading, new() { Name = "Your secret" }).WaitForAsync();
        return await page.GetByLabel("Text", new() { Exact = true }).InputValueAsync();
    }

    /// <summary>Saves one revealed file through the page's Save button and returns its bytes.</summary>
    public static async Task<(string Name, byte[] Bytes)> SaveFileAsync(IPage page, string name)
    {
        var download = await page.RunAndWaitForDownloadAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = $"Save {name}" }).ClickAsync(),
            new() { Timeout = 120_000 });
        var failure = await download.FailureAsync();
        failure.ShouldBeNull();
        var path = await download.PathAsync();
        return (download.SuggestedFilename, await File.ReadAllBytesAsync(path));
    }

    public static async Task<string> AlertAsync(IPage page)
    {
        var alert = page.Locator("[role=alert]").First;
        await alert.WaitForAsync();
        return await alert.InnerTextAsync();
    }

    /// <summary>The secret's state as its creator sees it, straight from the API.</summary>
    public static async Task<JsonElement> StatusAsync(WebServer server, string manageLink)
    {
        var uri = new Uri(manageLink);
        var id = uri.AbsolutePath.Split('/')[^1];
        using var http = server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/secrets/{id}/manage");
        request.Headers.Authorization = new("Bearer", uri.Fragment.TrimStart('#'));
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    /// <summary>Runs axe-core (from web/node_modules) on the page; returns serious and critical violations.</summary>
    public static async Task<IReadOnlyList<string>> AxeAsync(IPage page)
    {
        var installed = await page.EvaluateAsync<bool>("() => typeof window.axe !== 'undefined'");
        if (!installed)
        {
            // Evaluated through the DevTools protocol, so the page's CSP does not apply to the injection itself.
            await page.EvaluateAsync(AxeSource.Value);
        }

        return await page.EvaluateAsync<string[]>(
            """
            async () => {
              const r = await axe.run(document, { resultTypes: ['violations'] });
              return r.violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => `${v.id} (${v.impact}): ${v.nodes.map(n => n.target.join(' ')).join(', ')}`);
            }
            """);
    }

    private static readonly Lazy<string> AxeSource = new(() =>
        File.ReadAllText(RepoPaths.Combine("web", "node_modules", "axe-core", "axe.min.js")));

    /// <summary>Saves a full-page screenshot as a test artefact (artifacts/web/screenshots).</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        var dir = Directory.CreateDirectory(Path.Combine(BrowserFixture.ArtifactsDirectory, "screenshots"));
        await page.ScreenshotAsync(new() { Path = Path.Combine(dir.FullName, name + ".png"), FullPage = true });
    }

    /// <summary>
    /// In light and then dark: runs axe-core (serious and critical violations go to <paramref name="problems"/>)
    /// and saves a screenshot named <c>{state}-light</c> / <c>{state}-dark</c>.
    /// </summary>
    public static async Task CheckStateAsync(IPage page, string state, List<string> problems)
    {
        foreach (var scheme in new[] { ColorScheme.Light, ColorScheme.Dark })
        {
            await page.EmulateMediaAsync(new() { ColorScheme = scheme });
            var name = $"{state}-{(scheme == ColorScheme.Dark ? "dark" : "light")}";
            foreach (var violation in await AxeAsync(page))
            {
                problems.Add($"{name}: {violation}");
            }

            await ScreenshotAsync(page, name);
        }
    }

    public static byte[] RandomBytes(int length) => System.Security.Cryptography.RandomNumberGenerator.GetBytes(length);
}
