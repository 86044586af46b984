using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using Parley.Testing;

namespace Parley.Web.Tests;

/// <summary>
/// The real Parley server (tests/Parley.Testing's host: Kestrel on a loopback port) serving the built
/// web UI from src/Parley.Server/wwwroot/app and the API, with the in-memory store and a clock the
/// tests move. Creation is not rate limited and passphrases use few PBKDF2 iterations, to keep the
/// suite fast.
/// </summary>
public sealed class WebServer : IAsyncLifetime
{
    public const int PassphraseIterations = 1000;
    public const int MaxPassphraseAttempts = 3;

    private ParleyTestServer? _server;

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    public Uri BaseAddress => _server?.BaseAddress ?? throw new InvalidOperationException("The server is not running.");

    public string Url(string path) => new Uri(BaseAddress, path).ToString();

    public HttpClient CreateClient() => _server!.CreateClient();

    public async ValueTask InitializeAsync()
    {
        _server = await ParleyTestServer.StartAsync(new()
        {
            Provider = "memory",
            Time = Clock,
            Settings = new Dictionary<string, string?>
            {
                // The host's content root is the test's bin folder; the built app lives in the server's source tree.
                [Microsoft.AspNetCore.Hosting.WebHostDefaults.WebRootKey] = RepoPaths.Combine("src", "Parley.Server", "wwwroot"),
                ["Parley:Secrets:CreatePerMinute"] = "0",
                ["Parley:Secrets:MinPassphraseIterations"] = PassphraseIterations.ToString(CultureInfo.InvariantCulture),
                ["Parley:Secrets:DefaultPassphraseIterations"] = PassphraseIterations.ToString(CultureInfo.InvariantCulture),
                ["Parley:Secrets:MaxPassphraseAttempts"] = MaxPassphraseAttempts.ToString(CultureInfo.InvariantCulture),
                // Webhook tests run their receiver on loopback.
                ["Parley:Webhooks:AllowPrivateTargets"] = "true",
                ["Parley:Webhooks:PollInterval"] = "00:00:00.1",
            },
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
