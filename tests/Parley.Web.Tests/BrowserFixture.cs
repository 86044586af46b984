using Microsoft.Playwright;
using Parley.Testing;

[assembly: AssemblyFixture(typeof(Parley.Web.Tests.BrowserFixture))]

namespace Parley.Web.Tests;

/// <summary>
/// One headless Debian Chromium for the whole test assembly (no sandbox, GPU, QUIC or background
/// networking: a container has none of them to offer); every test opens its own isolated browser context.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("Chromium is not running.");

    /// <summary>Where screenshots and other artefacts go: artifacts/web under the repository root.</summary>
    public static string ArtifactsDirectory { get; } = Directory.CreateDirectory(RepoPaths.Combine("artifacts", "web")).FullName;

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            // Outside ./test.sh (which apt-installs chromium) the browser tests cannot run.
            if (TestEnvironment.IsCi)
            {
                throw new InvalidOperationException($"CI=true but {ChromiumPath} is missing; ./test.sh installs it.");
            }

            return;
        }

        _playwright = await Playwright.CreateAsync();
        _browser = await LaunchAsync();
    }

    /// <summary>Another Chromium with <paramref name="arguments"/> added (e.g. a certificate to trust); the caller closes it.</summary>
    public Task<IBrowser> LaunchAsync(params string[] arguments) =>
        (_playwright ?? throw new InvalidOperationException("Chromium is not running.")).Chromium.LaunchAsync(new()
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", .. arguments,
            ],
        });

    /// <summary>Skips (or, under CI, fails) a test when Chromium is not installed.</summary>
    public void RequireBrowser()
    {
        if (_browser is null)
        {
            Assert.Skip($"{ChromiumPath} is not installed. Run the tests with ./test.sh.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
    }
}
