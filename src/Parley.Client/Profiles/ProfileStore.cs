using System.Security.Cryptography;
using Microsoft.Data.Sqlite;

namespace Parley.Client.Profiles;

/// <summary>
/// An unlocked profile: one SQLite file (<see cref="DatabaseFile"/>, WAL, synchronous=FULL) in the
/// profile's folder, opened by one process at a time. Every value is sealed by <see cref="ProfileKeys"/>;
/// names become HMACs. Reads go through a cache of decoded objects (this process is the only writer);
/// writes go through a <see cref="ProfileWrite"/>, which commits everything it holds in one transaction.
/// docs/messenger.md describes the format and what a copy of the folder still reveals.
/// </summary>
public sealed class ProfileStore : IDisposable
{
    public const string DatabaseFile = "profile.db";
    public const int FormatVersion = 1;

    /// <summary>How long opening waits for another process to release the profile.</summary>
    public static readonly TimeSpan DefaultLockWait = TimeSpan.FromSeconds(3);

    private readonly SqliteConnection _db;
    private readonly ProfileLock _lock;
    private readonly Dictionary<(ItemKind, string), object?> _cache = [];
    private readonly Dictionary<string, SqliteCommand> _statements = new(StringComparer.Ordinal);

    // What this process wrote or read lately, so hot paths neither query nor decrypt again (this
    // process is the profile's only writer, so the copies cannot go stale).
    private const int MessageCacheSize = 20_000;
    private Dictionary<string, StoredMessage> _messages = new(StringComparer.Ordinal);
    private Dictionary<string, StoredMessage> _olderMessages = new(StringComparer.Ordinal); // the generation before: recent ones survive a turnover
    private readonly Dictionary<long, string> _sentUids = [];
    private List<(long Sequence, OutboxEntry Entry)>? _outbox;
    private Dictionary<long, HashSet<long>>? _inbound;
    private readonly ProfileKeys _keys;
    private bool _disposed;

    private ProfileStore(string name, string folder, SqliteConnection db, ProfileLock fileLock, ProfileKeys keys)
    {
        Name = name;
        Folder = folder;
        _db = db;
        _lock = fileLock;
        _keys = keys;
    }

    public string Name { get; }

    public string Folder { get; }

    internal ProfileKeys Keys => _keys;

