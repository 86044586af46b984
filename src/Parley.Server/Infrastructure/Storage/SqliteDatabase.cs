using System.Collections.Concurrent;
using System.Data;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Parley.Server.Infrastructure.Storage;

/// <summary>
/// The SQLite file shared by every feature. SQLite takes one writer at a time, so all writes go
/// through one connection behind a lock (no busy-waiting between connections); reads use a small
/// pool of connections that WAL lets run beside the writer. Every connection keeps its prepared
/// statements, so hot paths neither re-parse SQL nor allocate commands.
/// </summary>
public sealed class SqliteDatabase : IDisposable
{
    private readonly StorageOptions _options;
    private readonly TimeProvider _time;
    private readonly IReadOnlyList<FeatureSchema> _schemas;
    private readonly Lock _writeGate = new();
    private readonly ConcurrentBag<SqliteSession> _readers = [];
    private readonly SemaphoreSlim _readerSlots;
    private readonly Lazy<SqliteSession> _writer;
    private readonly WriterQueue<IBatchedWrite> _batched = new();
    private readonly Lazy<Thread> _batchLoop;
    private readonly CancellationTokenSource _stopCheckpoints = new();
    private Thread? _checkpoints;
    private int _checkpointOpenFailures;
    private bool _disposed;

    public SqliteDatabase(IOptions<StorageOptions> options, IEnumerable<FeatureSchema> schemas, TimeProvider? time = null)
    {
        _options = options.Value;
        _time = time ?? TimeProvider.System;
        _schemas = [.. schemas];
        _readerSlots = new SemaphoreSlim(_options.SqliteReaders, _options.SqliteReaders);
        Directory.CreateDirectory(_options.FullDataDirectory);
        FilePath = Path.Combine(_options.FullDataDirectory, _options.SqliteFileName);
        _writer = new Lazy<SqliteSession>(OpenWriter, LazyThreadSafetyMode.ExecutionAndPublication);
        // A thread of its own: the writer blocks in every commit (fsync) and must wake the moment work arrives.
        _batchLoop = new Lazy<Thread>(() =>
        {
            var thread = new Thread(RunBatches) { IsBackground = true, Name = "SQLite group commit" };
            thread.UnsafeStart(); // not the first caller's execution context (its Activity, log scopes) for ever
            return thread;
        }, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Most writes one group commit takes.</summary>
    public const int MaxBatch = 512;

    /// <summary>
    /// How often the background checkpoint copies the WAL into the database file. Each checkpoint ends in an
    /// fsync of the database file, which the writer's commit fsyncs then wait behind: every 250 ms that put
    /// much of the relay's p99 at 1,000 pairs on one core into the store, every 2 s the secrets creates'
    /// p99 grew (larger checkpoints and more WAL restarts); 1 s sits between (docs/benchmarks.md).
    /// </summary>
    public static readonly TimeSpan CheckpointInterval = TimeSpan.FromMilliseconds(1000);

    /// <summary>WAL frames after which the checkpoint waits for readers and restarts the log (bounds the WAL).</summary>
    public const int RestartFrames = 16_384;

    /// <summary>How long disposing waits for the checkpoint and batch loops: both finish within one statement, so only a stuck disk takes longer.</summary>
    private static readonly TimeSpan StopWait = TimeSpan.FromSeconds(10);

    public string FilePath { get; }

    /// <summary>How often the checkpoint thread could not open its connection (and tried again at the next interval).</summary>
    internal int CheckpointOpenFailures => Volatile.Read(ref _checkpointOpenFailures);

    public string DataDirectory => _options.FullDataDirectory;

    private string SynchronousPragma => _options.SqliteSynchronous == SqliteSynchronous.Normal ? "NORMAL" : "FULL";

    /// <summary>Runs <paramref name="work"/> on the single writer connection, alone.</summary>
    public TResult Write<TState, TResult>(TState state, Func<SqliteSession, TState, TResult> work)
    {
        var session = _writer.Value;
        lock (_writeGate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return work(session, state);
        }
    }

    /// <summary>Runs <paramref name="work"/> inside one write transaction (committed unless it throws).</summary>
    public TResult WriteTransaction<TState, TResult>(TState state, Func<SqliteSession, TState, TResult> work) =>
        Write((state, work), static (session, s) =>
        {
            session.Statement("BEGIN IMMEDIATE").ExecuteNonQuery();
            try
            {
                var result = s.work(session, s.state);
                session.Statement("COMMIT").ExecuteNonQuery();
                return result;
            }
            catch
            {
                RollBack(session);
                throw;
            }
        });

    /// <summary>
    /// Group commit for small, hot writes: <paramref name="work"/> joins the writes waiting at the moment
    /// and all of them commit in one transaction (each inside its own savepoint, so one that throws is
    /// undone alone and only its caller sees the exception). The task completes after the commit, so a
    /// caller that saw success knows its write is in the WAL (fsynced with synchronous=FULL, the default:
    /// one fsync per group, however many writes it holds).
    /// <para>
    /// The work must be re-runnable: it may run again after a rollback. A batch runs first without
    /// savepoints; when any of its writes throws, the whole transaction is rolled back and every write
    /// runs again, each in its own savepoint. The database undoes the first run, but whatever the work
    /// does outside it (files, fields of the state) must tolerate a second run, and its result is the
    /// last run's.
    /// </para>
    /// <para>
    /// A caller cancelled before its write has started is not written and sees an
    /// <see cref="OperationCanceledException"/>; once started, the write completes and commits with its batch.
    /// </para>
    /// </summary>
    public Task<TResult> WriteBatchedAsync<TState, TResult>(TState state, Func<SqliteSession, TState, TResult> work,
        CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<TResult>(cancellationToken);
        }

        var item = new BatchedWrite<TState, TResult>(state, work, cancellationToken);
        _ = _batchLoop.Value;
        if (!_batched.Add(item))
        {
            throw new ObjectDisposedException(nameof(SqliteDatabase));
        }

        return item.Task;
    }

    private void RunBatches()
    {
        var batch = new List<IBatchedWrite>(MaxBatch);
        while (true)
        {
            batch.Clear();
            if (!_batched.TakeBatch(batch, MaxBatch))
            {
                return;
            }

            Exception? commitFailure = null;
            try
            {
                // Optimistic: one transaction, no savepoints. Writes almost never throw; when one does,
                // the batch is undone and run again with a savepoint around each write.
                if (!Write(batch, static (session, items) => RunBatch(session, items, isolate: false)))
                {
                    Write(batch, static (session, items) => RunBatch(session, items, isolate: true));
                }
            }
            catch (Exception e)
            {
                commitFailure = e;
            }

            foreach (var item in batch)
            {
                item.Complete(commitFailure);
            }
        }
    }

    /// <summary>Runs a batch in one transaction; false (rolled back) when a write threw and <paramref name="isolate"/> is off.</summary>
    private static bool RunBatch(SqliteSession session, List<IBatchedWrite> items, bool isolate)
    {
        session.Statement("BEGIN IMMEDIATE").ExecuteNonQuery();
        try
        {
            foreach (var item in items)
            {
                if (!item.Start())
                {
                    continue; // its caller gave up before it began: never written
                }

                if (isolate)
                {
                    session.Statement("SAVEPOINT w").ExecuteNonQuery();
                }

                var ok = item.Run(session);
                if (!ok && !InTransaction(session))
                {
                    // SQLite undid the whole transaction itself (a full disk, an I/O error): every write
                    // of the batch fails with that cause.
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(item.Failure!);
                }

                if (isolate)
                {
                    session.Statement(ok ? "RELEASE w" : "ROLLBACK TO w").ExecuteNonQuery();
                    if (!ok)
                    {
                        session.Statement("RELEASE w").ExecuteNonQuery();
                    }
                }
                else if (!ok)
                {
                    session.Statement("ROLLBACK").ExecuteNonQuery();
                    return false;
                }
            }

            session.Statement("COMMIT").ExecuteNonQuery();
            return true;
        }
        catch
        {
            RollBack(session);
            throw;
        }
    }

    /// <summary>
    /// Rolls back after a failure. SQLite has already rolled back by itself after some errors (a full
    /// disk, an I/O error); ROLLBACK then fails, and that failure must not hide the real one.
    /// </summary>
    private static void RollBack(SqliteSession session)
    {
        try
        {
            session.Statement("ROLLBACK").ExecuteNonQuery();
        }
        catch (SqliteException)
        {
            // no transaction was active any more
        }
    }

    private static bool InTransaction(SqliteSession session) => SQLitePCL.raw.sqlite3_get_autocommit(session.Connection.Handle) == 0;

    private interface IBatchedWrite
    {
        /// <summary>False when the caller was cancelled before the write's first run (it then never runs).</summary>
        bool Start();

        /// <summary>Runs the work; false when it threw (the exception is kept for its caller).</summary>
        bool Run(SqliteSession session);

        /// <summary>What the last <see cref="Run"/> threw.</summary>
        Exception? Failure { get; }

        void Complete(Exception? commitFailure);
    }

    private sealed class BatchedWrite<TState, TResult>(TState state, Func<SqliteSession, TState, TResult> work,
        CancellationToken cancellationToken) : IBatchedWrite
    {
        private readonly TaskCompletionSource<TResult> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private TResult? _result;
        private Exception? _failure;
        private bool _started;
        private bool _cancelled;

        public Task<TResult> Task => _done.Task;

        public Exception? Failure => _failure;

        // Decided once, at the first run: a rerun of the batch runs every write that ran the first time.
        public bool Start()
        {
            if (!_started && !_cancelled)
            {
                _cancelled = cancellationToken.IsCancellationRequested;
                _started = !_cancelled;
            }

            return _started;
        }

        public bool Run(SqliteSession session)
        {
            _failure = null;
            try
            {
                _result = work(session, state);
                return true;
            }
            catch (Exception e)
            {
                _failure = e;
                return false;
            }
        }

        public void Complete(Exception? commitFailure)
        {
            if (_cancelled)
            {
                _done.TrySetCanceled(cancellationToken);
            }
            else if (_failure is not null)
            {
                _done.TrySetException(_failure);
            }
            else if (commitFailure is not null)
            {
                _done.TrySetException(commitFailure);
            }
            else
            {
                _done.TrySetResult(_result!);
            }
        }
    }

    /// <summary>Runs <paramref name="work"/> on a pooled reader connection.</summary>
    public async ValueTask<TResult> ReadAsync<TState, TResult>(
        TState state, Func<SqliteSession, TState, TResult> work, CancellationToken cancellationToken)
    {
        _ = _writer.Value; // the schema exists before anyone reads
        await _readerSlots.WaitAsync(cancellationToken);
        SqliteSession? session = null;
        try
        {
            if (!_readers.TryTake(out session))
            {
                session = new SqliteSession(Open(readOnly: true));
            }

            return work(session, state);
        }
        finally
        {
            if (session is not null)
            {
                _readers.Add(session);
            }

            _readerSlots.Release();
        }
    }

    private SqliteSession OpenWriter()
    {
        var session = new SqliteSession(Open(readOnly: false));
        session.Execute("PRAGMA journal_mode=WAL");
        // SQLite's automatic checkpoint runs inside the commit that crosses 1000 WAL pages: it copies
        // pages and syncs the database file while every write waiting for the group commit waits too.
        // Here a background connection checkpoints instead (RunCheckpoints).
        session.Execute("PRAGMA wal_autocheckpoint=0");
        Migrate(session);
        // A thread of its own, not the thread pool's: a checkpoint blocks in the fsync of the database file for
        // milliseconds to a few hundred on a slow disk, and a pool thread held that long stalls every socket
        // behind it when the pool is small (one core gives it one thread: at 1,000 relay pairs a server pinned
        // to one core answered nothing for 100-200 ms about once a window; docs/benchmarks.md).
        if (!_stopCheckpoints.IsCancellationRequested)
        {
            _checkpoints = new Thread(RunCheckpoints) { IsBackground = true, Name = "SQLite checkpoint" };
            _checkpoints.UnsafeStart();
        }
        return session;
    }

    /// <summary>
    /// Checkpoints the WAL on its own connection every <see cref="CheckpointInterval"/>, beside the writer
    /// (PASSIVE: never blocks it). A commit is already in the WAL (and, with synchronous=FULL, on disk); this
    /// only moves pages into the database file and lets the writer start the WAL over. Should readers keep
    /// a PASSIVE checkpoint from finishing while the WAL grows past <see cref="RestartFrames"/>, a RESTART
    /// checkpoint waits for them, which bounds the WAL.
    /// </summary>
    private void RunCheckpoints()
    {
        // Nothing may escape a thread of its own (it would end the process): a connection that cannot be
        // opened (descriptors, permissions, a disk error) is tried again at the next interval, and the
        // database being disposed ends the loop.
        try
        {
            var stop = _stopCheckpoints.Token.WaitHandle;
            while (!stop.WaitOne(CheckpointInterval))
            {
                try
                {
                    CheckpointUntilStopped(stop);
                }
                catch (Exception e) when (e is SqliteException or IOException or InvalidOperationException)
                {
                    // Not opened: the next interval tries again.
                    Interlocked.Increment(ref _checkpointOpenFailures);
                }
            }
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private void CheckpointUntilStopped(WaitHandle stop)
    {
        using var connection = Open(readOnly: false);
        using var passive = connection.CreateCommand();
        passive.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
        using var restart = connection.CreateCommand();
        restart.CommandText = "PRAGMA wal_checkpoint(RESTART)";
        // Disk maintenance runs on the real clock, not the injected one: a test's frozen clock must not stop it.
        do
        {
            try
            {
                long frames;
                using (var r = passive.ExecuteReader())
                {
                    frames = r.Read() ? r.GetInt64(1) : 0;
                }

                if (frames > RestartFrames)
                {
                    restart.ExecuteNonQuery();
                }
            }
            catch (SqliteException)
            {
                // Busy or locked: the next tick tries again.
            }
        }
        while (!stop.WaitOne(CheckpointInterval));
    }

    private SqliteConnection Open(bool readOnly)
    {
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = FilePath,
            Mode = readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            Cache = SqliteCacheMode.Private,
            DefaultTimeout = 30,
        };
        var connection = new SqliteConnection(builder.ConnectionString);
        connection.Open();
        using var pragmas = connection.CreateCommand();
        // In WAL mode FULL fsyncs the WAL at every commit, so a write is on disk before anyone is answered;
        // NORMAL syncs only at checkpoints: never a corrupt file, but a power cut may lose the last commits.
        pragmas.CommandText = $"PRAGMA synchronous={SynchronousPragma}; PRAGMA busy_timeout=30000; PRAGMA temp_store=MEMORY; PRAGMA foreign_keys=ON;";
        pragmas.ExecuteNonQuery();
        return connection;
    }

    private void Migrate(SqliteSession session)
    {
        session.Execute("""
            CREATE TABLE IF NOT EXISTS parley_schema (
              feature TEXT NOT NULL, version INTEGER NOT NULL, applied_at INTEGER NOT NULL,
              PRIMARY KEY (feature, version))
            """);
        foreach (var schema in _schemas)
        {
            for (var version = 1; version <= schema.Sqlite.Count; version++)
            {
                using var tx = session.Connection.BeginTransaction(IsolationLevel.Serializable);
                using var check = session.Connection.CreateCommand();
                check.Transaction = tx;
                check.CommandText = "SELECT count(*) FROM parley_schema WHERE feature = $f AND version = $v";
                check.Parameters.AddWithValue("$f", schema.Feature);
                check.Parameters.AddWithValue("$v", version);
                if (Convert.ToInt64(check.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
                {
                    using var apply = session.Connection.CreateCommand();
                    apply.Transaction = tx;
                    apply.CommandText = schema.Sqlite[version - 1];
                    apply.ExecuteNonQuery();
                    apply.CommandText = "INSERT INTO parley_schema (feature, version, applied_at) VALUES ($f, $v, $t)";
                    apply.Parameters.AddWithValue("$f", schema.Feature);
                    apply.Parameters.AddWithValue("$v", version);
                    apply.Parameters.AddWithValue("$t", _time.GetUtcNow().ToUnixTimeMilliseconds());
                    apply.ExecuteNonQuery();
                }

                tx.Commit();
            }
        }
    }

    public void Dispose()
    {
        _batched.Close();
        if (!_stopCheckpoints.IsCancellationRequested)
        {
            _stopCheckpoints.Cancel();
        }

        _checkpoints?.Join(StopWait);
        if (_batchLoop.IsValueCreated)
        {
            _batchLoop.Value.Join(StopWait);
        }

        lock (_writeGate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (_writer.IsValueCreated)
            {
                _writer.Value.Dispose();
            }
        }

        while (_readers.TryTake(out var reader))
        {
            reader.Dispose();
        }

        _readerSlots.Dispose();
        _stopCheckpoints.Dispose();
    }
}

/// <summary>One connection with its cache of prepared commands. Used by one thread at a time.</summary>
public sealed class SqliteSession(SqliteConnection connection) : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

    public SqliteConnection Connection { get; } = connection;

    /// <summary>
    /// The prepared statement for <paramref name="sql"/>, its <paramref name="parameters"/> declared on first
    /// use and the command reused afterwards; every parameter starts unbound, so each call binds all of them
    /// (see <see cref="Statement{TCommand}"/>). Execute before asking for the next statement of the same SQL.
    /// </summary>
    public Statement<SqliteCommand> Statement(string sql, params ReadOnlySpan<string> parameters)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = Connection.CreateCommand();
            command.CommandText = sql;
            foreach (var name in parameters)
            {
                command.Parameters.Add(new SqliteParameter { ParameterName = name });
            }

            _commands.Add(sql, command);
        }

        return new(command, owned: false);
    }

    public void Execute(string sql)
    {
        using var command = Connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }

        Connection.Dispose();
    }
}
