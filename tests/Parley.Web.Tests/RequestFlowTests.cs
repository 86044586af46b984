using System.Net;
using Microsoft.Playwright;

namespace Parley.Web.Tests;

/// <summary>Request-a-secret in real browsers against the real server: request, answer, open once, and every way it can end.</summary>
public sealed class RequestFlowTests(BrowserFixture browser, WebServer server) : IClassFixture<WebServer>
{
    [Fact]
    public async Task A_request_made_in_one_browser_is_answered_in_another_and_opened_once_by_the_requester()
    {
        browser.RequireBrowser();
        var small = "user: ops\npassword: correct horse ✓"u8.ToArray();
        var large = WebApp.RandomBytes((2 * 1024 * 1024) + 4321); // 33 chunks
        var (requesterContext, requester, requesterProbe) = await WebApp.OpenAsync(browser);
        await using var c1 = requesterContext;
        var links = await RequestPages.RequestAsync(requester, server, "VPN credentials for the new laptop");
        links.Send.ShouldStartWith(server.Url("/r/"));
        links.Private.ShouldStartWith(server.Url($"/r/{links.Id}/answer#"));
        links.Send.ShouldNotContain("/answer");
        (await requester.Locator("canvas.qr").CountAsync()).ShouldBe(1);
        (await RequestPages.StatusAsync(server, links)).GetProperty("state").GetString().ShouldBe("waiting");

        var (responderContext, responder, responderProbe) = await WebApp.OpenAsync(browser);
        await using var c2 = responderContext;
        await RequestPages.GoToAsync(responder, links.Send);
        (await responder.Locator("main").InnerTextAsync()).ShouldContain("They ask for: VPN credentials for the new laptop");
        await RequestPages.RespondAsync(responder, links.Send, "here you go: Grüße 🔑", [
            new("vpn.conf", "text/plain", small),
            new("profile.bin", "application/octet-stream", large),
        ]);
        (await RequestPages.StatusAsync(server, links)).GetProperty("state").GetString().ShouldBe("answered");

        await RequestPages.GoToPrivateAsync(requester, links.Private);
        var before = await requester.Locator("main").InnerTextAsync();
        before.ShouldContain("Answered, not opened yet.");
        before.ShouldContain("It holds files");
        await RequestPages.RevealAsync(requester);
        (await requester.GetByLabel("Text", new() { Exact = true }).InputValueAsync()).ShouldBe("here you go: Grüße 🔑");
        (await requester.Locator("main").InnerTextAsync()).ShouldContain("This answer is now deleted from the server.");
        var (largeName, largeBytes) = await WebApp.SaveFileAsync(requester, "profile.bin");
        largeName.ShouldBe("profile.bin");
        largeBytes.ShouldBe(large);
        (await WebApp.SaveFileAsync(requester, "vpn.conf")).Bytes.ShouldBe(small);

        var status = await RequestPages.StatusAsync(server, links);
        status.GetProperty("state").GetString().ShouldBe("opened");
        status.GetProperty("openedAt").GetArrayLength().ShouldBe(1);

        // Once opened, the private page shows when, and offers no second Reveal.
        await RequestPages.GoToPrivateAsync(requester, links.Private);
        (await requester.Locator("main").InnerTextAsync()).ShouldContain("Answered and opened");
        (await requester.GetByRole(AriaRole.Button, new() { Name = "Reveal answer" }).CountAsync()).ShouldBe(0);

        requesterProbe.CspViolations.Concat(responderProbe.CspViolations).ShouldBeEmpty();
        requesterProbe.ConsoleErrors.Concat(responderProbe.ConsoleErrors).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_request_without_a_label_is_answered_with_text_only()
    {
        browser.RequireBrowser();
        var (requesterContext, requester, _) = await WebApp.OpenAsync(browser);
        await using var c1 = requesterContext;
        var links = await RequestPages.RequestAsync(requester, server, null);

        var (responderContext, responder, _) = await WebApp.OpenAsync(browser);
        await using var c2 = responderContext;
        await RequestPages.GoToAsync(responder, links.Send);
        (await responder.Locator("main").InnerTextAsync()).ShouldContain("They did not say what for");
        await RequestPages.RespondAsync(responder, links.Send, "just a text");

        await RequestPages.GoToPrivateAsync(requester, links.Private);
        (await requester.Locator("main").InnerTextAsync()).ShouldContain("It holds a text message.");
        await RequestPages.RevealAsync(requester);
        (await requester.GetByLabel("Text", new() { Exact = true }).InputValueAsync()).ShouldBe("just a text");
    }

    [Fact]
    public async Task An_empty_answer_is_refused_in_the_page_and_nothing_is_sent()
    {
        browser.RequireBrowser();
        var (context, page, _) = await WebApp.OpenAsync(browser);
        await using var c = context;
        var links = await RequestPages.RequestAsync(page, server, "anything");
        await RequestPages.GoToAsync(page, links.Send);
        await page.GetByRole(AriaRole.Button, new() { Name = "Encrypt and send" }).ClickAsync();
        (await WebApp.AlertAsync(page)).ShouldContain("Nothing to send yet.");
        (await RequestPages.StatusAsync(server, links)).GetProperty("state").GetString().ShouldBe("waiting");
    }

    [Fact]
    public async Task A_description_the_server_refuses_is_explained_and_the_form_stays()
    {
        browser.RequireBrowser();
        var (context, page, _) = await WebApp.OpenAsync(browser);
        await using var c = context;
        await page.GotoAsync(server.Url("/request"));
        await page.GetByLabel("What do you need? (optional)").FillAsync("invoice \u202Egnp.exe");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create request link" }).ClickAsync();
        var alert = await WebApp.AlertAsync(page);
        alert.ShouldContain("The description cannot be used.");
        alert.ShouldContain("text-direction characters");
        (await page.GetByRole(AriaRole.Button, new() { Name = "Create request link" }).IsEnabledAsync()).ShouldBeTrue();

        await page.GetByLabel("What do you need? (optional)").FillAsync("invoice");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create request link" }).ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = RequestPages.ResultHeading, Exact = true }).WaitForAsync();
    }

    [Fact]
    public async Task A_second_responder_is_told_when_the_request_was_already_answered()
    {
        browser.RequireBrowser();
        var (context, page, _) = await WebApp.OpenAsync(browser);
        await using var c = context;
        var links = await RequestPages.RequestAsync(page, server, "the code");
        await RequestPages.RespondAsync(page, links.Send, "first answer");

        // A second person with the same link, already on the form when the first one answered.
        var (otherContext, other, _) = await WebApp.OpenAsync(browser);
        await using var c2 = otherContext;
        await RequestPages.GoToAsync(other, links.Send);
        var alert = await WebApp.AlertAsync(other);
        alert.ShouldContain("This request was already answered.");
        alert.ShouldContain("It was answered on ");
        (await other.Locator("[role=alert] time").CountAsync()).ShouldBe(1);

        var links2 = await RequestPages.RequestAsync(page, server, "the other code");
        await RequestPages.GoToAsync(other, links2.Send);
        await other.GetByRole(AriaRole.Heading, new() { Name = RequestPages.RespondHeading, Exact = true }).WaitForAsync();
        await RequestPages.FillAnswerAsync(other, "too late", null);
        await RequestPages.RespondAsync(page, links2.Send, "in time");
        await other.GetByRole(AriaRole.Button, new() { Name = "Encrypt and send" }).ClickAsync();
        (await WebApp.AlertAsync(other)).ShouldContain("This request was already answered.");

        await RequestPages.GoToPrivateAsync(page, links2.Private);
        await RequestPages.RevealAsync(page);
        (await page.GetByLabel("Text", new() { Exact = true }).InputValueAsync()).ShouldBe("in time");
    }

    [Fact]
    public async Task An_expired_request_says_when_it_expired_to_the_responder_and_the_requester()
    {
        browser.RequireBrowser();
        var (context, page, _) = await WebApp.OpenAsync(browser);
        await using var c = context;
        var links = await RequestPages.RequestAsync(page, server, "too late");
        var expiresAt = (await RequestPages.StatusAsync(server, links)).GetProperty("expiresAt").GetDateTimeOffset();
        server.Clock.SetUtcNow(expiresAt.AddSeconds(1));

        await RequestPages.GoToAsync(page, links.Send);
        var alert = await WebApp.AlertAsync(page);
        alert.ShouldContain("This request has expired.");
        alert.ShouldContain("It expired on ");

        await RequestPages.GoToPrivateAsync(page, links.Private);
        (await page.Locator("main").InnerTextAsync()).ShouldContain("Expired: it can no longer be answered or opened.");
        (await page.GetByRole(AriaRole.Button, new() { Name = "Destroy request" }).CountAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task A_destroyed_request_tells_the_responder_it_was_withdrawn_and_its_answer_is_gone()
    {
        browser.RequireBrowser();
        var (context, page, probe) = await WebApp.OpenAsync(browser);
        await using var c = context;
        var links = await RequestPages.RequestAsync(page, server, "withdraw me");
        await RequestPages.RespondAsync(page, links.Send, "never read");

        await RequestPages.GoToPrivateAsync(page, links.Private);
        await page.GetByRole(AriaRole.Button, new() { Name = "Destroy request" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, destroy it" }).ClickAsync();
        await page.GetByText("The request was destroyed.").WaitForAsync();
        (await page.Locator("main").InnerTextAsync()).ShouldContain("Destroyed: it can no longer be answered");
        (await RequestPages.StatusAsync(server, links)).GetProperty("state").GetString().ShouldBe("destroyed");

        var (otherContext, other, _) = await WebApp.OpenAsync(browser);
        await using var c2 = otherContext;
        await RequestPages.GoToAsync(other, links.Send);
        var alert = await WebApp.AlertAsync(other);
        alert.ShouldContain("The person who asked withdrew this request.");
        alert.ShouldContain("It was withdrawn on ");
        probe.CspViolations.ShouldBeEmpty();
    }

    [Fact]
    public async Task An_unknown_request_and_a_private_link_with_a_wrong_key_get_their_own_messages()
    {
        browser.RequireBrowser();
        var (context, page, _) = await WebApp.OpenAsync(browser);
        await using var c = context;
        var links = await RequestPages.RequestAsync(page, server, "intact");

        // A valid public key, but no such request.
        var unknownSend = server.Url("/r/AAAAAAAAAAAAAAAAAAAAAA") + new Uri(links.Send).Fragment;
        await RequestPages.GoToAsync(page, unknownSend);
        (await WebApp.AlertAsync(page)).ShouldContain("There is no request at this link.");

        // The right id with another request's public key: the server cannot tell it from an unknown request.
        var other = await RequestPages.RequestAsync(page, server, "another");
        var altered = links.Send[..links.Send.IndexOf('#', StringComparison.Ordinal)] + new Uri(other.Send).Fragment;
        await RequestPages.GoToAsync(page, altered);
        (await WebApp.AlertAsync(page)).ShouldContain("There is no request at this link.");

        await RequestPages.GoToAsync(page, server.Url("/r/AAAAAAAAAAAAAAAAAAAAAA/answer") + new Uri(links.Private).Fragment);
        (await WebApp.AlertAsync(page)).ShouldContain("There is no request for this private link.");

        var wrongPrivate = links.Private[..links.Private.IndexOf('#', StringComparison.Ordinal)] + new Uri(other.Private).Fragment;
        await RequestPages.GoToAsync(page, wrongPrivate);
        var alert = await WebApp.AlertAsync(page);
        alert.ShouldContain("This link is damaged.");
        alert.ShouldContain("the key in the link does not match this request", Case.Insensitive);

        // None of it touched the request.
        var status = await RequestPages.StatusAsync(server, links);
        status.GetProperty("state").GetString().ShouldBe("waiting");
        await RequestPages.RespondAsync(page, links.Send, "still works");
    }

    [Fact]
    public async Task Scanners_that_fetch_or_run_the_request_pages_without_clicking_leave_the_request_intact()
    {
        browser.RequireBrowser();
        var (context, page, _) = await WebApp.OpenAsync(browser);
        await using var c = context;
        var links = await RequestPages.RequestAsync(page, server, "scan me");
        var id = links.Id;

        // A link-preview bot: plain GETs of the pages and the API, without the fragment.
        using var http = server.CreateClient();
        foreach (var path in new[] { "/request", $"/r/{id}", $"/r/{id}/answer", $"/api/requests/{id}", $"/api/requests/{id}/answer", $"/api/requests/{id}/manage" })
        {
            using var response = await http.GetAsync(path, TestContext.Current.CancellationToken);
            response.StatusCode.ShouldBeOneOf(HttpStatusCode.OK, HttpStatusCode.Unauthorized, HttpStatusCode.NotFound);
        }

        // A mail scanner's headless browser: loads each page with its full link and runs its scripts.
        var methods = new List<string>();
        async Task ScanAsync(string link, string heading)
        {
            var (scannerContext, scanner, _) = await WebApp.OpenAsync(browser);
            await using var sc = scannerContext;
            scanner.Request += (_, r) =>
            {
                if (new Uri(r.Url).AbsolutePath.StartsWith("/api/", StringComparison.Ordinal))
                {
                    lock (methods)
                    {
                        methods.Add(r.Method + " " + new Uri(r.Url).AbsolutePath);
                    }
                }
            };
            await RequestPages.GoToAsync(scanner, link);
            await scanner.GetByRole(AriaRole.Heading, new() { Name = heading }).WaitForAsync();
            await WebApp.SettleAsync(scanner);
        }

        await ScanAsync(server.Url("/request"), RequestPages.FormHeading);
        await ScanAsync(links.Send, RequestPages.RespondHeading);
        await ScanAsync(links.Private, RequestPages.PrivateHeading);
        (await RequestPages.StatusAsync(server, links)).GetProperty("state").GetString().ShouldBe("waiting");

        await RequestPages.RespondAsync(page, links.Send, "for the requester only");
        await ScanAsync(links.Private, RequestPages.PrivateHeading);
        await ScanAsync(links.Private, RequestPages.PrivateHeading);

        methods.ShouldNotBeEmpty();
        methods.ShouldAllBe(m => m.StartsWith("GET ", StringComparison.Ordinal));
        var status = await RequestPages.StatusAsync(server, links);
        status.GetProperty("state").GetString().ShouldBe("answered");
        status.GetProperty("openedAt").GetArrayLength().ShouldBe(0);
        status.GetProperty("failedAttempts").GetInt32().ShouldBe(0);

        await RequestPages.GoToPrivateAsync(page, links.Private);
        await RequestPages.RevealAsync(page);
        (await page.GetByLabel("Text", new() { Exact = true }).InputValueAsync()).ShouldBe("for the requester only");
    }
}