    /// <summary>Creates a new, empty profile protected by <paramref name="passphrase"/>.</summary>
    /// <exception cref="ProfileException">The name is taken or invalid.</exception>
    public static ProfileStore Create(string name, string passphrase, string? root = null,
        int kdfMemoryKiB = ProfileKeyring.DefaultMemoryKiB, int kdfIterations = ProfileKeyring.DefaultIterations)
    {
        if (!ProfileDirectory.IsValidName(name))
        {
            throw new ProfileException(ProfileFailure.InvalidName, "invalid profile name");
        }

        var folder = ProfileDirectory.CreateFolder(name, root);
        var fileLock = ProfileLock.Acquire(folder, TimeSpan.Zero);
        var path = Path.Combine(folder, DatabaseFile);
        var dataKey = RandomNumberGenerator.GetBytes(ProfileKeys.DataKeySize);
        SqliteConnection? db = null;
        try
        {
            if (File.Exists(path))
            {
                throw new ProfileException(ProfileFailure.AlreadyExists, $"profile '{name}' already exists");
            }

            // Created empty with owner-only permissions first: SQLite gives its -wal and -shm files the same.
            var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (new FileStream(path, create))
            {
            }

            db = Connect(path);
            var keyring = ProfileKeyring.Wrap(passphrase, dataKey, kdfMemoryKiB, kdfIterations);
            using (var tx = db.BeginTransaction())
            {
                Execute(db, tx, Schema);
                Execute(db, tx, "INSERT INTO meta(name, value) VALUES ('format', $v)", ("$v", BitConverter.GetBytes(FormatVersion)));
                Execute(db, tx, "INSERT INTO meta(name, value) VALUES ('keyring', $v)", ("$v", keyring.Serialize()));
                tx.Commit();
            }

            return new ProfileStore(name, folder, db, fileLock, new ProfileKeys(dataKey));
        }
        catch
        {
            db?.Dispose();
            fileLock.Dispose();
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// <summary>Opens and unlocks an existing profile.</summary>
    /// <exception cref="ProfileException">Not found, in use, wrong passphrase, damaged, or newer than this Parley.</exception>
    /// <remarks><paramref name="whileUnlocking"/> runs on this thread while the passphrase is stretched on another (start-up warm-up).</remarks>
    public static ProfileStore Open(string name, string passphrase, string? root = null, TimeSpan? lockWait = null, Action? whileUnlocking = null)
    {
        if (!ProfileDirectory.IsValidName(name))
        {
            throw new ProfileException(ProfileFailure.InvalidName, "invalid profile name");
        }

        var folder = ProfileDirectory.PathOf(name, root);
        var path = Path.Combine(folder, DatabaseFile);
        if (!File.Exists(path))
        {
            throw new ProfileException(ProfileFailure.NotFound, $"no profile named '{name}' (create one with 'parley register <username>')");
        }

        var fileLock = ProfileLock.Acquire(folder, lockWait ?? DefaultLockWait);
        SqliteConnection? db = null;
        try
        {
            db = Connect(path);
            var keyring = ReadKeyring(db);
            // Argon2id takes tens of milliseconds by design: a short-lived command warms up what comes
            // next on this thread meanwhile, and the key is stretched on the other core.
            var unwrapping = Task.Run(() => keyring.Unwrap(passphrase));
            whileUnlocking?.Invoke();
            var dataKey = unwrapping.GetAwaiter().GetResult()
                ?? throw new ProfileException(ProfileFailure.WrongPassphrase, "wrong passphrase for this profile (nothing was changed)");
            try
            {
                return new ProfileStore(name, folder, db, fileLock, new ProfileKeys(dataKey));
            }
            finally
            {
                CryptographicOperations.ZeroMemory(dataKey);
            }
        }
        catch (SqliteException e)
        {
            db?.Dispose();
            fileLock.Dispose();
            throw ProfileException.Damaged("database", e);
        }
        catch
        {
            db?.Dispose();
            fileLock.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Re-wraps the data key under <paramref name="newPassphrase"/> (with a fresh salt); every other byte
    /// stays as it is. The current passphrase is asked again: the data key itself is not kept in memory.
    /// </summary>
    /// <exception cref="ProfileException"><paramref name="currentPassphrase"/> is wrong (nothing changed).</exception>
    public void ChangePassphrase(string currentPassphrase, string newPassphrase)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var current = ReadKeyring(_db);
        var dataKey = current.Unwrap(currentPassphrase)
            ?? throw new ProfileException(ProfileFailure.WrongPassphrase, "wrong passphrase for this profile (nothing was changed)");
        try
        {
            var rewrapped = ProfileKeyring.Wrap(newPassphrase, dataKey, current.MemoryKiB, current.Iterations);
            Guard(() =>
            {
                using var tx = _db.BeginTransaction();
                Run(tx, "UPDATE meta SET value = $v WHERE name = 'keyring'", ("$v", rewrapped.Serialize()));
                tx.Commit();
                return 0;
            });
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    private static ProfileKeyring ReadKeyring(SqliteConnection db)
    {
        using var format = db.CreateCommand();
        format.CommandText = "SELECT value FROM meta WHERE name = 'format'";
        if (format.ExecuteScalar() is not byte[] { Length: 4 } version)
        {
            throw ProfileException.Damaged("format marker");
        }

        if (BitConverter.ToInt32(version) != FormatVersion)
        {
            throw new ProfileException(ProfileFailure.UnsupportedVersion, "the profile was written by a newer Parley");
        }

        using var command = db.CreateCommand();
        command.CommandText = "SELECT value FROM meta WHERE name = 'keyring'";
        return command.ExecuteScalar() is byte[] bytes ? ProfileKeyring.Deserialize(bytes) : throw ProfileException.Damaged("keyring");
    }

    /// <summary>Starts a unit of work: reads see its writes; <see cref="ProfileWrite.Commit"/> stores them all at once.</summary>
    public ProfileWrite BeginWrite()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new ProfileWrite(this, null);
    }

    /// <summary>The stored object under <paramref name="name"/>, or null.</summary>
    public T? Get<T>(ItemKind kind, string name, IItemCodec<T> codec)
        where T : class
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_cache.TryGetValue((kind, name), out var cached))
        {
            return (T?)cached;
        }

        var row = _keys.Index(kind, name);
        var command = Command("SELECT v FROM items WHERE kind = $kind AND k = $k", ("$kind", (int)kind), ("$k", row));
        var value = Guard(() => command.ExecuteScalar()) switch
        {
            null => null,
            byte[] sealedValue => Decode(kind, row, sealedValue, codec),
            _ => throw ProfileException.Damaged(kind.ToString()), // a value that is not even bytes
        };
        _cache[(kind, name)] = value;
        return value;
    }

    /// <summary>Every stored object of <paramref name="kind"/>, keyed by row (the order is not meaningful).</summary>
    internal Dictionary<string, T> ListRows<T>(ItemKind kind, IItemCodec<T> codec)
        where T : class
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var command = Command("SELECT k, v FROM items WHERE kind = $kind", ("$kind", (int)kind));
        var result = new Dictionary<string, T>(StringComparer.Ordinal);
        Guard(() =>
        {
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                if (reader.GetValue(0) is not byte[] row || reader.GetValue(1) is not byte[] sealedValue)
                {
                    throw ProfileException.Damaged(kind.ToString());
                }

                result[Convert.ToHexString(row)] = Decode(kind, row, sealedValue, codec);
            }

            return 0;
        });
        return result;
    }

