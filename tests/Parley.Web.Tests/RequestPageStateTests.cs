using Microsoft.Playwright;

namespace Parley.Web.Tests;

/// <summary>
/// Every state of the request-a-secret pages, in light and dark: axe-core finds no serious or critical
/// violation, the CSP reports nothing, and a screenshot is saved to artifacts/web/screenshots.
/// </summary>
public sealed class RequestPageStateTests(BrowserFixture browser, WebServer server) : IClassFixture<WebServer>
{
    private readonly List<string> _problems = [];

    private Task CheckAsync(IPage page, string state) => WebApp.CheckStateAsync(page, state, _problems);

    [Fact]
    public async Task Every_request_page_state_is_accessible_and_csp_clean_in_light_and_dark()
    {
        browser.RequireBrowser();
        var (requesterContext, requester, requesterProbe) = await WebApp.OpenAsync(browser);
        await using var c1 = requesterContext;

        await requester.GotoAsync(server.Url("/"));
        await requester.GetByRole(AriaRole.Link, new() { Name = "Request a secret" }).ClickAsync();
        await requester.GetByRole(AriaRole.Heading, new() { Name = RequestPages.FormHeading, Exact = true }).WaitForAsync();
        await CheckAsync(requester, "request-form");
        await requester.GetByLabel("What do you need? (optional)").FillAsync("Database password for the reporting replica");
        await CheckAsync(requester, "request-form-filled");
        await requester.GetByRole(AriaRole.Button, new() { Name = "Create request link" }).ClickAsync();
        await requester.GetByRole(AriaRole.Heading, new() { Name = RequestPages.ResultHeading, Exact = true }).WaitForAsync();
        await CheckAsync(requester, "request-result");
        var links = new RequestPages.Links(await requester.Locator("#send-link").InputValueAsync(), await requester.Locator("#private-link").InputValueAsync());

        await RequestPages.GoToPrivateAsync(requester, links.Private);
        await CheckAsync(requester, "request-private-waiting");

        var (responderContext, responder, responderProbe) = await WebApp.OpenAsync(browser);
        await using var c2 = responderContext;
        await RequestPages.GoToAsync(responder, links.Send);
        await responder.GetByRole(AriaRole.Heading, new() { Name = RequestPages.RespondHeading, Exact = true }).WaitForAsync();
        await CheckAsync(responder, "respond-form");
        await RequestPages.FillAnswerAsync(responder, "postgres://report:s3cr3t@db.internal/reports", [
            new("replica-ca.pem", "application/x-pem-file", WebApp.RandomBytes(1800)),
        ]);
        await CheckAsync(responder, "respond-form-filled");
        await responder.GetByRole(AriaRole.Button, new() { Name = "Encrypt and send" }).ClickAsync();
        await responder.GetByRole(AriaRole.Heading, new() { Name = RequestPages.SentHeading, Exact = true }).WaitForAsync();
        await CheckAsync(responder, "respond-sent");

        await RequestPages.GoToAsync(responder, links.Send);
        await WebApp.AlertAsync(responder);
        await CheckAsync(responder, "respond-already-answered");

        await RequestPages.GoToPrivateAsync(requester, links.Private);
        await requester.GetByRole(AriaRole.Button, new() { Name = "Reveal answer" }).WaitForAsync();
        await CheckAsync(requester, "request-private-answered");
        await RequestPages.RevealAsync(requester);
        await CheckAsync(requester, "request-private-revealed");
        await RequestPages.GoToPrivateAsync(requester, links.Private);
        await requester.GetByText("The answer was opened.").WaitForAsync();
        await CheckAsync(requester, "request-private-opened");

        var withdrawn = await RequestPages.RequestAsync(requester, server, null);
        await RequestPages.GoToPrivateAsync(requester, withdrawn.Private);
        await requester.GetByRole(AriaRole.Button, new() { Name = "Destroy request" }).ClickAsync();
        await CheckAsync(requester, "request-private-confirm-destroy");
        await requester.GetByRole(AriaRole.Button, new() { Name = "Yes, destroy it" }).ClickAsync();
        await requester.GetByText("The request was destroyed.").WaitForAsync();
        await CheckAsync(requester, "request-private-destroyed");
        await RequestPages.GoToAsync(responder, withdrawn.Send);
        await WebApp.AlertAsync(responder);
        await CheckAsync(responder, "respond-withdrawn");

        await RequestPages.GoToAsync(responder, server.Url("/r/AAAAAAAAAAAAAAAAAAAAAA") + new Uri(links.Send).Fragment);
        await WebApp.AlertAsync(responder);
        await CheckAsync(responder, "respond-not-found");
        await RequestPages.GoToAsync(responder, server.Url("/r/AAAAAAAAAAAAAAAAAAAAAA#AAAA"));
        await WebApp.AlertAsync(responder);
        await CheckAsync(responder, "respond-damaged-link");

        var expiring = await RequestPages.RequestAsync(requester, server, "soon gone");
        var expiresAt = (await RequestPages.StatusAsync(server, expiring)).GetProperty("expiresAt").GetDateTimeOffset();
        server.Clock.SetUtcNow(expiresAt.AddSeconds(1));
        await RequestPages.GoToAsync(responder, expiring.Send);
        await WebApp.AlertAsync(responder);
        await CheckAsync(responder, "respond-expired");

        // Phone width: nothing scrolls sideways.
        var (phoneContext, phone, phoneProbe) = await WebApp.OpenAsync(browser);
        await using var c3 = phoneContext;
        await phone.SetViewportSizeAsync(375, 740);
        var phoneLinks = await RequestPages.RequestAsync(phone, server, "Wi-Fi password of the office, for the visitor laptop");
        await CheckAsync(phone, "phone-request-result");
        await NoSidewaysScrollAsync(phone, "request result");
        await RequestPages.GoToAsync(phone, phoneLinks.Send);
        await phone.GetByRole(AriaRole.Heading, new() { Name = RequestPages.RespondHeading, Exact = true }).WaitForAsync();
        await CheckAsync(phone, "phone-respond-form");
        await NoSidewaysScrollAsync(phone, "respond form");
        await RequestPages.RespondAsync(phone, phoneLinks.Send, "guest-2026-ÄÖÜ");
        await RequestPages.GoToPrivateAsync(phone, phoneLinks.Private);
        await CheckAsync(phone, "phone-request-private-answered");
        await NoSidewaysScrollAsync(phone, "private page");

        _problems.ShouldBeEmpty();
        requesterProbe.CspViolations.Concat(responderProbe.CspViolations).Concat(phoneProbe.CspViolations).ShouldBeEmpty();
    }

