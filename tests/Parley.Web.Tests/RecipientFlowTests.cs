using System.Net;
using Microsoft.Playwright;

namespace Parley.Web.Tests;

/// <summary>One secret for several recipients, made and opened in real browsers against the real server.</summary>
public sealed class RecipientFlowTests(BrowserFixture browser, WebServer server) : IClassFixture<WebServer>
{
    private static readonly string[] Names = ["alice", "bob", "carol"];

    /// <summary>Fills the form with three named recipients (and optionally a file) and returns each share link and the manage link.</summary>
    private async Task<(IReadOnlyList<string> Shares, string Manage)> CreateForThreeAsync(IPage page, string text, WebApp.FileInput? file = null)
    {
        await page.GotoAsync(server.Url("/"));
        await page.GetByRole(AriaRole.Heading, new() { Name = "Share a secret" }).WaitForAsync();
        await page.GetByLabel("Secret text").FillAsync(text);
        if (file is not null)
        {
            await page.Locator("#files").SetInputFilesAsync(new FilePayload { Name = file.Name, MimeType = file.MimeType, Buffer = file.Bytes });
        }

        await page.GetByLabel("Recipients (optional)").FillAsync(string.Join(", ", Names));
        await page.GetByRole(AriaRole.Button, new() { Name = "Create secret link" }).ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = "Your secret link is ready" }).WaitForAsync(new() { Timeout = 120_000 });
        var shares = new List<string>();
        for (var i = 0; i < Names.Length; i++)
        {
            (await page.GetByText($"Share link for {Names[i]}", new() { Exact = true }).CountAsync()).ShouldBe(1);
            shares.Add(await page.Locator($"#share-link-{i + 1}").InputValueAsync());
        }

        return (shares, await page.Locator("#manage-link").InputValueAsync());
    }

    [Fact]
    public async Task Three_links_each_open_once_and_the_manage_page_shows_each_recipient_and_destroys_one()
    {
        browser.RequireBrowser();
        var payload = WebApp.RandomBytes(200_000);
        var (creatorContext, creator, creatorProbe) = await WebApp.OpenAsync(browser);
        await using var c1 = creatorContext;
        var (shares, manage) = await CreateForThreeAsync(creator, "welcome aboard", new("vpn.ovpn", "application/octet-stream", payload));
        shares.Distinct().Count().ShouldBe(3);
        shares.ShouldAllBe(s => s.StartsWith(server.Url("/s/")));

        // Alice opens hers, text and file; a second visit finds it used.
        var (aliceContext, alice, aliceProbe) = await WebApp.OpenAsync(browser);
        await using var c2 = aliceContext;
        await WebApp.GoToShareAsync(alice, shares[0]);
        await WebApp.RevealAsync(alice);
        (await WebApp.RevealedTextAsync(alice)).ShouldBe("welcome aboard");
        var (name, bytes) = await WebApp.SaveFileAsync(alice, "vpn.ovpn");
        name.ShouldBe("vpn.ovpn");
        bytes.ShouldBe(payload);
        await WebApp.GoToShareAsync(alice, shares[0]);
        (await WebApp.AlertAsync(alice)).ShouldContain("already opened");

        // The creator's page: alice opened, bob and carol unread. Destroying bob's link leaves carol's.
        await creator.GotoAsync(manage);
        var recipients = creator.Locator("li.recipient");
        await recipients.First.WaitForAsync();
        (await recipients.CountAsync()).ShouldBe(3);
        (await recipients.Nth(0).InnerTextAsync()).ShouldStartWith("alice: opened");
        (await recipients.Nth(1).InnerTextAsync()).ShouldStartWith("bob: unread");
        (await recipients.Nth(2).InnerTextAsync()).ShouldStartWith("carol: unread");
        (await recipients.Nth(0).Locator("time").CountAsync()).ShouldBe(1);
        await creator.GetByRole(AriaRole.Button, new() { Name = "Destroy link of bob" }).ClickAsync();
        await creator.GetByRole(AriaRole.Button, new() { Name = "Yes, destroy bob's link" }).ClickAsync();
        await creator.GetByText("The link of bob was destroyed.").WaitForAsync();
        (await creator.Locator("li.recipient").Nth(1).InnerTextAsync()).ShouldStartWith("bob: destroyed");
        (await WebApp.AxeAsync(creator)).ShouldBeEmpty();

        var (bobContext, bob, _) = await WebApp.OpenAsync(browser);
        await using var c3 = bobContext;
        await WebApp.GoToShareAsync(bob, shares[1]);
        (await WebApp.AlertAsync(bob)).ShouldContain("destroyed");

        var (carolContext, carol, carolProbe) = await WebApp.OpenAsync(browser);
        await using var c4 = carolContext;
        await WebApp.GoToShareAsync(carol, shares[2]);
        await WebApp.RevealAsync(carol);
        (await WebApp.RevealedTextAsync(carol)).ShouldBe("welcome aboard");
        (await WebApp.SaveFileAsync(carol, "vpn.ovpn")).Bytes.ShouldBe(payload);

        var status = await WebApp.StatusAsync(server, manage);
        status.GetProperty("recipients").EnumerateArray().Select(r => r.GetProperty("state").GetString())
            .ShouldBe(["opened", "destroyed", "opened"]);
        creatorProbe.CspViolations.Concat(aliceProbe.CspViolations).Concat(carolProbe.CspViolations).ShouldBeEmpty();
    }

    [Fact]
    public async Task Scanners_that_fetch_or_run_each_link_leave_every_link_intact()
    {
        browser.RequireBrowser();
        var (creatorContext, creator, _) = await WebApp.OpenAsync(browser);
        await using var c1 = creatorContext;
        var (shares, manage) = await CreateForThreeAsync(creator, "for the humans only");

        using var http = server.CreateClient();
        foreach (var share in shares)
        {
            var id = new Uri(share).AbsolutePath.Split('/')[^1];
            foreach (var path in new[] { $"/s/{id}", $"/api/secrets/{id}", $"/api/secrets/{id}/stream", $"/api/secrets/{id}/manage" })
            {
                using var response = await http.GetAsync(path, TestContext.Current.CancellationToken);
                response.StatusCode.ShouldBeOneOf(HttpStatusCode.OK, HttpStatusCode.Unauthorized, HttpStatusCode.NotFound);
            }

            var (scannerContext, scanner, _) = await WebApp.OpenAsync(browser);
            await using var c2 = scannerContext;
            await WebApp.GoToShareAsync(scanner, share);
            (await WebApp.HeadingAsync(scanner)).ShouldBe(WebApp.WaitingHeading);
            await WebApp.SettleAsync(scanner);
        }

        var status = await WebApp.StatusAsync(server, manage);
        status.GetProperty("recipients").EnumerateArray().ShouldAllBe(r =>
            r.GetProperty("state").GetString() == "unread" && r.GetProperty("failedAttempts").GetInt32() == 0);

        foreach (var share in shares)
        {
            var (readerContext, reader, _) = await WebApp.OpenAsync(browser);
            await using var c3 = readerContext;
            await WebApp.GoToShareAsync(reader, share);
            await WebApp.RevealAsync(reader);
            (await WebApp.RevealedTextAsync(reader)).ShouldBe("for the humans only");
        }
    }

    [Fact]
    public async Task Recipients_out_of_range_are_refused_in_the_form_and_nothing_is_created()
    {
        browser.RequireBrowser();
        var (context, page, _) = await WebApp.OpenAsync(browser);
        await using var c = context;
        await page.GotoAsync(server.Url("/"));
        await page.GetByLabel("Secret text").FillAsync("x");
        foreach (var (value, message) in new[] { ("51", "Give 1 to 50 recipients."), ("alice, ALICE", "given twice"), ("alice,,bob", "empty") })
        {
            await page.GetByLabel("Recipients (optional)").FillAsync(value);
            await page.GetByRole(AriaRole.Button, new() { Name = "Create secret link" }).ClickAsync();
            (await WebApp.AlertAsync(page)).ShouldContain(message);
        }

        (await page.GetByRole(AriaRole.Heading, new() { Name = "Your secret link is ready" }).CountAsync()).ShouldBe(0);
    }
}
