using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Parley.Testing;

/// <summary>How to start a <see cref="ParleyTestServer"/>.</summary>
public sealed class ParleyServerOptions
{
    /// <summary><c>memory</c>, <c>sqlite</c> or <c>postgres</c>.</summary>
    public string Provider { get; init; } = "memory";

    /// <summary>Required for <c>postgres</c> (see <see cref="PostgresTestDatabase"/>).</summary>
    public string? PostgresConnectionString { get; init; }

    /// <summary>Configuration overrides, e.g. <c>["Parley:Secrets:CreatePerMinute"] = "0"</c>.</summary>
    public IDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    /// <summary>The clock the server reads; a fresh <see cref="FakeTimeProvider"/> when null.</summary>
    public FakeTimeProvider? Time { get; init; }

    /// <summary>Run on the real clock instead of fake time (benchmarks, soak tests).</summary>
    public bool RealTime { get; init; }
}

/// <summary>
/// Parley.Server in this process on real Kestrel, on a free loopback port, with a chosen storage
/// provider, fake time and configuration overrides. Tests talk to it over real HTTP. Every log line
/// the server writes is captured in <see cref="Logs"/>. Disposing stops it and deletes its data.
/// </summary>
public sealed class ParleyTestServer : IAsyncDisposable
{
    private readonly Factory _factory;

    private ParleyTestServer(Factory factory, Uri baseAddress)
    {
        _factory = factory;
        BaseAddress = baseAddress;
        Client = CreateClient();
    }

    public Uri BaseAddress { get; }

    /// <summary>A client for <see cref="BaseAddress"/> (more with <see cref="CreateClient"/>).</summary>
    public HttpClient Client { get; }

    public IServiceProvider Services => _factory.Services;

    /// <summary>The server's clock (null with <see cref="ParleyServerOptions.RealTime"/>).</summary>
    public FakeTimeProvider? Time => _factory.FakeTime;

    public string DataDirectory => _factory.DataDirectory;

    public CapturedLogs Logs => _factory.Logs;

    public static async Task<ParleyTestServer> StartAsync(ParleyServerOptions? options = null)
    {
        options ??= new ParleyServerOptions();
        var factory = new Factory(options);
        factory.UseKestrel(0);
        factory.StartServer();
        var addresses = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!;
        var address = addresses.Addresses.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal)
            .Replace("localhost", "127.0.0.1", StringComparison.Ordinal);
        var server = new ParleyTestServer(factory, new Uri(address.TrimEnd('/') + "/"));
        using var health = await server.Client.GetAsync(new Uri("healthz", UriKind.Relative));
        health.EnsureSuccessStatusCode();
        return server;
    }

    public HttpClient CreateClient() =>
        new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), MaxConnectionsPerServer = 512 })
        {
            BaseAddress = BaseAddress,
            Timeout = TimeSpan.FromSeconds(100),
        };

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _factory.DisposeAsync();
        try
        {
            Directory.Delete(_factory.DataDirectory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private sealed class Factory : WebApplicationFactory<Program>
    {
        private readonly ParleyServerOptions _options;

        public Factory(ParleyServerOptions options)
        {
            _options = options;
            FakeTime = options.RealTime ? null : options.Time ?? new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
            DataDirectory = Directory.CreateTempSubdirectory("parley-test-").FullName;
        }

        public FakeTimeProvider? FakeTime { get; }

        public string DataDirectory { get; }

        public CapturedLogs Logs { get; } = new();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Production");
            builder.UseContentRoot(AppContext.BaseDirectory);
            builder.UseSetting("Parley:Storage:Provider", _options.Provider);
            builder.UseSetting("Parley:Storage:DataDirectory", DataDirectory);
            builder.UseSetting("Parley:Secrets:CreatePerMinute", "0");
            builder.UseSetting("Logging:LogLevel:Parley", "Trace");
            if (_options.PostgresConnectionString is not null)
            {
                builder.UseSetting("Parley:Storage:PostgresConnectionString", _options.PostgresConnectionString);
            }

            foreach (var (key, value) in _options.Settings)
            {
                builder.UseSetting(key, value);
            }

            builder.ConfigureLogging(logging => logging.ClearProviders());
            builder.ConfigureServices(services =>
            {
                if (FakeTime is not null)
                {
                    services.RemoveAll<TimeProvider>();
                    services.AddSingleton<TimeProvider>(FakeTime);
                }

                services.AddSingleton<ILoggerProvider>(Logs);
            });
        }
    }
}

/// <summary>Every log message a test server wrote (rendered, with exception text), for leak checks.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    /// <summary>All captured text in one string.</summary>
    public string Text => string.Join('\n', _lines);

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var structured = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? string.Join(' ', pairs.Select(p => $"{p.Key}={p.Value}"))
                : string.Empty;
            lines.Enqueue($"{logLevel} {category} [{eventId.Id}] {formatter(state, exception)} {structured} {exception}");
        }
    }
}
