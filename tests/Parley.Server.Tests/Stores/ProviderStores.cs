using Microsoft.Extensions.Options;
using Parley.Server.Features.Requests;
using Parley.Server.Features.Requests.Storage;
using Parley.Server.Features.Secrets;
using Parley.Server.Features.Secrets.Storage;
using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Tests.Stores;

/// <summary>
/// One provider's secret and request stores over a fresh database, for the store-level contract suites:
/// no server, no clock — every call names its own time.
/// </summary>
public abstract class ProviderStores : IAsyncLifetime
{
    private (ISecretStore Secrets, IRequestStore Requests)? _stores;

    internal ISecretStore Secrets => (_stores ?? throw new InvalidOperationException("Not initialized.")).Secrets;

    internal IRequestStore Requests => (_stores ?? throw new InvalidOperationException("Not initialized.")).Requests;

    private protected abstract ValueTask<(ISecretStore, IRequestStore)> OpenAsync();

    public async ValueTask InitializeAsync() => _stores = await OpenAsync();

    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}

public sealed class MemoryStores : ProviderStores
{
    private protected override ValueTask<(ISecretStore, IRequestStore)> OpenAsync() =>
        ValueTask.FromResult<(ISecretStore, IRequestStore)>((new MemorySecretStore(), new MemoryRequestStore()));
}

public sealed class SqliteStores : ProviderStores
{
    private readonly string _directory = Directory.CreateTempSubdirectory("parley-secret-stores-").FullName;
    private SqliteDatabase? _db;

    private protected override ValueTask<(ISecretStore, IRequestStore)> OpenAsync()
    {
        _db = new SqliteDatabase(Options.Create(new StorageOptions { DataDirectory = _directory }), [SecretsSchema.Schema, RequestsSchema.Schema]);
        return ValueTask.FromResult<(ISecretStore, IRequestStore)>((new SqliteSecretStore(_db), new SqliteRequestStore(_db)));
    }

    public override async ValueTask DisposeAsync()
    {
        _db?.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
        await base.DisposeAsync();
    }
}

public sealed class PostgresStores : ProviderStores
{
    private PostgresTestDatabase? _database;
    private PostgresDatabase? _db;

    private protected override async ValueTask<(ISecretStore, IRequestStore)> OpenAsync()
    {
        _database = await PostgresTestDatabase.CreateAsync();
        _db = new PostgresDatabase(Options.Create(new StorageOptions { PostgresConnectionString = _database.ConnectionString }),
            [SecretsSchema.Schema, RequestsSchema.Schema]);
        return (new PostgresSecretStore(_db), new PostgresRequestStore(_db));
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
