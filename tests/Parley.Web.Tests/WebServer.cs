using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Parley.Web.Tests;

/// <summary>
/// The real Parley server on a loopback port (Kestrel), serving the built web UI from
/// src/Parley.Server/wwwroot/app and the API, with the in-memory store.
/// </summary>
public sealed class WebServer : IAsyncLifetime
{
    private WebApplicationFactory<Program>? _factory;

    public Uri BaseAddress { get; private set; } = null!;

    public string Url(string path) => new Uri(BaseAddress, path).ToString();

    public ValueTask InitializeAsync()
    {
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Production");
            b.UseSetting("Parley:Storage:Provider", "memory");
            b.UseUrls("http://127.0.0.1:0");
            b.UseSetting("Logging:LogLevel:Default", "Warning");
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
