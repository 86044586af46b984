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

    private Task<int> Insert(int k, string? v, CancellationToken cancellationToken = default) => _db.WriteBatchedAsync((k, v), static (s, a) =>
        s.Statement("INSERT INTO t (k, v) VALUES ($k, $v)", "$k", "$v")
            .Bind("$k", a.k)
            .Bind("$v", a.v) // null breaks NOT NULL: this write throws
            .ExecuteNonQuery(), cancellationToken);

    private Task<long> CountAsync() => _db.ReadAsync(0, static (s, _) => (long)s.Statement("SELECT count(*) FROM t").ExecuteScalar()!, default).AsTask();

    private Task<List<string>> RowsAsync() => _db.ReadAsync(0, static (s, _) =>
    {
        var rows = new List<string>();
        using var r = s.Statement("SELECT k, v FROM t ORDER BY k").ExecuteReader();
        while (r.Read())
        {
            rows.Add($"{r.GetInt64(0)}={r.GetString(1)}");
        }

        return rows;
    }, default).AsTask();

    /// <summary>
    /// Holds the batch loop inside a write until the returned gate opens, so the writes queued meanwhile all
    /// join the next batch together.
    /// </summary>
    private async Task<(Task Held, ManualResetEventSlim Gate)> HoldBatchesAsync()
    {
        var gate = new ManualResetEventSlim();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = _db.WriteBatchedAsync((gate, started), static (_, a) =>
        {
            a.started.TrySetResult();
            a.gate.Wait(TimeSpan.FromSeconds(30));
            return 0;
        }, CancellationToken.None);
        await started.Task;
        return (held, gate);
    }

    /// <summary>Counts the runs of its write: the work of a retried batch runs more than once.</summary>
    private sealed class Runs
    {
        public int Count;
    }

    [Fact]
    public async Task A_retried_batch_runs_its_writes_again_and_leaves_exactly_one_effect_per_write()
    {
        var (held, gate) = await HoldBatchesAsync();
        var runs = new Runs();
        var counted = _db.WriteBatchedAsync(runs, static (s, r) =>
        {
            Interlocked.Increment(ref r.Count);
            return s.Statement("INSERT INTO t (k, v) VALUES ($k, $v)", "$k", "$v").Bind("$k", 1).Bind("$v", "a").ExecuteNonQuery();
        }, CancellationToken.None);
        var failing = Insert(2, null);
        var last = Insert(3, "c");
        gate.Set();
        await held;

        (await counted).ShouldBe(1);
        await Should.ThrowAsync<Microsoft.Data.Sqlite.SqliteException>(failing);
        (await last).ShouldBe(1);
        runs.Count.ShouldBe(2); // optimistic run rolled back, then the isolated rerun
        (await RowsAsync()).ShouldBe(["1=a", "3=c"]);
    }

    [Fact]
    public async Task A_caller_cancelled_before_its_write_starts_is_not_written_and_sees_cancellation()
    {
        var (held, gate) = await HoldBatchesAsync();
        using var cancel = new CancellationTokenSource();
        var cancelled = Insert(1, "gone", cancel.Token);
        var kept = Insert(2, "kept");
        await cancel.CancelAsync();
        gate.Set();
        await held;

        await Should.ThrowAsync<OperationCanceledException>(cancelled);
        (await kept).ShouldBe(1);
        (await RowsAsync()).ShouldBe(["2=kept"]);
    }

    [Fact]
    public async Task A_caller_cancelled_before_it_asks_is_refused_at_once()
    {
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(Insert(1, "gone", cancel.Token));
        (await CountAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task A_cancelled_write_in_a_retried_batch_stays_unwritten()
    {
        var (held, gate) = await HoldBatchesAsync();
        using var cancel = new CancellationTokenSource();
        var cancelled = Insert(1, "gone", cancel.Token);
        var failing = Insert(2, null);
        var kept = Insert(3, "kept");
        await cancel.CancelAsync();
        gate.Set();
        await held;

        await Should.ThrowAsync<OperationCanceledException>(cancelled);
        await Should.ThrowAsync<Microsoft.Data.Sqlite.SqliteException>(failing);
        (await kept).ShouldBe(1);
        (await RowsAsync()).ShouldBe(["3=kept"]);
    }

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
