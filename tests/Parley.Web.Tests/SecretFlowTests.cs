using System.Net;
using Microsoft.Playwright;

namespace Parley.Web.Tests;

/// <summary>Secrets made and opened in real browsers against the real server.</summary>
public sealed class SecretFlowTests(BrowserFixture browser, WebServer server) : IClassFixture<WebServer>
{
    [Fact]
    public async Task A_text_created_in_one_browser_opens_once_in_another_and_is_then_gone()
    {
        browser.RequireBrowser();
        var (creatorContext, creator, creatorProbe) = await WebApp.OpenAsync(browser);
        await using var _ = creatorContext;
        var links = await WebApp.CreateAsync(creator, server, "the vault code is 4711 ✓");
        links.Share.ShouldStartWith(server.Url("/s/"));
        links.Manage.ShouldStartWith(server.Url("/m/"));
        (await creator.Locator("canvas.qr").CountAsync()).ShouldBe(1);

        var (readerContext, reader, readerProbe) = await WebApp.OpenAsync(browser);
        await using var __ = readerContext;
        await WebApp.GoToShareAsync(reader, links.Share);
        (await WebApp.HeadingAsync(reader)).ShouldBe(WebApp.WaitingHeading);
        (await reader.Locator("main").InnerTextAsync()).ShouldContain("It holds a text message.");
        await WebApp.RevealAsync(reader);
        (await WebApp.RevealedTextAsync(reader)).ShouldBe("the vault code is 4711 ✓");
        (await reader.Locator("main").InnerTextAsync()).ShouldContain("This secret is now deleted from the server.");
        reader.Url.ShouldNotContain("#", Case.Sensitive, "the key is removed from the address bar after reveal");

        var (thirdContext, third, thirdProbe) = await WebApp.OpenAsync(browser);
        await using var ___ = thirdContext;
        await WebApp.GoToShareAsync(third, links.Share);
        var alert = await WebApp.AlertAsync(third);
        alert.ShouldContain("This secret was already opened.");
        alert.ShouldContain("It was opened on ");
        (await third.Locator("[role=alert] time").CountAsync()).ShouldBe(1);

        var status = await WebApp.StatusAsync(server, links.Manage);
        status.GetProperty("state").GetString().ShouldBe("opened");
        creatorProbe.CspViolations.Concat(readerProbe.CspViolations).Concat(thirdProbe.CspViolations).ShouldBeEmpty();
    }