    internal string RowId(ItemKind kind, string name) => Convert.ToHexString(_keys.Index(kind, name));

    private T Decode<T>(ItemKind kind, byte[] row, byte[] sealedValue, IItemCodec<T> codec)
        where T : class
    {
        var plaintext = _keys.Open(ItemAad(kind, row), sealedValue, kind.ToString());
        try
        {
            return codec.Decode(plaintext);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidDataException)
        {
            throw ProfileException.Damaged(kind.ToString(), e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    internal static byte[] ItemAad(ItemKind kind, byte[] row)
    {
        var aad = new byte[5 + row.Length];
        aad[0] = (byte)'i';
        BitConverter.TryWriteBytes(aad.AsSpan(1), (int)kind);
        row.CopyTo(aad, 5);
        return aad;
    }

    /// <summary>Writes one unit of work in one transaction; the cache learns the new values only once it committed.</summary>
    internal void Commit(ProfileWrite write)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var outboxAdded = new List<(long, OutboxEntry)>(write.OutboxAdds.Count);
        (long Batch, HashSet<long> Ids)? inboundAdded = null;
        var inboundChanged = new List<(long Batch, HashSet<long> Left)>();
        Guard(() =>
        {
            using var tx = _db.BeginTransaction();
            foreach (var ((kind, name), entry) in write.Items)
            {
                var row = _keys.Index(kind, name);
                if (entry.Value is null)
                {
                    Run(tx, "DELETE FROM items WHERE kind = $kind AND k = $k", ("$kind", (int)kind), ("$k", row));
                }
                else
                {
                    var plaintext = entry.Encode(entry.Value);
                    try
                    {
                        Run(tx, "INSERT OR REPLACE INTO items(kind, k, v) VALUES ($kind, $k, $v)",
                            ("$kind", (int)kind), ("$k", row), ("$v", _keys.Seal(ItemAad(kind, row), plaintext)));
                    }
                    finally
                    {
                        CryptographicOperations.ZeroMemory(plaintext);
                    }
                }
            }

            foreach (var message in write.Messages)
            {
                var (conv, uid) = MessageKeys(message.Conversation, message.Uid);
                var plaintext = ProfileCodecs.Message.Encode(message);
                try
                {
                    Run(tx, "INSERT INTO messages(conv, uid, v) VALUES ($c, $u, $v) ON CONFLICT(uid) DO UPDATE SET v = excluded.v",
                        ("$c", conv), ("$u", uid), ("$v", _keys.Seal(MessageAad(conv, uid), plaintext)));
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(plaintext);
                }
            }

            foreach (var uid in write.MessageDeletes)
            {
                var key = MessageUidKey(uid);
                Run(tx, "DELETE FROM messages WHERE uid = $u", ("$u", key));
                Run(tx, "DELETE FROM sent WHERE uid = $u", ("$u", key));
            }

            foreach (var entry in write.OutboxAdds)
            {
                var k = RandomNumberGenerator.GetBytes(16);
                var command = Command("INSERT INTO outbox(k, v) VALUES ($k, $v) RETURNING seq", ("$k", k), ("$v", _keys.Seal(OutboxAad(k), ProfileCodecs.Outbox.Encode(entry))));
                command.Transaction = tx;
                outboxAdded.Add(((long)command.ExecuteScalar()!, entry));
                command.Transaction = null;
            }

            foreach (var seq in write.OutboxRemoves)
            {
                Run(tx, "DELETE FROM outbox WHERE seq = $s", ("$s", seq));
            }

            // One row per batch of envelopes, not one per envelope: a batch is noted and forgotten whole.
            var inbound = write.InboundAdds.Count > 0 || write.InboundRemoves.Count > 0 ? InboundRows() : null;
            if (write.InboundAdds.Count > 0)
            {
                var command = Command("INSERT INTO inbound(ids) VALUES ($ids) RETURNING batch", ("$ids", EncodeIds(write.InboundAdds)));
                command.Transaction = tx;
                inboundAdded = ((long)command.ExecuteScalar()!, [.. write.InboundAdds]);
                command.Transaction = null;
            }

            if (write.InboundRemoves.Count > 0)
            {
                foreach (var (batch, ids) in inbound!)
                {
                    var left = ids.Where(id => !write.InboundRemoves.Contains(id)).ToHashSet();
                    if (left.Count == ids.Count)
                    {
                        continue;
                    }

                    if (left.Count == 0)
                    {
                        Run(tx, "DELETE FROM inbound WHERE batch = $b", ("$b", batch));
                    }
                    else
                    {
                        Run(tx, "UPDATE inbound SET ids = $ids WHERE batch = $b", ("$ids", EncodeIds([.. left])), ("$b", batch));
                    }

                    inboundChanged.Add((batch, left));
                }
            }

            foreach (var (id, uid) in write.SentAdds)
            {
                Run(tx, "INSERT OR REPLACE INTO sent(envelope, uid) VALUES ($e, $u)", ("$e", id), ("$u", MessageUidKey(uid)));
            }

            foreach (var id in write.SentRemoves)
            {
                Run(tx, "DELETE FROM sent WHERE envelope = $e", ("$e", id));
            }

            tx.Commit();
            return 0;
        });

        foreach (var ((kind, name), entry) in write.Items)
        {
            _cache[(kind, name)] = entry.Value;
        }

        foreach (var message in write.Messages)
        {
            CacheMessage(message);
        }

        foreach (var uid in write.MessageDeletes)
        {
            _messages.Remove(uid);
            _olderMessages.Remove(uid);
            foreach (var envelope in _sentUids.Where(p => p.Value == uid).Select(p => p.Key).ToList())
            {
                _sentUids.Remove(envelope);
            }
        }

        _outbox?.AddRange(outboxAdded);
        _outbox?.RemoveAll(o => write.OutboxRemoves.Contains(o.Sequence));
        if (inboundAdded is { } added)
        {
            _inbound![added.Batch] = added.Ids;
        }

        foreach (var (batch, left) in inboundChanged)
        {
            if (left.Count == 0)
            {
                _inbound!.Remove(batch);
            }
            else
            {
                _inbound![batch] = left;
            }
        }
        foreach (var (id, uid) in write.SentAdds)
        {
            _sentUids[id] = uid;
        }

        foreach (var id in write.SentRemoves)
        {
            _sentUids.Remove(id);
        }
    }

    /// <summary>The row keys of a message: its conversation's HMAC and its uid's.</summary>
    private (byte[] Conv, byte[] Uid) MessageKeys(string conversation, string uid) => (ConversationKey(conversation), MessageUidKey(uid));

    private byte[] ConversationKey(string conversation) => _keys.Index(ItemKind.Message, "conv:" + conversation);

    private byte[] MessageUidKey(string uid) => _keys.Index(ItemKind.Message, "uid:" + uid);

    private static byte[] MessageAad(byte[] conv, byte[] uid) => [(byte)'m', .. conv, .. uid];

    private static byte[] OutboxAad(byte[] k) => [(byte)'o', .. k];

    private StoredMessage DecodeMessage(long rowId, byte[] conv, byte[] uid, byte[] sealedValue)
    {
        var plaintext = _keys.Open(MessageAad(conv, uid), sealedValue, "message");
        try
        {
            return ProfileCodecs.Message.Decode(plaintext) with { RowId = rowId };
        }
        catch (FormatException e)
        {
            throw ProfileException.Damaged("message", e);
        }
    }

    /// <summary>The stored message with this uid, or null.</summary>
    public StoredMessage? GetMessage(string uid)
    {
        if (_messages.TryGetValue(uid, out var cached) || _olderMessages.TryGetValue(uid, out cached))
        {
            return cached;
        }

        var message = Query("SELECT id, conv, uid, v FROM messages WHERE uid = $u",
            r => r.Read() ? DecodeMessage(r.GetInt64(0), (byte[])r.GetValue(1), (byte[])r.GetValue(2), (byte[])r.GetValue(3)) : null,
            ("$u", MessageUidKey(uid)));
        if (message is not null)
        {
            CacheMessage(message);
        }

        return message;
    }

    private void CacheMessage(StoredMessage message)
    {
        if (_messages.Count >= MessageCacheSize)
        {
            _olderMessages = _messages;
            _messages = new Dictionary<string, StoredMessage>(StringComparer.Ordinal);
        }

        _messages[message.Uid] = message;
    }

    /// <summary>The last <paramref name="limit"/> messages of a conversation before row <paramref name="beforeRow"/>, oldest first.</summary>
    public IReadOnlyList<StoredMessage> ReadHistory(string conversation, int limit, long beforeRow = long.MaxValue)
    {
        var list = Query("SELECT id, conv, uid, v FROM messages WHERE conv = $c AND id < $b ORDER BY id DESC LIMIT $n", r =>
        {
            var result = new List<StoredMessage>();
            while (r.Read())
            {
                result.Add(DecodeMessage(r.GetInt64(0), (byte[])r.GetValue(1), (byte[])r.GetValue(2), (byte[])r.GetValue(3)));
            }

            return result;
        }, ("$c", ConversationKey(conversation)), ("$b", beforeRow), ("$n", limit));
        list.Reverse();
        return list;
    }

    /// <summary>Envelopes waiting to go to the server, in the order they were committed.</summary>
    public IReadOnlyList<(long Sequence, OutboxEntry Entry)> ReadOutbox() => [.. _outbox ??= ReadOutboxRows()];

    private List<(long Sequence, OutboxEntry Entry)> ReadOutboxRows() =>
        Query("SELECT seq, k, v FROM outbox ORDER BY seq", r =>
        {
            var result = new List<(long, OutboxEntry)>();
            while (r.Read())
            {
                var plaintext = _keys.Open(OutboxAad((byte[])r.GetValue(1)), (byte[])r.GetValue(2), "outbox");
                try
                {
                    result.Add((r.GetInt64(0), ProfileCodecs.Outbox.Decode(plaintext)));
                }
                catch (FormatException e)
                {
                    throw ProfileException.Damaged("outbox", e);
                }
            }

            return result;
        });

    /// <summary>Envelopes stored but not yet acknowledged to the server.</summary>
    public IReadOnlyList<long> ReadInbound() => [.. InboundRows().Values.SelectMany(ids => ids).Order()];

    public bool HasInbound(long envelopeId) => InboundRows().Values.Any(ids => ids.Contains(envelopeId));

    private Dictionary<long, HashSet<long>> InboundRows() => _inbound ??= Query("SELECT batch, ids FROM inbound", r =>
    {
        var rows = new Dictionary<long, HashSet<long>>();
        while (r.Read())
        {
            if (r.GetValue(1) is not byte[] { Length: var n } bytes || n % 8 != 0)
            {
                throw ProfileException.Damaged("inbound notes");
            }

            rows[r.GetInt64(0)] = [.. Enumerable.Range(0, n / 8).Select(i => BitConverter.ToInt64(bytes, i * 8))];
        }

        return rows;
    });

    private static byte[] EncodeIds(IReadOnlyCollection<long> ids)
    {
        var bytes = new byte[ids.Count * 8];
        var i = 0;
        foreach (var id in ids)
        {
            BitConverter.TryWriteBytes(bytes.AsSpan(i, 8), id);
            i += 8;
        }

        return bytes;
    }

    /// <summary>Sent envelopes whose delivery is not known yet, oldest first.</summary>
    public IReadOnlyList<long> ReadUndelivered(int limit) => Query("SELECT envelope FROM sent ORDER BY envelope LIMIT $n", r =>
    {
        var result = new List<long>();
        while (r.Read())
        {
            result.Add(r.GetInt64(0));
        }

        return result;
    }, ("$n", limit));

    /// <summary>The envelopes of a message (one per recipient) whose delivery is not known yet.</summary>
    public IReadOnlyList<long> ReadUndeliveredOf(string uid) => Query("SELECT envelope FROM sent WHERE uid = $u", r =>
    {
        var result = new List<long>();
        while (r.Read())
        {
            result.Add(r.GetInt64(0));
        }

        return result;
    }, ("$u", MessageUidKey(uid)));

    /// <summary>The message a sent envelope carries, or null when it is not (or no longer) tracked.</summary>
    public StoredMessage? MessageOfEnvelope(long envelopeId) =>
        _sentUids.TryGetValue(envelopeId, out var uid) ? GetMessage(uid) : Query("SELECT m.id, m.conv, m.uid, m.v FROM sent s JOIN messages m ON m.uid = s.uid WHERE s.envelope = $e",
            r => r.Read() ? DecodeMessage(r.GetInt64(0), (byte[])r.GetValue(1), (byte[])r.GetValue(2), (byte[])r.GetValue(3)) : null,
            ("$e", envelopeId));

    /// <summary>
    /// Copies the write-ahead log into the database file and empties it. After deletions this leaves
    /// the deleted rows nowhere: <c>secure_delete</c> zeroed them in the database's pages, and the log,
    /// which still held earlier images of those pages, is truncated to nothing.
    /// </summary>
    public void Checkpoint()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Guard(() =>
        {
            using var command = _db.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
            using var reader = command.ExecuteReader();
            return reader.Read() && reader.GetInt32(0) == 0
                ? 0
                : throw new IOException("the profile's log could not be emptied (another reader holds it)");
        });
    }

    /// <summary>How many messages the profile holds (all conversations).</summary>
    public long CountMessages() => Query("SELECT count(*) FROM messages", r => r.Read() ? r.GetInt64(0) : 0);

    /// <summary>Runs a read-only query.</summary>
    internal TResult Query<TResult>(string sql, Func<SqliteDataReader, TResult> read, params (string Name, object Value)[] parameters)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var command = Command(sql, parameters);
        return Guard(() =>
        {
            using var reader = command.ExecuteReader();
            return read(reader);
        });
    }

