using Microsoft.Extensions.Options;
using Npgsql;

namespace Parley.Server.Infrastructure.Storage;

/// <summary>
/// The PostgreSQL database shared by every feature: one pooled, auto-preparing data source, and the
/// features' schema scripts applied once under an advisory lock (several nodes may start together).
/// </summary>
public sealed class PostgresDatabase : IAsyncDisposable, IDisposable
{
    // Arbitrary constant naming Parley's migration lock.
    private const long MigrationLockKey = 0x5061726C6579; // "Parley"
    private readonly NpgsqlDataSource _dataSource;
    private readonly IReadOnlyList<FeatureSchema> _schemas;
    private readonly Lazy<Task> _migrated;

    public PostgresDatabase(IOptions<StorageOptions> options, IEnumerable<FeatureSchema> schemas)
    {
        var connectionString = options.Value.PostgresConnectionString
            ?? throw new InvalidOperationException("Parley:Storage:PostgresConnectionString is required for the postgres provider.");
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (builder.MaxAutoPrepare == 0)
        {
            builder.MaxAutoPrepare = 64;
            builder.AutoPrepareMinUsages = 2;
        }

        _dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        _schemas = [.. schemas];
        _migrated = new Lazy<Task>(MigrateAsync, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>An open connection from the pool, after the schema is in place.</summary>
    public async ValueTask<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        await _migrated.Value.WaitAsync(cancellationToken);
        return await _dataSource.OpenConnectionAsync(cancellationToken);
    }

    private async Task MigrateAsync()
    {
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using (var command = PostgresStatement.Create(connection, "SELECT pg_advisory_xact_lock(@k)", "k").Bind("k", MigrationLockKey))
        {
            await command.ExecuteNonQueryAsync(CancellationToken.None);
        }

        await using (var command = PostgresStatement.Create(connection, """
            CREATE TABLE IF NOT EXISTS parley_schema (
              feature text NOT NULL, version integer NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(),
              PRIMARY KEY (feature, version))
            """))
        {
            await command.ExecuteNonQueryAsync(CancellationToken.None);
        }

        foreach (var schema in _schemas)
        {
            for (var version = 1; version <= schema.Postgres.Count; version++)
            {
                await using var check = PostgresStatement.Create(connection,
                    "SELECT count(*) FROM parley_schema WHERE feature = @f AND version = @v", "f", "v")
                    .Bind("f", schema.Feature)
                    .Bind("v", version);
                if ((long)(await check.ExecuteScalarAsync(CancellationToken.None))! > 0)
                {
                    continue;
                }

                await using var apply = PostgresStatement.Create(connection, schema.Postgres[version - 1]);
                await apply.ExecuteNonQueryAsync(CancellationToken.None);
                await using var record = PostgresStatement.Create(connection, "INSERT INTO parley_schema (feature, version) VALUES (@f, @v)", "f", "v")
                    .Bind("f", schema.Feature)
                    .Bind("v", version);
                await record.ExecuteNonQueryAsync(CancellationToken.None);
            }
        }

        await tx.CommitAsync();
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    public void Dispose() => _dataSource.Dispose();
}
