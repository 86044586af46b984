using Microsoft.Extensions.Options;
using Npgsql;
using Parley.Server.Features.Requests;
using Parley.Server.Features.Requests.Storage;
using Parley.Server.Features.Secrets;
using Parley.Server.Features.Secrets.Storage;
using Parley.Server.Features.Webhooks;
using Parley.Server.Features.Webhooks.Storage;
using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Tests.Stores;

/// <summary>
/// One provider's secret, request and webhook stores over a fresh database, for the store-level contract suites:
/// no server, no clock — every call names its own time.
/// </summary>
public abstract class ProviderStores : IAsyncLifetime
{
    private (ISecretStore Secrets, IRequestStore Requests, IWebhookStore Webhooks)? _stores;

    internal ISecretStore Secrets => Stores.Secrets;

    internal IRequestStore Requests => Stores.Requests;

    internal IWebhookStore Webhooks => Stores.Webhooks;

    private (ISecretStore Secrets, IRequestStore Requests, IWebhookStore Webhooks) Stores =>
        _stores ?? throw new InvalidOperationException("Not initialized.");

    private protected static FeatureSchema[] Schemas => [SecretsSchema.Schema, RequestsSchema.Schema, WebhooksSchema.Schema];

    private protected abstract ValueTask<(ISecretStore, IRequestStore, IWebhookStore)> OpenAsync();

    public async ValueTask InitializeAsync() => _stores = await OpenAsync();

    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}

/// <summary>A SQL provider, whose tables a test can break on purpose.</summary>
public abstract class SqlProviderStores : ProviderStores
{
    /// <summary>Makes every insert into <paramref name="table"/> fail (a trigger that raises) until <see cref="RepairInsertsAsync"/>.</summary>
    internal abstract Task BreakInsertsAsync(string table);

    internal abstract Task RepairInsertsAsync(string table);
}

public sealed class MemoryStores : ProviderStores
{
    private protected override ValueTask<(ISecretStore, IRequestStore, IWebhookStore)> OpenAsync()
    {
        var webhooks = new MemoryWebhookStore(new WebhookSignal());
        return ValueTask.FromResult<(ISecretStore, IRequestStore, IWebhookStore)>(
            (new MemorySecretStore(webhooks), new MemoryRequestStore(webhooks), webhooks));
    }
}

public sealed class SqliteStores : SqlProviderStores
{
    private readonly string _directory = Directory.CreateTempSubdirectory("parley-secret-stores-").FullName;
    private SqliteDatabase? _db;

    private protected override ValueTask<(ISecretStore, IRequestStore, IWebhookStore)> OpenAsync()
    {
        _db = new SqliteDatabase(Options.Create(new StorageOptions { DataDirectory = _directory }), Schemas);
        var writes = new SqliteWebhookWrites(new WebhookSignal());
        return ValueTask.FromResult<(ISecretStore, IRequestStore, IWebhookStore)>(
            (new SqliteSecretStore(_db, writes), new SqliteRequestStore(_db, writes), new SqliteWebhookStore(_db, writes)));
    }

    internal override Task BreakInsertsAsync(string table) =>
        ExecuteAsync($"CREATE TRIGGER broken_{table} BEFORE INSERT ON {table} BEGIN SELECT RAISE(ABORT, 'broken on purpose'); END");

    internal override Task RepairInsertsAsync(string table) => ExecuteAsync($"DROP TRIGGER broken_{table}");

    private Task ExecuteAsync(string sql)
    {
        // On the writer connection, between two group commits.
        _db!.Write(sql, static (s, sql) =>
        {
            s.Execute(sql);
            return 0;
        });
        return Task.CompletedTask;
    }

    public override async ValueTask DisposeAsync()
    {
        _db?.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
        await base.DisposeAsync();
    }
}

public sealed class PostgresStores : SqlProviderStores
{
    private PostgresTestDatabase? _database;
    private PostgresDatabase? _db;

    private protected override async ValueTask<(ISecretStore, IRequestStore, IWebhookStore)> OpenAsync()
    {
        _database = await PostgresTestDatabase.CreateAsync();
        _db = new PostgresDatabase(Options.Create(new StorageOptions { PostgresConnectionString = _database.ConnectionString }), Schemas);
        var writes = new PostgresWebhookWrites(new WebhookSignal());
        return (new PostgresSecretStore(_db, writes), new PostgresRequestStore(_db, writes), new PostgresWebhookStore(_db, writes));
    }

    internal override async Task BreakInsertsAsync(string table)
    {
        await ExecuteAsync($"CREATE FUNCTION broken_{table}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'broken on purpose'; END $$");
        await ExecuteAsync($"CREATE TRIGGER broken_{table} BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION broken_{table}()");
    }

    internal override async Task RepairInsertsAsync(string table)
    {
        await ExecuteAsync($"DROP TRIGGER broken_{table} ON {table}");
        await ExecuteAsync($"DROP FUNCTION broken_{table}()");
    }

    private async Task ExecuteAsync(string sql)
    {
        // Through the stores' own database, so that the schema is in place first (it is created at first use).
        await using var connection = await _db!.OpenAsync(CancellationToken.None);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        if (_db is not null)
        {
            await _db.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        await base.DisposeAsync();
    }
}
