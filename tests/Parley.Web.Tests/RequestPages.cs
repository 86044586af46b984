using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;

namespace Parley.Web.Tests;

/// <summary>What the requester and the responder do on the request-a-secret pages, written once.</summary>
public static class RequestPages
{
    public const string FormHeading = "Request a secret";
    public const string ResultHeading = "Your request link is ready";
    public const string RespondHeading = "Someone asks you for a secret";
    public const string SentHeading = "Your answer was sent";
    public const string PrivateHeading = "Your request";
    public const string AnswerHeading = "The answer to your request";

    public sealed record Links(string Send, string Private)
    {
        public string Id => new Uri(Send).AbsolutePath.Split('/')[^1];
    }

    /// <summary>Fills the request form and returns the two links the result page shows.</summary>
    public static async Task<Links> RequestAsync(IPage page, WebServer server, string? label)
    {
        await page.GotoAsync(server.Url("/request"));
        await page.GetByRole(AriaRole.Heading, new() { Name = FormHeading }).WaitForAsync();
        if (label is not null)
        {
            await page.GetByLabel("What do you need? (optional)").FillAsync(label);
        }

        await page.GetByRole(AriaRole.Button, new() { Name = "Create request link" }).ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = ResultHeading }).WaitForAsync();
        return new Links(await page.Locator("#send-link").InputValueAsync(), await page.Locator("#private-link").InputValueAsync());
    }

    /// <summary>
    /// Loads a link afresh (a reload when the page is already at it: going to the same address with a
    /// fragment would not load the page again) and waits for its first heading.
    /// </summary>
    public static async Task GoToAsync(IPage page, string link)
    {
        if (page.Url == link)
        {
            await page.ReloadAsync();
        }
        else
        {
            await page.GotoAsync(link);
        }

        await page.Locator("main h1").Filter(new() { HasNotText = "Parley needs JavaScript" }).WaitForAsync();
    }

    /// <summary>Opens the send link and waits for the form; fills text and files; sends; waits for the confirmation.</summary>
    public static async Task RespondAsync(IPage page, string sendLink, string? text, IReadOnlyList<WebApp.FileInput>? files = null)
    {
        await GoToAsync(page, sendLink);
        await page.GetByRole(AriaRole.Heading, new() { Name = RespondHeading, Exact = true }).WaitForAsync();
        await FillAnswerAsync(page, text, files);
        await page.GetByRole(AriaRole.Button, new() { Name = "Encrypt and send" }).ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = SentHeading }).WaitForAsync(new() { Timeout = 120_000 });
    }

    public static async Task FillAnswerAsync(IPage page, string? text, IReadOnlyList<WebApp.FileInput>? files)
    {
        if (text is not null)
        {
            await page.GetByLabel("Secret text").FillAsync(text);
        }

        if (files is { Count: > 0 })
        {
            await page.Locator("#files").SetInputFilesAsync(files.Select(f => new FilePayload { Name = f.Name, MimeType = f.MimeType, Buffer = f.Bytes }));
        }
    }

    /// <summary>Opens the private page and waits for its status.</summary>
    public static async Task GoToPrivateAsync(IPage page, string privateLink)
    {
        await GoToAsync(page, privateLink);
        await page.GetByRole(AriaRole.Heading, new() { Name = PrivateHeading, Exact = true }).WaitForAsync();
    }

    /// <summary>On the private page: Reveal, and wait for the decrypted answer.</summary>
    public static async Task RevealAsync(IPage page)
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "Reveal answer" }).ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = AnswerHeading }).WaitForAsync(new() { Timeout = 60_000 });
    }

    /// <summary>The request token of a private link (docs/request-format.md §1), computed here with the BCL's HKDF.</summary>
    public static string RequestToken(string privateLink)
    {
        var a = System.Buffers.Text.Base64Url.DecodeFromChars(new Uri(privateLink).Fragment.TrimStart('#'));
        var rt = HKDF.DeriveKey(HashAlgorithmName.SHA256, a, 32, Encoding.ASCII.GetBytes("parley/request/v1"), Encoding.ASCII.GetBytes("token"));
        return System.Buffers.Text.Base64Url.EncodeToString(rt);
    }

    /// <summary>The request's state as its requester sees it, straight from the API.</summary>
    public static async Task<JsonElement> StatusAsync(WebServer server, Links links)
    {
        using var http = server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/requests/{links.Id}/manage");
        request.Headers.Authorization = new("Bearer", RequestToken(links.Private));
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }
}