    /// <summary>
    /// The prepared command for <paramref name="sql"/> (kept for the life of the store: SQLite parses and
    /// plans each statement once), with these named parameters bound. Not to be disposed by the caller.
    /// </summary>
    internal SqliteCommand Command(string sql, params (string Name, object Value)[] parameters)
    {
        if (!_statements.TryGetValue(sql, out var command))
        {
            command = _db.CreateCommand();
            command.CommandText = sql;
            _statements[sql] = command;
        }

        command.Parameters.Clear();
        foreach (var (n, v) in parameters)
        {
            command.Parameters.AddWithValue(n, v);
        }

        return command;
    }

    /// <summary>Runs a write statement in <paramref name="tx"/> with a cached, prepared command.</summary>
    private int Run(SqliteTransaction tx, string sql, params (string Name, object Value)[] parameters)
    {
        var command = Command(sql, parameters);
        command.Transaction = tx;
        try
        {
            return command.ExecuteNonQuery();
        }
        finally
        {
            command.Transaction = null;
        }
    }

    private static void Execute(SqliteConnection db, SqliteTransaction tx, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = db.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        foreach (var (n, v) in parameters)
        {
            command.Parameters.AddWithValue(n, v);
        }

        command.ExecuteNonQuery();
    }

    /// <summary>SQLite reporting a damaged file becomes <see cref="ProfileFailure.Damaged"/>; a full disk stays an I/O error.</summary>
    private static TResult Guard<TResult>(Func<TResult> work)
    {
        try
        {
            return work();
        }
        catch (SqliteException e) when (e.SqliteErrorCode is 11 or 26)
        {
            throw ProfileException.Damaged("database", e);
        }
        catch (SqliteException e) when (e.SqliteErrorCode is 13)
        {
            throw new ProfileDiskFullException(e);
        }
    }

