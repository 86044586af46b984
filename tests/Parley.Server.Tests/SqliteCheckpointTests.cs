using System.Diagnostics;
using Microsoft.Extensions.Options;
using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Tests;

/// <summary>
/// The WAL checkpoint runs on a thread of its own beside the writer: it moves committed pages into the
/// database file without anyone asking, and a connection it cannot open (here: the data directory is
/// gone for a while) is tried again at the next interval instead of ending the thread or the process.
/// </summary>
public sealed class SqliteCheckpointTests
{
    private const int Rows = 400;
    private const int RowBytes = 2048;

    /// <summary>Rows × row size: the pages a checkpoint must have copied into the database file.</summary>
    private const long WrittenBytes = Rows * RowBytes;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Committed_pages_reach_the_database_file_without_a_checkpoint_being_asked_for()
    {
        var directory = Directory.CreateTempSubdirectory("parley-checkpoint-").FullName;
        try
        {
            using var db = Open(directory);
            await WriteRowsAsync(db);

            (await WaitForDatabaseFileAsync(db.FilePath)).ShouldBeGreaterThanOrEqualTo(WrittenBytes);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_checkpoint_connection_that_cannot_be_opened_is_tried_again_at_the_next_interval()
    {
        // The first checkpoint opens its connection one interval after the writer opened, and keeps it: the
        // directory must be away by then. Should the first write and the move take half an interval (a machine
        // far too busy), the attempt starts over on a new database.
        for (var attempt = 1; ; attempt++)
        {
            var directory = Directory.CreateTempSubdirectory("parley-checkpoint-").FullName;
            var away = directory + "-away";
            try
            {
                using var db = Open(directory);
                var sinceWriterOpened = Stopwatch.StartNew();
                await WriteRowsAsync(db, count: 1); // opens the writer, which starts the checkpoint thread

                // The writer keeps its open files; every new connection fails (SQLITE_CANTOPEN) while the
                // directory is elsewhere.
                Directory.Move(directory, away);
                if (sinceWriterOpened.Elapsed >= SqliteDatabase.CheckpointInterval / 2 && attempt < 5)
                {
                    continue;
                }

                await WriteRowsAsync(db);
                var deadline = DateTime.UtcNow + Patience;
                while (db.CheckpointOpenFailures < 2 && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(100, TestContext.Current.CancellationToken);
                }

                db.CheckpointOpenFailures.ShouldBeGreaterThanOrEqualTo(2, "the checkpoint tried to open its connection at each interval");
                new FileInfo(Path.Combine(away, Path.GetFileName(db.FilePath))).Length.ShouldBeLessThan(WrittenBytes,
                    "nothing could have checkpointed while the directory was away");
                Directory.Move(away, directory);

                (await WaitForDatabaseFileAsync(db.FilePath)).ShouldBeGreaterThanOrEqualTo(WrittenBytes);
                (await db.ReadAsync(0, static (s, _) => (long)s.Statement("SELECT count(*) FROM t").ExecuteScalar()!,
                    TestContext.Current.CancellationToken)).ShouldBe(Rows + 1);
                return;
            }
            finally
            {
                if (Directory.Exists(away))
                {
                    Directory.Move(away, directory);
                }

                Directory.Delete(directory, recursive: true);
            }
        }
    }

    private static SqliteDatabase Open(string directory) => new(
        Options.Create(new StorageOptions { DataDirectory = directory }),
        [new FeatureSchema("checkpoint-test", ["CREATE TABLE t (k INTEGER PRIMARY KEY AUTOINCREMENT, v BLOB NOT NULL)"], [])]);

    private static Task WriteRowsAsync(SqliteDatabase db, int count = Rows) =>
        Task.WhenAll(Enumerable.Range(0, count).Select(_ => db.WriteBatchedAsync(0, static (s, _) =>
            s.Statement("INSERT INTO t (v) VALUES ($v)", "$v").Bind("$v", new byte[RowBytes]).ExecuteNonQuery(),
            TestContext.Current.CancellationToken)));

    /// <summary>The database file's size once it holds what was written, or what it reached when patience ran out.</summary>
    private static async Task<long> WaitForDatabaseFileAsync(string path)
    {
        var deadline = DateTime.UtcNow + Patience;
        long length;
        while ((length = new FileInfo(path).Length) < WrittenBytes && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        return length;
    }
}
