using Microsoft.Playwright;
using Parley.Testing;

namespace Parley.Web.Tests;

/// <summary>The create form's "Notify this URL" field: the key is shown once and signs what the receiver gets.</summary>
public sealed class WebhookFormTests(BrowserFixture browser, WebServer server) : IClassFixture<WebServer>
{
    [Fact]
    public async Task A_secret_with_a_notify_url_shows_its_signing_key_and_the_receiver_hears_of_the_opening()
    {
        browser.RequireBrowser();
        await using var receiver = await WebhookReceiver.StartAsync();
        var (context, page, probe) = await WebApp.OpenAsync(browser);
        await using var _ = context;
        await page.GotoAsync(server.Url("/"));
        await page.GetByRole(AriaRole.Heading, new() { Name = "Share a secret" }).WaitForAsync();
        await page.GetByLabel("Secret text").FillAsync("notify me");
        await page.GetByLabel("Notify this URL (optional)").FillAsync(receiver.Url());
        await page.GetByRole(AriaRole.Button, new() { Name = "Create secret link" }).ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = "Your secret link is ready" }).WaitForAsync(new() { Timeout = 120_000 });
        var key = await page.Locator("#webhook-key").InputValueAsync();
        key.ShouldStartWith("whsec_");
        var share = await page.Locator("#share-link").InputValueAsync();

        var (readerContext, reader, _) = await WebApp.OpenAsync(browser);
        await using var __ = readerContext;
        await WebApp.GoToShareAsync(reader, share);
        await WebApp.RevealAsync(reader);
        (await WebApp.RevealedTextAsync(reader)).ShouldBe("notify me");

        var received = await receiver.WaitForAsync(2);
        received.Select(r => r.Type).Order().ShouldBe(["secret.burned", "secret.opened"]);
        received.ShouldAllBe(r => r.SignatureValid(key));
        probe.CspViolations.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_notify_url_the_server_refuses_is_explained_and_nothing_is_created()
    {
        browser.RequireBrowser();
        var (context, page, _) = await WebApp.OpenAsync(browser);
        await using var _c = context;
        await page.GotoAsync(server.Url("/"));
        await page.GetByRole(AriaRole.Heading, new() { Name = "Share a secret" }).WaitForAsync();
        await page.GetByLabel("Secret text").FillAsync("never stored");
        await page.GetByLabel("Notify this URL (optional)").FillAsync("https://user:pw@example.com/hook");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create secret link" }).ClickAsync();
        var alert = await WebApp.AlertAsync(page);
        alert.ShouldContain("The notification URL cannot be used.");
        alert.ShouldContain("user name or password");
    }
}
