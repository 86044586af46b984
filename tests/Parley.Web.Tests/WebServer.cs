using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Parley.Web.Tests;

/// <summary>
/// The real Parley server on a loopback port (Kestrel), serving the built web UI from
/// src/Parley.Server/wwwroot/app and the API, with the in-memory store and a clock the tests move.
/// Creation is not rate limited and passphrases use few PBKDF2 iterations, to keep the suite fast.
/// </summary>
public sealed class WebServer : IAsyncLifetime
{
    public const int PassphraseIterations = 1000;
    public const int MaxPassphraseAttempts = 3;

    private WebApplicationFactory<Program>? _factory;

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    public Uri BaseAddress { get; private set; } = null!;

    public string Url(string path) => new Uri(BaseAddress, path).ToString();

    public HttpClient CreateClient() => new() { BaseAddress = BaseAddress };

    public ValueTask InitializeAsync()
    {
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Production");
            b.UseUrls("http://127.0.0.1:0");
            b.UseSetting("Logging:LogLevel:Default", "Warning");
            b.UseSetting("Parley:Storage:Provider", "Memory");
            b.UseSetting("Parley:Secrets:CreatePerMinute", "0");
            b.UseSetting("Parley:Secrets:MinPassphraseIterations", PassphraseIterations.ToString(System.Globalization.CultureInfo.InvariantCulture));
            b.UseSetting("Parley:Secrets:DefaultPassphraseIterations", PassphraseIterations.ToString(System.Globalization.CultureInfo.InvariantCulture));
            b.UseSetting("Parley:Secrets:MaxPassphraseAttempts", MaxPassphraseAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture));
            b.ConfigureServices(services => services.AddSingleton<TimeProvider>(Clock));
        });
        _factory.UseKestrel(0);
        _factory.StartServer();
        BaseAddress = _factory.ClientOptions.BaseAddress;
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }
    }
}