    private static async Task NoSidewaysScrollAsync(IPage page, string what)
    {
        var overflow = await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth");
        overflow.ShouldBeFalse($"the {what} scrolls sideways at phone width");
    }

    [Fact]
    public async Task The_answer_form_works_with_the_keyboard_alone()
    {
        browser.RequireBrowser();
        var (context, page, _) = await WebApp.OpenAsync(browser);
        await using var c = context;
        var links = await RequestPages.RequestAsync(page, server, "typed");
        await RequestPages.GoToAsync(page, links.Send);
        await page.GetByRole(AriaRole.Heading, new() { Name = RequestPages.RespondHeading, Exact = true }).WaitForAsync();

        var order = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            order.Add(await page.EvaluateAsync<string>("() => document.activeElement.id || document.activeElement.textContent.trim()"));
        }

        var expected = new[] { "text", "files", "Encrypt and send" };
        var positions = expected.Select(e => order.IndexOf(e)).ToList();
        positions.ShouldAllBe(p => p >= 0, string.Join(", ", order));
        positions.ShouldBeInOrder(SortDirection.Ascending, string.Join(", ", order));

        await page.FocusAsync("#text");
        await page.Keyboard.TypeAsync("typed, not clicked");
        await page.FocusAsync("#files");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.PressAsync("Enter");
        await page.GetByRole(AriaRole.Heading, new() { Name = RequestPages.SentHeading, Exact = true }).WaitForAsync();
    }
}