    [Fact]
    public async Task Files_created_in_one_browser_are_saved_decrypted_and_intact_in_another()
    {
        browser.RequireBrowser();
        var small = WebApp.RandomBytes(1000);
        var large = WebApp.RandomBytes((3 * 1024 * 1024) + 12345); // 49 chunks, crosses part and chunk boundaries
        var empty = Array.Empty<byte>();
        var (creatorContext, creator, _) = await WebApp.OpenAsync(browser);
        await using var c1 = creatorContext;
        var links = await WebApp.CreateAsync(creator, server, "files below", [
            new("notes.txt", "text/plain", small),
            new("big archive.bin", "application/octet-stream", large),
            new("empty.dat", "", empty),
        ]);

        var (readerContext, reader, probe) = await WebApp.OpenAsync(browser);
        await using var c2 = readerContext;
        await WebApp.GoToShareAsync(reader, links.Share);
        (await reader.Locator("main").InnerTextAsync()).ShouldContain("It holds files");
        await WebApp.RevealAsync(reader);
        (await WebApp.RevealedTextAsync(reader)).ShouldBe("files below");
        (await reader.Locator("#files-title").InnerTextAsync()).ShouldBe("3 files");

        var (bigName, bigBytes) = await WebApp.SaveFileAsync(reader, "big archive.bin");
        bigName.ShouldBe("big archive.bin");
        bigBytes.ShouldBe(large);
        var (smallName, smallBytes) = await WebApp.SaveFileAsync(reader, "notes.txt");
        smallName.ShouldBe("notes.txt");
        smallBytes.ShouldBe(small);
        var (_, emptyBytes) = await WebApp.SaveFileAsync(reader, "empty.dat");
        emptyBytes.ShouldBeEmpty();
        probe.CspViolations.ShouldBeEmpty();
        probe.ConsoleErrors.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_wrong_passphrase_shows_the_attempts_left_and_never_burns_the_secret()
    {
        browser.RequireBrowser();
        var (creatorContext, creator, _) = await WebApp.OpenAsync(browser);
        await using var c1 = creatorContext;
        var links = await WebApp.CreateAsync(creator, server, "behind a passphrase", passphrase: "blue moon over Kyiv");

        var (readerContext, reader, probe) = await WebApp.OpenAsync(browser);
        await using var c2 = readerContext;
        await WebApp.GoToShareAsync(reader, links.Share);
        (await reader.Locator("main").InnerTextAsync()).ShouldContain("It is protected by a passphrase.");
        await WebApp.RevealAsync(reader, "blue moon over kyiv");
        var alert = await WebApp.AlertAsync(reader);
        alert.ShouldContain("That passphrase is not right.");
        alert.ShouldContain($"{WebServer.MaxPassphraseAttempts - 1} attempts left");
        (await WebApp.StatusAsync(server, links.Manage)).GetProperty("state").GetString().ShouldBe("unread");

        await WebApp.RevealAsync(reader, "blue moon over Kyiv");
        (await WebApp.RevealedTextAsync(reader)).ShouldBe("behind a passphrase");
        probe.CspViolations.ShouldBeEmpty();
    }

    [Fact]
    public async Task Too_many_wrong_passphrases_destroy_the_secret_and_say_so()
    {
        browser.RequireBrowser();
        var (creatorContext, creator, _) = await WebApp.OpenAsync(browser);
        await using var c1 = creatorContext;
        var links = await WebApp.CreateAsync(creator, server, "guess me", passphrase: "right one");
        var (readerContext, reader, _) = await WebApp.OpenAsync(browser);
        await using var c2 = readerContext;
        await WebApp.GoToShareAsync(reader, links.Share);
        for (var i = 0; i < WebServer.MaxPassphraseAttempts; i++)
        {
            await WebApp.RevealAsync(reader, "wrong " + i);
        }

        (await WebApp.AlertAsync(reader)).ShouldContain("This secret was destroyed after too many wrong passphrases.");
        (await WebApp.StatusAsync(server, links.Manage)).GetProperty("state").GetString().ShouldBe("burned");
    }

    [Fact]
    public async Task An_expired_secret_says_when_it_expired()
    {
        browser.RequireBrowser();
        var (creatorContext, creator, _) = await WebApp.OpenAsync(browser);
        await using var c1 = creatorContext;
        var links = await WebApp.CreateAsync(creator, server, "too late");
        var expiresAt = (await WebApp.StatusAsync(server, links.Manage)).GetProperty("expiresAt").GetDateTimeOffset();
        server.Clock.SetUtcNow(expiresAt.AddSeconds(1));

        var (readerContext, reader, _) = await WebApp.OpenAsync(browser);
        await using var c2 = readerContext;
        await WebApp.GoToShareAsync(reader, links.Share);
        var alert = await WebApp.AlertAsync(reader);
        alert.ShouldContain("This secret has expired.");
        alert.ShouldContain("It expired on ");
    }

    [Fact]
    public async Task The_manage_page_shows_the_status_and_destroys_the_secret_and_the_reader_is_told()
    {
        browser.RequireBrowser();
        var (creatorContext, creator, probe) = await WebApp.OpenAsync(browser);
        await using var c1 = creatorContext;
        var links = await WebApp.CreateAsync(creator, server, "destroy me", views: 2);
        await creator.GotoAsync(links.Manage);
        await creator.GetByRole(AriaRole.Heading, new() { Name = "Secret status" }).WaitForAsync();
        var text = await creator.Locator("main").InnerTextAsync();
        text.ShouldContain("Not opened yet.");
        text.ShouldContain("0 of 2 used");

        await creator.GetByRole(AriaRole.Button, new() { Name = "Destroy now" }).ClickAsync();
        await creator.GetByRole(AriaRole.Button, new() { Name = "Yes, destroy it" }).ClickAsync();
        await creator.GetByText("The secret was destroyed.").WaitForAsync();
        (await creator.Locator("main").InnerTextAsync()).ShouldContain("Destroyed: the content is deleted.");

        var (readerContext, reader, _) = await WebApp.OpenAsync(browser);
        await using var c2 = readerContext;
        await WebApp.GoToShareAsync(reader, links.Share);
        (await WebApp.AlertAsync(reader)).ShouldContain("This secret was destroyed by its sender.");
        probe.CspViolations.ShouldBeEmpty();
    }

    [Fact]
    public async Task An_unknown_secret_is_reported_as_not_found()
    {
        browser.RequireBrowser();
        var (context, page, _) = await WebApp.OpenAsync(browser);
        await using var c = context;
        await WebApp.GoToShareAsync(page, server.Url("/s/AAAAAAAAAAAAAAAAAAAAAA#AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
        (await WebApp.AlertAsync(page)).ShouldContain("There is no secret at this link.");
    }

    [Fact]
    public async Task A_link_whose_key_was_altered_is_reported_as_damaged_and_the_secret_still_opens()
    {
        browser.RequireBrowser();
        var (creatorContext, creator, _) = await WebApp.OpenAsync(browser);
        await using var c1 = creatorContext;
        var links = await WebApp.CreateAsync(creator, server, "intact");
        var key = links.Share[(links.Share.IndexOf('#', StringComparison.Ordinal) + 1)..];
        var altered = links.Share[..(links.Share.Length - key.Length)] + (key[0] == 'A' ? 'B' : 'A') + key[1..];

        var (readerContext, reader, _) = await WebApp.OpenAsync(browser);
        await using var c2 = readerContext;
        // Looking cannot tell an altered key (the server only checks it on open); Reveal can, and
        // the wrong key is counted but never burns.
        await WebApp.GoToShareAsync(reader, altered);
        await WebApp.RevealAsync(reader);
        var alert = await WebApp.AlertAsync(reader);
        alert.ShouldContain("This link is damaged.");
        alert.ShouldContain("the key in the link does not match this secret", Case.Insensitive);
        var status = await WebApp.StatusAsync(server, links.Manage);
        status.GetProperty("state").GetString().ShouldBe("unread");
        status.GetProperty("failedAttempts").GetInt32().ShouldBe(1);

        await WebApp.GoToShareAsync(reader, links.Share);
        await WebApp.RevealAsync(reader);
        (await WebApp.RevealedTextAsync(reader)).ShouldBe("intact");
    }

    [Fact]
    public async Task Scanners_that_fetch_the_page_and_api_or_run_its_scripts_leave_the_secret_intact()
    {
        browser.RequireBrowser();
        var (creatorContext, creator, _) = await WebApp.OpenAsync(browser);
        await using var c1 = creatorContext;
        var links = await WebApp.CreateAsync(creator, server, "for the human only");
        var id = new Uri(links.Share).AbsolutePath.Split('/')[^1];

        // A link-preview bot: plain GETs of the page and the API, with and without the fragment.
        using var http = server.CreateClient();
        foreach (var path in new[] { $"/s/{id}", $"/api/secrets/{id}", $"/api/secrets/{id}/stream", $"/api/secrets/{id}/manage" })
        {
            using var response = await http.GetAsync(path, TestContext.Current.CancellationToken);
            response.StatusCode.ShouldBeOneOf(HttpStatusCode.OK, HttpStatusCode.Unauthorized, HttpStatusCode.NotFound);
        }

        // A mail scanner's headless browser: loads the page with the full link and runs its scripts.
        for (var i = 0; i < 2; i++)
        {
            var (scannerContext, scanner, _) = await WebApp.OpenAsync(browser);
            await using var c2 = scannerContext;
            await WebApp.GoToShareAsync(scanner, links.Share);
            (await WebApp.HeadingAsync(scanner)).ShouldBe(WebApp.WaitingHeading);
            await WebApp.SettleAsync(scanner);
        }

        var status = await WebApp.StatusAsync(server, links.Manage);
        status.GetProperty("state").GetString().ShouldBe("unread");
        status.GetProperty("viewsLeft").GetInt32().ShouldBe(1);
        status.GetProperty("failedAttempts").GetInt32().ShouldBe(0);

        var (readerContext, reader, _) = await WebApp.OpenAsync(browser);
        await using var c3 = readerContext;
        await WebApp.GoToShareAsync(reader, links.Share);
        await WebApp.RevealAsync(reader);
        (await WebApp.RevealedTextAsync(reader)).ShouldBe("for the human only");
    }
}
