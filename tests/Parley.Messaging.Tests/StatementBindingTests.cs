using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Npgsql;
using Parley.Server.Infrastructure.Storage;

namespace Parley.Messaging.Tests;

/// <summary>
/// The stores' one binding style (<see cref="Statement{TCommand}"/>): a statement that was bound once and is
/// run again without one of its parameters fails instead of writing the previous call's value.
/// </summary>
public sealed class StatementBindingTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("parley-binding-").FullName;
    private readonly SqliteDatabase _db;

    public StatementBindingTests()
    {
        var options = Options.Create(new StorageOptions { DataDirectory = _directory });
        _db = new SqliteDatabase(options, [new FeatureSchema("binding-test", ["CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)"], [])]);
    }

    private const string Insert = "INSERT INTO t (k, v) VALUES ($k, $v)";

    [Fact]
    public void A_cached_sqlite_statement_run_again_without_a_parameter_throws_and_writes_nothing()
    {
        _db.Write(0, static (s, _) => s.Statement(Insert, "$k", "$v").Bind("$k", 1L).Bind("$v", "first").ExecuteNonQuery());

        var e = Should.Throw<InvalidOperationException>(() =>
            _db.Write(0, static (s, _) => s.Statement(Insert, "$k", "$v").Bind("$k", 2L).ExecuteNonQuery()));

        e.Message.ShouldContain("$v");
        _db.Write(0, static (s, _) => (long)s.Statement("SELECT count(*) FROM t").ExecuteScalar()!).ShouldBe(1);
    }

    [Fact]
    public void A_sqlite_statement_binds_null_and_reads_back_what_each_call_bound()
    {
        _db.Write(0, static (s, _) => s.Statement(Insert, "$k", "$v").Bind("$k", 1L).Bind("$v", "one").ExecuteNonQuery());
        _db.Write(0, static (s, _) => s.Statement(Insert, "$k", "$v").Bind("$k", 2L).Bind("$v", (string?)null).ExecuteNonQuery());

        var values = _db.Write(0, static (s, _) =>
        {
            var read = new List<string?>();
            foreach (var k in new[] { 1L, 2L })
            {
                using var r = s.Statement("SELECT v FROM t WHERE k = $k", "$k").Bind("$k", k).ExecuteReader();
                r.Read().ShouldBeTrue();
                read.Add(r.IsDBNull(0) ? null : r.GetString(0));
            }

            return read;
        });
        values.ShouldBe(["one", null]);
    }

    [Fact]
    public void Binding_a_name_the_statement_does_not_declare_throws()
    {
        Should.Throw<ArgumentException>(() =>
            _db.Write(0, static (s, _) => s.Statement(Insert, "$k", "$v").Bind("$key", 1L).ExecuteNonQuery()));
    }

    [Fact]
    public async Task A_postgres_statement_without_a_parameter_throws_before_it_reaches_the_server()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using (var create = PostgresStatement.Create(connection, "CREATE TABLE t (k bigint PRIMARY KEY, v text, b bytea[], l bigint[])"))
        {
            await create.ExecuteNonQueryAsync(default);
        }

        const string insert = "INSERT INTO t (k, v, b, l) VALUES (@k, @v, @b, @l)";
        await using (var first = PostgresStatement.Create(connection, insert, "k", "v", "b", "l")
            .Bind("k", 1L).Bind("v", (string?)null).Bind("b", [[1, 2], null]).Bind("l", [7L, 8L]))
        {
            (await first.ExecuteNonQueryAsync(default)).ShouldBe(1);
        }

        await using (var second = PostgresStatement.Create(connection, insert, "k", "v", "b", "l").Bind("k", 2L).Bind("v", "two"))
        {
            var e = await Should.ThrowAsync<InvalidOperationException>(() => second.ExecuteNonQueryAsync(default));
            e.Message.ShouldContain("b");
        }

        await using var read = PostgresStatement.Create(connection, "SELECT count(*), bool_and(v IS NULL), max(cardinality(b)), max(l[2]) FROM t");
        await using var r = await read.ExecuteReaderAsync(default);
        (await r.ReadAsync()).ShouldBeTrue();
        r.GetInt64(0).ShouldBe(1);
        r.GetBoolean(1).ShouldBeTrue();
        r.GetInt32(2).ShouldBe(2);
        r.GetInt64(3).ShouldBe(8);
    }

    public void Dispose()
    {
        _db.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