    private static SqliteConnection Connect(string path)
    {
        var db = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = false,
        }.ToString());
        db.Open();
        using var pragmas = db.CreateCommand();
        // FULL: a committed transaction survives a power cut, not only a killed process (an envelope is
        // acknowledged to the server right after its commit). secure_delete: deleted rows are zeroed.
        pragmas.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA secure_delete=ON; PRAGMA busy_timeout=0;";
        pragmas.ExecuteNonQuery();
        return db;
    }

    private const string Schema = """
        CREATE TABLE meta(name TEXT PRIMARY KEY, value BLOB NOT NULL);
        CREATE TABLE items(kind INTEGER NOT NULL, k BLOB NOT NULL, v BLOB NOT NULL, PRIMARY KEY(kind, k)) WITHOUT ROWID;
        CREATE TABLE messages(id INTEGER PRIMARY KEY AUTOINCREMENT, conv BLOB NOT NULL, uid BLOB NOT NULL UNIQUE, v BLOB NOT NULL);
        CREATE INDEX messages_by_conv ON messages(conv, id);
        CREATE TABLE sent(envelope INTEGER PRIMARY KEY, uid BLOB NOT NULL);
        CREATE TABLE inbound(batch INTEGER PRIMARY KEY AUTOINCREMENT, ids BLOB NOT NULL);
        CREATE TABLE outbox(seq INTEGER PRIMARY KEY AUTOINCREMENT, k BLOB NOT NULL UNIQUE, v BLOB NOT NULL);
        """;

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _keys.Dispose();
        _cache.Clear();
        foreach (var command in _statements.Values)
        {
            command.Dispose();
        }

        _db.Dispose();
        _lock.Dispose();
    }

    public override string ToString() => $"ProfileStore({Name})";
}
