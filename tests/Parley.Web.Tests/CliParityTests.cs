using System.Diagnostics;
using System.Text.Json;
using Parley.Testing;

namespace Parley.Web.Tests;

/// <summary>
/// Format parity between the two writers and readers: secrets made in the browser open with the
/// `parley` CLI, and secrets made with the CLI open in the browser, text and files byte for byte;
/// requests made on either side are answered on the other and opened where they were made.
/// </summary>
public sealed class CliParityTests(BrowserFixture browser, WebServer server) : IClassFixture<WebServer>, IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("parley-web-cli-");

    public void Dispose() => _work.Delete(recursive: true);

    private static string CliPath()
    {
        // Same configuration as this test assembly (bin/Release/net10.0 or bin/Debug/net10.0).
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
        var path = RepoPaths.Combine("src", "Parley.Cli", "bin", configuration, "net10.0", "parley.dll");
        File.Exists(path).ShouldBeTrue($"the CLI is not built at {path}");
        return path;
    }

    private async Task<JsonElement> ParleyAsync(string? passphrase, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet", [CliPath(), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = _work.FullName,
        };
        start.Environment["PARLEY_SERVER"] = server.BaseAddress.ToString().TrimEnd('/');
        if (passphrase is not null)
        {
            start.Environment["PARLEY_PASSPHRASE"] = passphrase;
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        process.ExitCode.ShouldBe(0, $"parley {string.Join(' ', args)}: {await stderr}");
        return JsonDocument.Parse(await stdout).RootElement.Clone();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Tänzer im Regen")]
    public async Task A_secret_created_in_the_browser_opens_with_the_cli(string? passphrase)
    {
        browser.RequireBrowser();
        var notes = "line one\nline two ✓"u8.ToArray();
        var big = WebApp.RandomBytes((2 * 65536) + 77);
        var (context, page, _) = await WebApp.OpenAsync(browser);
        await using var c = context;
        var links = await WebApp.CreateAsync(page, server, "from the browser: Grüße 🔑", [
            new("notes.txt", "text/plain", notes),
            new("data.bin", "application/octet-stream", big),
        ], passphrase);

        var outDir = Path.Combine(_work.FullName, "out");
        var opened = await ParleyAsync(passphrase, "secret", "open", links.Share, "--out", outDir, "--json");

        opened.GetProperty("text").GetString().ShouldBe("from the browser: Grüße 🔑");
        var files = opened.GetProperty("files").EnumerateArray().ToList();
        files.Select(f => f.GetProperty("name").GetString()).ShouldBe(["notes.txt", "data.bin"]);
        (await File.ReadAllBytesAsync(Path.Combine(outDir, "notes.txt"), TestContext.Current.CancellationToken)).ShouldBe(notes);
        (await File.ReadAllBytesAsync(Path.Combine(outDir, "data.bin"), TestContext.Current.CancellationToken)).ShouldBe(big);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("correct horse")]
    public async Task A_secret_created_with_the_cli_opens_in_the_browser(string? passphrase)
    {
        browser.RequireBrowser();
        var report = WebApp.RandomBytes(65536 * 3);
        var reportPath = Path.Combine(_work.FullName, "report.pdf");
        await File.WriteAllBytesAsync(reportPath, report, TestContext.Current.CancellationToken);
        var emptyPath = Path.Combine(_work.FullName, "empty.txt");
        await File.WriteAllBytesAsync(emptyPath, [], TestContext.Current.CancellationToken);

        string[] args = ["secret", "create", "--text", "from the CLI: ½ ✓", "--file", reportPath, "--file", emptyPath, "--json"];
        var created = await ParleyAsync(passphrase, passphrase is null ? args : [.. args, "--passphrase"]);
        var share = created.GetProperty("shareLink").GetString()!;

        var (context, page, probe) = await WebApp.OpenAsync(browser);
        await using var c = context;
        await WebApp.GoToShareAsync(page, share);
        await WebApp.RevealAsync(page, passphrase);
        (await WebApp.RevealedTextAsync(page)).ShouldBe("from the CLI: ½ ✓");
        var (name, bytes) = await WebApp.SaveFileAsync(page, "report.pdf");
        name.ShouldBe("report.pdf");
        bytes.ShouldBe(report);
        (await WebApp.SaveFileAsync(page, "empty.txt")).Bytes.ShouldBeEmpty();
        probe.CspViolations.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_request_made_in_the_browser_is_answered_with_the_cli_and_opened_in_the_browser()
    {
        browser.RequireBrowser();
        var config = WebApp.RandomBytes((2 * 65536) + 99);
        var configPath = Path.Combine(_work.FullName, "wg0.conf");
        await File.WriteAllBytesAsync(configPath, config, TestContext.Current.CancellationToken);
        var (context, page, probe) = await WebApp.OpenAsync(browser);
        await using var c = context;
        var links = await RequestPages.RequestAsync(page, server, "WireGuard config");

        var answered = await ParleyAsync(null, "secret", "respond", links.Send, "--text", "from the CLI: ключ ✓", "--file", configPath, "--json");
        answered.GetProperty("answered").GetBoolean().ShouldBeTrue();

        await RequestPages.GoToPrivateAsync(page, links.Private);
        await RequestPages.RevealAsync(page);
        (await page.GetByLabel("Text", new() { Exact = true }).InputValueAsync()).ShouldBe("from the CLI: ключ ✓");
        var (name, bytes) = await WebApp.SaveFileAsync(page, "wg0.conf");
        name.ShouldBe("wg0.conf");
        bytes.ShouldBe(config);
        (await RequestPages.StatusAsync(server, links)).GetProperty("state").GetString().ShouldBe("opened");
        probe.CspViolations.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_request_made_with_the_cli_is_answered_in_the_browser_and_opened_with_the_cli()
    {
        browser.RequireBrowser();
        var key = WebApp.RandomBytes((3 * 65536) + 1);
        var requested = await ParleyAsync(null, "secret", "request", "--label", "deploy key for CI", "--json");
        var sendLink = requested.GetProperty("requestLink").GetString()!;
        var privateLink = requested.GetProperty("privateLink").GetString()!;

        var (context, page, probe) = await WebApp.OpenAsync(browser);
        await using var c = context;
        await RequestPages.GoToAsync(page, sendLink);
        (await page.Locator("main").InnerTextAsync()).ShouldContain("They ask for: deploy key for CI");
        await RequestPages.RespondAsync(page, sendLink, "from the browser: Grüße 🔑", [
            new("id_ed25519", "application/octet-stream", key),
            new("empty.txt", "text/plain", []),
        ]);

        var outDir = Path.Combine(_work.FullName, "answer");
        var opened = await ParleyAsync(null, "secret", "open", privateLink, "--out", outDir, "--json");
        opened.GetProperty("text").GetString().ShouldBe("from the browser: Grüße 🔑");
        opened.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("name").GetString()).ShouldBe(["id_ed25519", "empty.txt"]);
        (await File.ReadAllBytesAsync(Path.Combine(outDir, "id_ed25519"), TestContext.Current.CancellationToken)).ShouldBe(key);
        (await File.ReadAllBytesAsync(Path.Combine(outDir, "empty.txt"), TestContext.Current.CancellationToken)).ShouldBeEmpty();
        probe.CspViolations.ShouldBeEmpty();
    }
}
