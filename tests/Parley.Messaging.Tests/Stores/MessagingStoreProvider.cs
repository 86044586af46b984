using Microsoft.Extensions.Options;
using Parley.Server.Features.Messaging;
using Parley.Server.Features.Messaging.Storage;
using Parley.Server.Infrastructure.Storage;

namespace Parley.Messaging.Tests.Stores;

/// <summary>
/// One provider's messaging stores for the store-level contract suites: the object that implements
/// <see cref="IAccountStore"/>, <see cref="IPreKeyStore"/>, <see cref="IEnvelopeQueue"/>,
/// <see cref="IPresenceStore"/> and <see cref="IGroupStore"/> over a fresh database.
/// </summary>
public abstract class MessagingStoreProvider : IAsyncLifetime
{
    private object? _stores;

    internal T Get<T>() where T : class => (T)(_stores ?? throw new InvalidOperationException("Not initialized."));

    protected abstract ValueTask<object> OpenAsync();

    public async ValueTask InitializeAsync() => _stores = await OpenAsync();

    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}

public sealed class MemoryStores : MessagingStoreProvider
{
    protected override ValueTask<object> OpenAsync() => ValueTask.FromResult<object>(new MemoryMessagingStore());
}

public sealed class SqliteStores : MessagingStoreProvider
{
    private readonly string _directory = Directory.CreateTempSubdirectory("parley-stores-").FullName;
    private SqliteDatabase? _db;

    protected override ValueTask<object> OpenAsync()
    {
        _db = new SqliteDatabase(Options.Create(new StorageOptions { DataDirectory = _directory }), [MessagingSchema.Schema]);
        return ValueTask.FromResult<object>(new SqliteMessagingStore(_db));
    }

    public override async ValueTask DisposeAsync()
    {
        _db?.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
        await base.DisposeAsync();
    }
}

public sealed class PostgresStores : MessagingStoreProvider
{
    private PostgresTestDatabase? _database;
    private PostgresDatabase? _db;

    protected override async ValueTask<object> OpenAsync()
    {
        _database = await PostgresTestDatabase.CreateAsync();
        _db = new PostgresDatabase(Options.Create(new StorageOptions { PostgresConnectionString = _database.ConnectionString }), [MessagingSchema.Schema]);
        return new PostgresMessagingStore(_db);
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
