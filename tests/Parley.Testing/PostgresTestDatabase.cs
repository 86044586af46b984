using Npgsql;

namespace Parley.Testing;

/// <summary>
/// A throwaway database on the test PostgreSQL server (<see cref="TestEnvironment.RequirePostgres"/>):
/// created empty, dropped (connections and all) on dispose.
/// </summary>
public sealed class PostgresTestDatabase : IAsyncDisposable
{
    private readonly string _adminConnectionString;

    private PostgresTestDatabase(string adminConnectionString, string name, string connectionString)
    {
        _adminConnectionString = adminConnectionString;
        Name = name;
        ConnectionString = connectionString;
    }

    public string Name { get; }

    /// <summary>Npgsql connection string of the new database.</summary>
    public string ConnectionString { get; }

    /// <summary>Creates a database; skips the test (or fails under CI) when no PostgreSQL server is available.</summary>
    public static async Task<PostgresTestDatabase> CreateAsync(CancellationToken cancellationToken = default)
    {
        var admin = TestEnvironment.RequirePostgres();
        var name = "parley_test_" + Guid.NewGuid().ToString("N")[..16];
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync(cancellationToken);
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        var builder = new NpgsqlConnectionStringBuilder(admin) { Database = name, Pooling = true, MaxPoolSize = 100 };
        return new PostgresTestDatabase(admin, name, builder.ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_adminConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}

/// <summary>
/// A class fixture holding one <see cref="PostgresTestDatabase"/> for all tests of a class, created
/// on first use (so a missing server skips the test rather than breaking the fixture).
/// </summary>
public sealed class PostgresDatabaseFixture : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private PostgresTestDatabase? _database;

    public async Task<PostgresTestDatabase> GetAsync()
    {
        await _gate.WaitAsync();
        try
        {
            return _database ??= await PostgresTestDatabase.CreateAsync();
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        _gate.Dispose();
    }
}
