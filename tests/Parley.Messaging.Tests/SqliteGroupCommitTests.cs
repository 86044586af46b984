using Microsoft.Extensions.Options;
using Parley.Server.Infrastructure.Storage;

namespace Parley.Messaging.Tests;

/// <summary>The SQLite group commit the relay's hot writes go through.</summary>
public sealed class SqliteGroupCommitTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("parley-commit-").FullName;
    private readonly SqliteDatabase _db;

    public SqliteGroupCommitTests()
    {
        var options = Options.Create(new StorageOptions { DataDirectory = _directory });
        _db = new SqliteDatabase(options, [new FeatureSchema("commit-test", ["CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)"], [])]);
    }

    private Task<int> Insert(int k, string? v) => _db.WriteBatchedAsync((k, v), static (s, a) =>
    {
        var c = s.Command("INSERT INTO t (k, v) VALUES ($k, $v)", "$k", "$v");
        c.Parameters[0].Value = a.k;
        c.Parameters[1].Value = (object?)a.v ?? DBNull.Value; // null breaks NOT NULL: this write throws
        return c.ExecuteNonQuery();
    });

    private Task<long> CountAsync() => _db.ReadAsync(0, static (s, _) => (long)s.Command("SELECT count(*) FROM t").ExecuteScalar()!, default).AsTask();

    [Fact]
    public async Task A_write_that_throws_fails_alone_and_every_other_write_of_its_batch_commits()
    {
        var writes = Enumerable.Range(1, 2000).Select(k => Insert(k, k % 250 == 0 ? null : "v")).ToArray();
        var outcomes = await Task.WhenAll(writes.Select(async w =>
        {
            try
            {
                return await w;
            }
            catch (Microsoft.Data.Sqlite.SqliteException)
            {
                return -1;
            }
        }));
        outcomes.Count(o => o == -1).ShouldBe(8);
        outcomes.Count(o => o == 1).ShouldBe(1992);
        (await CountAsync()).ShouldBe(1992);
    }

    [Fact]
    public async Task A_write_is_committed_when_its_task_completes()
    {
        await Insert(1, "a");
        (await CountAsync()).ShouldBe(1);
    }

    public void Dispose()
    {
        _db.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
