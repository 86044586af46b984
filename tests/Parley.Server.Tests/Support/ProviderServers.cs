using Parley.Server.Features.Secrets;

namespace Parley.Server.Tests.Support;

/// <summary>
/// One test server per test class and provider, started on first use (a missing PostgreSQL server
/// then skips the test, or fails it under CI). Tests in a class run one after another, so they can
/// share its fake clock: every test creates its own secrets and only moves time forward.
/// </summary>
public abstract class ProviderServer : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ParleyTestServer? _server;

    public abstract string Provider { get; }

    internal async Task<ParleyTestServer> GetAsync()
    {
        await _gate.WaitAsync();
        try
        {
            _server ??= await StartAsync(new Dictionary<string, string?>());
            // A test before this one may have moved the clock past a sweep, whose deletions then run beside
            // this test and change the counts it compares: finish that sweep (the sweepers run one at a
            // time) and what it would still delete now, before the test starts.
            await _server.Sweeper().SweepOnceAsync();
            await _server.RequestSweeper().SweepOnceAsync();
            return _server;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A separate server of this provider with its own settings (the caller disposes it).</summary>
    internal abstract Task<ParleyTestServer> StartAsync(IDictionary<string, string?> settings, bool realTime = false);

    public virtual async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _gate.Dispose();
        GC.SuppressFinalize(this);
    }
}

public sealed class MemoryServer : ProviderServer
{
    public override string Provider => "memory";

    internal override Task<ParleyTestServer> StartAsync(IDictionary<string, string?> settings, bool realTime = false) =>
        ParleyTestServer.StartAsync(new ParleyServerOptions { Provider = Provider, Settings = settings, RealTime = realTime });
}

public sealed class SqliteServer : ProviderServer
{
    public override string Provider => "sqlite";

    internal override Task<ParleyTestServer> StartAsync(IDictionary<string, string?> settings, bool realTime = false) =>
        ParleyTestServer.StartAsync(new ParleyServerOptions { Provider = Provider, Settings = settings, RealTime = realTime });
}

public sealed class PostgresServer : ProviderServer
{
    private readonly List<PostgresTestDatabase> _databases = [];

    public override string Provider => "postgres";

    internal override async Task<ParleyTestServer> StartAsync(IDictionary<string, string?> settings, bool realTime = false)
    {
        var database = await PostgresTestDatabase.CreateAsync();
        lock (_databases)
        {
            _databases.Add(database);
        }

        return await ParleyTestServer.StartAsync(new ParleyServerOptions
        {
            Provider = Provider,
            PostgresConnectionString = database.ConnectionString,
            Settings = settings,
            RealTime = realTime,
        });
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        foreach (var database in _databases)
        {
            await database.DisposeAsync();
        }
    }
}

internal static class ServerExtensions
{
    public static ISecretStore Store(this ParleyTestServer server) =>
        (ISecretStore)server.Services.GetService(typeof(ISecretStore))!;

    public static SecretsSweeper Sweeper(this ParleyTestServer server) =>
        (SecretsSweeper)server.Services.GetService(typeof(SecretsSweeper))!;

    public static SecretsHttp Api(this ParleyTestServer server) => new(server.Client);

    public static async Task<SecretRecord> RecordAsync(this ParleyTestServer server, string id)
    {
        SecretId.TryParse(id, out var secretId).ShouldBeTrue();
        return (await server.Store().FindAsync(secretId, CancellationToken.None)).ShouldNotBeNull();
    }
}

internal static class WebhookServerExtensions
{
    public static Parley.Server.Features.Webhooks.IWebhookStore WebhookStore(this ParleyTestServer server) =>
        (Parley.Server.Features.Webhooks.IWebhookStore)server.Services.GetService(typeof(Parley.Server.Features.Webhooks.IWebhookStore))!;
}
