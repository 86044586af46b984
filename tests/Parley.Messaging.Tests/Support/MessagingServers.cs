using Parley.Server.Features.Messaging;

namespace Parley.Messaging.Tests.Support;

/// <summary>
/// One test server per test class and provider, started on first use (a missing PostgreSQL server then
/// skips the test, or fails it under CI). Rate limits are off unless a test starts its own server with
/// them; tests in a class run one after another and share its fake clock.
/// </summary>
public abstract class MessagingServer : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly List<ParleyTestServer> _extra = [];
    private ParleyTestServer? _server;

    public abstract string Provider { get; }

    /// <summary>
    /// <see cref="Defaults"/> for nodes that share <paramref name="postgres"/> and <paramref name="redis"/> behind
    /// nginx on this machine (the only forwarder believed), secret creation unlimited.
    /// </summary>
    public static Dictionary<string, string?> SharedBehindProxy(string postgres, string redis)
    {
        var settings = Defaults();
        settings["Parley:Storage:Provider"] = "postgres";
        settings["Parley:Storage:PostgresConnectionString"] = postgres;
        settings["Parley:Messaging:Redis"] = redis;
        settings["Parley:Secrets:CreatePerMinute"] = "0";
        settings["Parley:Http:TrustedProxies:0"] = "127.0.0.1";
        return settings;
    }

    /// <summary>Settings every messaging test server starts with.</summary>
    public static Dictionary<string, string?> Defaults() => new()
    {
        ["Parley:Messaging:RegistrationsPerHour"] = "0",
        ["Parley:Messaging:LoginsPerMinute"] = "0",
        ["Parley:Messaging:BundleFetchesPerHour"] = "0",
        ["Parley:Messaging:BundleFetchesPerTargetPerHour"] = "0",
        ["Parley:Messaging:SendsPerSecond"] = "0",
        ["Parley:Messaging:RequestsPerMinute"] = "0",
    };

    internal async Task<ParleyTestServer> GetAsync()
    {
        await _gate.WaitAsync();
        try
        {
            return _server ??= await LaunchAsync(Defaults());
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A separate server of this provider with the defaults changed by <paramref name="settings"/> (disposed with the fixture).</summary>
    internal async Task<ParleyTestServer> StartAsync(IDictionary<string, string?> settings)
    {
        var all = Defaults();
        foreach (var (k, v) in settings)
        {
            all[k] = v;
        }

        var server = await LaunchAsync(all);
        lock (_extra)
        {
            _extra.Add(server);
        }

        return server;
    }

    protected abstract Task<ParleyTestServer> LaunchAsync(IDictionary<string, string?> settings);

    public virtual async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        foreach (var s in _extra)
        {
            await s.DisposeAsync();
        }

        _gate.Dispose();
        GC.SuppressFinalize(this);
    }
}

public sealed class MemoryMessaging : MessagingServer
{
    public override string Provider => "memory";

    protected override Task<ParleyTestServer> LaunchAsync(IDictionary<string, string?> settings) =>
        ParleyTestServer.StartAsync(new ParleyServerOptions { Provider = Provider, Settings = settings });
}

public sealed class SqliteMessaging : MessagingServer
{
    public override string Provider => "sqlite";

    protected override Task<ParleyTestServer> LaunchAsync(IDictionary<string, string?> settings) =>
        ParleyTestServer.StartAsync(new ParleyServerOptions { Provider = Provider, Settings = settings });
}

public sealed class PostgresMessaging : MessagingServer
{
    private readonly List<PostgresTestDatabase> _databases = [];

    public override string Provider => "postgres";

    protected override async Task<ParleyTestServer> LaunchAsync(IDictionary<string, string?> settings)
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
    /// <summary>One of the server's messaging stores (<see cref="IAccountStore"/>, <see cref="IEnvelopeQueue"/>, …).</summary>
    internal static TStore Store<TStore>(this ParleyTestServer server) where TStore : class =>
        (TStore)server.Services.GetService(typeof(TStore))!;

    internal static MessagingSweeper MessagingSweeper(this ParleyTestServer server) =>
        (MessagingSweeper)server.Services.GetService(typeof(MessagingSweeper))!;

    /// <summary>Whether the store still holds the envelope, unexpired, as <paramref name="sender"/>'s.</summary>
    internal static async Task<bool> IsQueuedAsync(this ParleyTestServer server, long id, string sender) =>
        (await server.Store<IEnvelopeQueue>().QueuedOfAsync(sender, [id], server.Time!.GetUtcNow(), default)).Count == 1;
}
