using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Npgsql;
using Parley.Server.Infrastructure.Storage;

namespace Parley.Testing;

/// <summary>
/// A database made by an older version of a feature's schema, upgraded in place: the rows are written with the
/// old scripts only, then the database is opened with the current ones (which applies the rest) for the check.
/// </summary>
public static class SchemaUpgrades
{
    /// <summary>The schema as its first version left it.</summary>
    public static FeatureSchema FirstVersionOf(FeatureSchema schema) => VersionOf(schema, 1);

    /// <summary>The schema as its version <paramref name="version"/> left it (its first scripts).</summary>
    public static FeatureSchema VersionOf(FeatureSchema schema, int version) =>
        schema with { Sqlite = [.. schema.Sqlite.Take(version)], Postgres = [.. schema.Postgres.Take(version)] };

    public static Task OnSqliteAsync(FeatureSchema old, FeatureSchema current, string rows, Func<SqliteDatabase, Task> check) =>
        OnSqliteAsync([old], [current], rows, check);

    /// <summary>The same for features whose scripts reach into each other's tables: each list in the order a server applies them.</summary>
    public static async Task OnSqliteAsync(FeatureSchema[] old, FeatureSchema[] current, string rows, Func<SqliteDatabase, Task> check)
    {
        var directory = Directory.CreateTempSubdirectory("parley-upgrade-").FullName;
        try
        {
            var options = Options.Create(new StorageOptions { DataDirectory = directory });
            using (var before = new SqliteDatabase(options, old))
            {
                before.Write(rows, static (s, rows) =>
                {
                    s.Execute(rows);
                    return 0;
                });
            }

            using var upgraded = new SqliteDatabase(options, current);
            await check(upgraded);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>The same on a throwaway PostgreSQL database (skipped without a PostgreSQL server, see <see cref="PostgresTestDatabase"/>).</summary>
    public static async Task OnPostgresAsync(FeatureSchema old, FeatureSchema current, string rows, Func<PostgresDatabase, Task> check)
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        var options = Options.Create(new StorageOptions { PostgresConnectionString = database.ConnectionString });
        await using (var before = new PostgresDatabase(options, [old]))
        {
            await using var connection = await before.OpenAsync(default);
            await using var insert = new NpgsqlCommand(rows, connection);
            await insert.ExecuteNonQueryAsync();
        }

        await using var upgraded = new PostgresDatabase(options, [current]);
        await check(upgraded);
    }
}
