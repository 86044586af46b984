using Microsoft.Data.Sqlite;
using Parley.Server.Infrastructure.Storage;
using static Parley.Server.Features.Messaging.Storage.MessagingSchema;

namespace Parley.Server.Features.Messaging.Storage;

/// <summary>
/// SQLite store in the shared database file. The hot writes (enqueue, acknowledge) go through the
/// database's group commit, so thousands of envelopes a second cost a few transactions; everything
/// else is one write transaction on the single writer connection, which makes each step atomic.
/// </summary>
internal sealed class SqliteMessagingStore(SqliteDatabase db) : IMessagingStore
{
    public async ValueTask<bool> PingAsync(CancellationToken cancellationToken) =>
        await db.ReadAsync(0, static (s, _) => s.Statement("SELECT 1").ExecuteScalar() is 1L, cancellationToken);

    public ValueTask<RegisterStatus> RegisterAsync(NewAccount a, CancellationToken cancellationToken) =>
        ValueTask.FromResult(db.WriteTransaction(a, static (s, a) =>
        {
            var exists = s.Statement("SELECT 1 FROM msg_accounts WHERE username = $u", "$u")
                .Bind("$u", a.Username);
            if (exists.ExecuteScalar() is not null)
            {
                return RegisterStatus.UsernameTaken;
            }

            if (a.InviteHash is not null)
            {
                var invite = s.Statement("INSERT INTO msg_invites_used (code_hash, used_at) VALUES ($h, $t) ON CONFLICT DO NOTHING", "$h", "$t")
                    .Bind("$h", a.InviteHash)
                    .Bind("$t", a.CreatedAt.ToUnixTimeMilliseconds());
                if (invite.ExecuteNonQuery() == 0)
                {
                    return RegisterStatus.InviteUsed;
                }
            }

            var insert = s.Statement("INSERT INTO msg_accounts (username, identity_key, registration_id, created_at) VALUES ($u, $k, $r, $t)",
                "$u", "$k", "$r", "$t")
                .Bind("$u", a.Username)
                .Bind("$k", a.IdentityKey)
                .Bind("$r", (long)a.RegistrationId)
                .Bind("$t", a.CreatedAt.ToUnixTimeMilliseconds());
            insert.ExecuteNonQuery();
            InsertPreKey(s, a.Username, KindSigned, a.SignedPreKey);
            InsertPreKey(s, a.Username, KindLastResort, a.KyberLastResort);
            foreach (var k in a.PreKeys)
            {
                InsertPreKey(s, a.Username, KindPreKey, k);
            }

            foreach (var k in a.KyberPreKeys)
            {
                InsertPreKey(s, a.Username, KindKyber, k);
            }

            return RegisterStatus.Registered;
        }));

    private static int InsertPreKey(SqliteSession s, string username, int kind, StoredPreKey key)
    {
        var c = s.Statement("""
            INSERT INTO msg_prekeys (username, kind, key_id, public_key, signature) VALUES ($u, $k, $i, $p, $s)
            ON CONFLICT DO NOTHING
            """, "$u", "$k", "$i", "$p", "$s")
            .Bind("$u", username)
            .Bind("$k", kind)
            .Bind("$i", (long)key.Id)
            .Bind("$p", key.PublicKey)
            .Bind("$s", key.Signature);
        return c.ExecuteNonQuery();
    }

    private static void ReplacePreKey(SqliteSession s, string username, int kind, StoredPreKey key)
    {
        var delete = s.Statement("DELETE FROM msg_prekeys WHERE username = $u AND kind = $k", "$u", "$k")
            .Bind("$u", username)
            .Bind("$k", kind);
        delete.ExecuteNonQuery();
        InsertPreKey(s, username, kind, key);
    }

    public async ValueTask<AccountRecord?> FindAccountAsync(string username, CancellationToken cancellationToken) =>
        await db.ReadAsync(username, static (s, u) => FindAccount(s, u), cancellationToken);

    private static AccountRecord? FindAccount(SqliteSession s, string username)
    {
        var c = s.Statement("SELECT identity_key, registration_id, created_at FROM msg_accounts WHERE username = $u", "$u")
            .Bind("$u", username);
        using var r = c.ExecuteReader();
        return r.Read() ? new AccountRecord(username, (byte[])r.GetValue(0), (uint)r.GetInt64(1), Time(r.GetInt64(2))) : null;
    }

    public ValueTask<bool> DeleteAccountAsync(string username, CancellationToken cancellationToken) =>
        ValueTask.FromResult(db.WriteTransaction(username, static (s, u) =>
        {
            // Foreign keys cascade to prekeys, challenges, tokens, contacts, memberships and the queue.
            var c = s.Statement("DELETE FROM msg_accounts WHERE username = $u", "$u")
                .Bind("$u", u);
            return c.ExecuteNonQuery() > 0;
        }));

    public ValueTask StoreChallengeAsync(string username, byte[] nonceHash, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        db.Write((username, nonceHash, expiresAt), static (s, a) =>
        {
            var c = s.Statement("INSERT INTO msg_challenges (nonce_hash, username, expires_at) VALUES ($h, $u, $e)", "$h", "$u", "$e")
                .Bind("$h", a.nonceHash)
                .Bind("$u", a.username)
                .Bind("$e", a.expiresAt.ToUnixTimeMilliseconds());
            c.ExecuteNonQuery();
            var trim = s.Statement(MessagingSchema.TrimChallengesSqlite, "$h", "$u")
                .Bind("$h", a.nonceHash)
                .Bind("$u", a.username);
            return trim.ExecuteNonQuery();
        });
        return ValueTask.CompletedTask;
    }

    public ValueTask<DateTimeOffset?> TakeChallengeAsync(string username, byte[] nonceHash, CancellationToken cancellationToken) =>
        ValueTask.FromResult(db.Write((username, nonceHash), static (s, a) =>
        {
            var c = s.Statement("DELETE FROM msg_challenges WHERE nonce_hash = $h AND username = $u RETURNING expires_at", "$h", "$u")
                .Bind("$h", a.nonceHash)
                .Bind("$u", a.username);
            return c.ExecuteScalar() is long expires ? Time(expires) : (DateTimeOffset?)null;
        }));

    public ValueTask StoreTokenAsync(byte[] tokenHash, string username, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        db.Write((tokenHash, username, expiresAt), static (s, a) =>
        {
            var c = s.Statement("INSERT INTO msg_tokens (token_hash, username, expires_at) VALUES ($h, $u, $e)", "$h", "$u", "$e")
                .Bind("$h", a.tokenHash)
                .Bind("$u", a.username)
                .Bind("$e", a.expiresAt.ToUnixTimeMilliseconds());
            return c.ExecuteNonQuery();
        });
        return ValueTask.CompletedTask;
    }

    public async ValueTask<TokenRecord?> FindTokenAsync(byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken) =>
        await db.ReadAsync((tokenHash, now), static (s, a) =>
        {
            var c = s.Statement("SELECT username, expires_at FROM msg_tokens WHERE token_hash = $h AND expires_at > $n", "$h", "$n")
                .Bind("$h", a.tokenHash)
                .Bind("$n", a.now.ToUnixTimeMilliseconds());
            using var r = c.ExecuteReader();
            return r.Read() ? new TokenRecord(r.GetString(0), Time(r.GetInt64(1))) : null;
        }, cancellationToken);

    public ValueTask<bool> DeleteTokenAsync(byte[] tokenHash, CancellationToken cancellationToken) =>
        ValueTask.FromResult(db.Write(tokenHash, static (s, h) =>
        {
            var c = s.Statement("DELETE FROM msg_tokens WHERE token_hash = $h", "$h")
                .Bind("$h", h);
            return c.ExecuteNonQuery() > 0;
        }));

    public ValueTask<UploadStatus> AddPreKeysAsync(string username, PreKeyUpload upload, int maxStored, CancellationToken cancellationToken)
    {
        try
        {
            return ValueTask.FromResult(AddPreKeys(username, upload, maxStored));
        }
        catch (PreKeyConflictException)
        {
            return ValueTask.FromResult(UploadStatus.Conflict);
        }
    }

    private UploadStatus AddPreKeys(string username, PreKeyUpload upload, int maxStored) =>
        db.WriteTransaction((username, upload, maxStored), static (s, a) =>
        {
            if (FindAccount(s, a.username) is null)
            {
                return UploadStatus.UnknownAccount;
            }

            var counts = Count(s, a.username);
            if (counts.PreKeys + a.upload.PreKeys.Count > a.maxStored || counts.KyberPreKeys + a.upload.KyberPreKeys.Count > a.maxStored)
            {
                return UploadStatus.TooMany;
            }

            foreach (var k in a.upload.PreKeys)
            {
                if (InsertPreKey(s, a.username, KindPreKey, k) == 0)
                {
                    throw new PreKeyConflictException();
                }
            }

            foreach (var k in a.upload.KyberPreKeys)
            {
                if (InsertPreKey(s, a.username, KindKyber, k) == 0)
                {
                    throw new PreKeyConflictException();
                }
            }

            if (a.upload.SignedPreKey is { } signed)
            {
                ReplacePreKey(s, a.username, KindSigned, signed);
            }

            if (a.upload.KyberLastResort is { } lastResort)
            {
                ReplacePreKey(s, a.username, KindLastResort, lastResort);
            }

            return UploadStatus.Stored;
        });

    public ValueTask<BundleRecord?> TakeBundleAsync(string username, CancellationToken cancellationToken) =>
        ValueTask.FromResult(db.WriteTransaction(username, static (s, u) =>
        {
            var account = FindAccount(s, u);
            if (account is null)
            {
                return null;
            }

            var preKey = TakeOldest(s, u, KindPreKey);
            var kyber = TakeOldest(s, u, KindKyber);
            var signed = ReadOne(s, u, KindSigned)!;
            var lastResort = kyber is null;
            return new BundleRecord(account, preKey, signed, kyber ?? ReadOne(s, u, KindLastResort)!, lastResort);
        }));

    private static StoredPreKey? TakeOldest(SqliteSession s, string username, int kind)
    {
        var c = s.Statement("""
            DELETE FROM msg_prekeys WHERE rowid = (SELECT rowid FROM msg_prekeys WHERE username = $u AND kind = $k ORDER BY rowid LIMIT 1)
            RETURNING key_id, public_key, signature
            """, "$u", "$k")
            .Bind("$u", username)
            .Bind("$k", kind);
        using var r = c.ExecuteReader();
        return r.Read() ? ReadKey(r) : null;
    }

    private static StoredPreKey? ReadOne(SqliteSession s, string username, int kind)
    {
        var c = s.Statement("SELECT key_id, public_key, signature FROM msg_prekeys WHERE username = $u AND kind = $k", "$u", "$k")
            .Bind("$u", username)
            .Bind("$k", kind);
        using var r = c.ExecuteReader();
        return r.Read() ? ReadKey(r) : null;
    }

    private static StoredPreKey ReadKey(SqliteDataReader r) =>
        new((uint)r.GetInt64(0), (byte[])r.GetValue(1), r.IsDBNull(2) ? null : (byte[])r.GetValue(2));

    public async ValueTask<PreKeyCounts> CountPreKeysAsync(string username, CancellationToken cancellationToken) =>
        await db.ReadAsync(username, static (s, u) => Count(s, u), cancellationToken);

    private static PreKeyCounts Count(SqliteSession s, string username)
    {
        var c = s.Statement("SELECT kind, count(*) FROM msg_prekeys WHERE username = $u AND kind IN (0, 1) GROUP BY kind", "$u")
            .Bind("$u", username);
        using var r = c.ExecuteReader();
        int pre = 0, kyber = 0;
        while (r.Read())
        {
            if (r.GetInt32(0) == KindPreKey)
            {
                pre = r.GetInt32(1);
            }
            else
            {
                kyber = r.GetInt32(1);
            }
        }

        return new PreKeyCounts(pre, kyber);
    }

    public async ValueTask<EnqueueResult> EnqueueAsync(NewEnvelope envelope, int maxQueued, CancellationToken cancellationToken) =>
        await db.WriteBatchedAsync((envelope, maxQueued), static (s, a) => Enqueue(s, a.envelope, a.maxQueued), cancellationToken);

    public async ValueTask<IReadOnlyList<EnqueueResult>> EnqueueManyAsync(IReadOnlyList<NewEnvelope> envelopes, int maxQueued,
        CancellationToken cancellationToken) =>
        await db.WriteBatchedAsync((envelopes, maxQueued), static (s, a) =>
        {
            var results = new EnqueueResult[a.envelopes.Count];
            // Runs of envelopes to one recipient (a batch usually has one) take their queue slots in one
            // statement and go in with multi-row inserts; a run that does not fit whole goes one by one,
            // so the queue cap refuses exactly the envelopes beyond it, as single sends would.
            for (var start = 0; start < results.Length;)
            {
                var end = start + 1;
                while (end < results.Length && string.Equals(a.envelopes[end].Recipient, a.envelopes[start].Recipient, StringComparison.Ordinal))
                {
                    end++;
                }

                if (end - start == 1 || !TakeSlots(s, a.envelopes[start].Recipient, end - start, a.maxQueued))
                {
                    for (var i = start; i < end; i++)
                    {
                        results[i] = Enqueue(s, a.envelopes[i], a.maxQueued);
                    }
                }
                else
                {
                    InsertRun(s, a.envelopes, start, end, results);
                }

                start = end;
            }

            return (IReadOnlyList<EnqueueResult>)results;
        }, cancellationToken);

    private static bool TakeSlots(SqliteSession s, string recipient, int count, int maxQueued)
    {
        var c = s.Statement("UPDATE msg_accounts SET queued = queued + $n WHERE username = $u AND queued <= $m - $n", "$u", "$n", "$m")
            .Bind("$u", recipient)
            .Bind("$n", count)
            .Bind("$m", maxQueued);
        return c.ExecuteNonQuery() == 1;
    }

    // Multi-row inserts of 32, 8 and 1 rows: few statements per batch, few prepared shapes.
    private static readonly int[] InsertChunks = [32, 8, 1];
    private static readonly string[] InsertSql = [.. InsertChunks.Select(InsertStatement)];
    private static readonly string[][] InsertParameters = [.. InsertChunks.Select(n => Enumerable.Range(0, n * 7).Select(i => "$p" + i).ToArray())];

    private static string InsertStatement(int rows) =>
        "INSERT INTO msg_envelopes (recipient, sender, type, group_id, server_ts, expires_at, content) VALUES "
        + string.Join(", ", Enumerable.Range(0, rows).Select(r => "(" + string.Join(", ", Enumerable.Range(r * 7, 7).Select(i => "$p" + i)) + ")"))
        + " RETURNING id";

    private static void InsertRun(SqliteSession s, IReadOnlyList<NewEnvelope> envelopes, int start, int end, EnqueueResult[] results)
    {
        var at = start;
        var ids = new List<long>(InsertChunks[0]);
        foreach (var (rows, k) in InsertChunks.Select((n, k) => (n, k)))
        {
            while (end - at >= rows)
            {
                var c = s.Statement(InsertSql[k], InsertParameters[k]);
                for (var r = 0; r < rows; r++)
                {
                    BindRow(c, r, envelopes[at + r]);
                }

                ids.Clear();
                using (var reader = c.ExecuteReader())
                {
                    while (reader.Read())
                    {
                        ids.Add(reader.GetInt64(0));
                    }
                }

                // One statement inserts its rows in VALUES order on the single writer, and AUTOINCREMENT
                // ids only grow: sorted, the returned ids are the rows' ids in order (RETURNING itself
                // promises no order).
                ids.Sort();
                for (var r = 0; r < rows; r++)
                {
                    results[at + r] = new EnqueueResult(EnqueueStatus.Queued, ids[r]);
                }

                at += rows;
            }
        }
    }

    private static EnqueueResult Enqueue(SqliteSession s, NewEnvelope e, int? maxQueued)
    {
        var count = s.Statement("UPDATE msg_accounts SET queued = queued + 1 WHERE username = $u AND queued < $m", "$u", "$m")
            .Bind("$u", e.Recipient)
            .Bind("$m", maxQueued ?? int.MaxValue);
        if (count.ExecuteNonQuery() == 0)
        {
            var exists = s.Statement("SELECT 1 FROM msg_accounts WHERE username = $u", "$u")
                .Bind("$u", e.Recipient);
            return new EnqueueResult(exists.ExecuteScalar() is null ? EnqueueStatus.UnknownRecipient : EnqueueStatus.QueueFull, 0);
        }

        var insert = s.Statement(InsertSql[^1], InsertParameters[^1]); // the one-row shape
        BindRow(insert, 0, e);
        return new EnqueueResult(EnqueueStatus.Queued, (long)insert.ExecuteScalar()!);
    }

    /// <summary>
    /// Binds the seven parameters of row <paramref name="row"/> of an <see cref="InsertStatement"/> by ordinal
    /// (the shapes are generated; names would cost a string per parameter).
    /// </summary>
    private static void BindRow(Statement<SqliteCommand> c, int row, NewEnvelope e)
    {
        var at = row * 7;
        c.Bind(at, e.Recipient)
            .Bind(at + 1, e.Sender)
            .Bind(at + 2, e.Type)
            .Bind(at + 3, e.GroupId)
            .Bind(at + 4, e.Now.ToUnixTimeMilliseconds())
            .Bind(at + 5, e.ExpiresAt.ToUnixTimeMilliseconds())
            .Bind(at + 6, e.Content);
    }

    public async ValueTask<IReadOnlyList<StoredEnvelope>> ReadQueueAsync(string recipient, long afterId, int max, DateTimeOffset now,
        CancellationToken cancellationToken) =>
        await db.ReadAsync((recipient, afterId, max, now), static (s, a) =>
        {
            var c = s.Statement("""
                SELECT id, sender, type, group_id, server_ts, content FROM msg_envelopes
                WHERE recipient = $r AND id > $a AND expires_at > $n ORDER BY id LIMIT $m
                """, "$r", "$a", "$n", "$m")
                .Bind("$r", a.recipient)
                .Bind("$a", a.afterId)
                .Bind("$n", a.now.ToUnixTimeMilliseconds())
                .Bind("$m", a.max);
            var result = new List<StoredEnvelope>();
            using var r = c.ExecuteReader();
            while (r.Read())
            {
                result.Add(new StoredEnvelope(r.GetInt64(0), a.recipient, r.GetString(1), r.GetInt32(2),
                    r.IsDBNull(3) ? null : (byte[])r.GetValue(3), Time(r.GetInt64(4)), (byte[])r.GetValue(5)));
            }

            return (IReadOnlyList<StoredEnvelope>)result;
        }, cancellationToken);

    public async ValueTask<IReadOnlyList<AckedEnvelope>> AckAsync(string recipient, IReadOnlyList<long> ids, CancellationToken cancellationToken) =>
        await db.WriteBatchedAsync((recipient, Json: IdList(ids)), static (s, a) =>
        {
            // One statement for the whole acknowledgement (ids as a JSON array; repeated ids delete once).
            var delete = s.Statement("""
                DELETE FROM msg_envelopes WHERE recipient = $r AND id IN (SELECT value FROM json_each($i)) RETURNING id, sender
                """, "$r", "$i")
                .Bind("$r", a.recipient)
                .Bind("$i", a.Json);
            var acked = new List<AckedEnvelope>();
            using (var r = delete.ExecuteReader())
            {
                while (r.Read())
                {
                    acked.Add(new AckedEnvelope(r.GetInt64(0), r.GetString(1)));
                }
            }

            if (acked.Count > 0)
            {
                acked.Sort(static (x, y) => x.Id.CompareTo(y.Id));
                var count = s.Statement("UPDATE msg_accounts SET queued = queued - $n WHERE username = $u", "$n", "$u")
                    .Bind("$n", acked.Count)
                    .Bind("$u", a.recipient);
                count.ExecuteNonQuery();
            }

            return (IReadOnlyList<AckedEnvelope>)acked;
        }, cancellationToken);

    private static string IdList(IReadOnlyList<long> ids)
    {
        var text = new System.Text.StringBuilder((ids.Count * 8) + 2).Append('[');
        for (var i = 0; i < ids.Count; i++)
        {
            if (i > 0)
            {
                text.Append(',');
            }

            text.Append(ids[i].ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return text.Append(']').ToString();
    }

    public async ValueTask<IReadOnlyList<long>> QueuedOfAsync(string sender, IReadOnlyList<long> ids, DateTimeOffset now,
        CancellationToken cancellationToken) =>
        await db.ReadAsync((sender, Json: IdList(ids), now), static (s, a) =>
        {
            var c = s.Statement("""
                SELECT id FROM msg_envelopes WHERE id IN (SELECT value FROM json_each($i)) AND sender = $s AND expires_at > $n ORDER BY id
                """, "$i", "$s", "$n")
                .Bind("$i", a.Json)
                .Bind("$s", a.sender)
                .Bind("$n", a.now.ToUnixTimeMilliseconds());
            return (IReadOnlyList<long>)ReadColumn(c, static r => r.GetInt64(0));
        }, cancellationToken);

    private static List<T> ReadColumn<T>(Statement<SqliteCommand> c, Func<SqliteDataReader, T> read)
    {
        var result = new List<T>();
        using var r = c.ExecuteReader();
        while (r.Read())
        {
            result.Add(read(r));
        }

        return result;
    }

    public async ValueTask<long> CountEnvelopesAsync(CancellationToken cancellationToken) =>
        await db.ReadAsync(0, static (s, _) => (long)s.Statement("SELECT count(*) FROM msg_envelopes").ExecuteScalar()!, cancellationToken);

    public async ValueTask<bool> SetPresenceGrantAsync(string subject, string viewer, PresenceGrant grant, CancellationToken cancellationToken) =>
        await db.WriteBatchedAsync((subject, viewer, grant), static (s, a) =>
        {
            var before = s.Statement("SELECT allowed FROM msg_presence WHERE subject = $s AND viewer = $v", "$s", "$v")
                .Bind("$s", a.subject)
                .Bind("$v", a.viewer);
            var was = before.ExecuteScalar() as long?;
            if (a.grant == PresenceGrant.Sent && was is not null)
            {
                return false;
            }

            var allowed = a.grant != PresenceGrant.Withdrawn;
            var c = s.Statement("""
                INSERT INTO msg_presence (subject, viewer, allowed) SELECT $s, $v, $a
                WHERE EXISTS (SELECT 1 FROM msg_accounts WHERE username = $s) AND EXISTS (SELECT 1 FROM msg_accounts WHERE username = $v)
                ON CONFLICT (subject, viewer) DO UPDATE SET allowed = excluded.allowed
                """, "$s", "$v", "$a")
                .Bind("$s", a.subject)
                .Bind("$v", a.viewer)
                .Bind("$a", allowed ? 1 : 0);
            return c.ExecuteNonQuery() == 1 && (was == 1) != allowed;
        }, cancellationToken);

    public async ValueTask<IReadOnlyList<string>> PresenceViewersAsync(string subject, CancellationToken cancellationToken) =>
        await PresenceOfAsync("SELECT viewer FROM msg_presence WHERE subject = $u AND allowed = 1 ORDER BY viewer", subject, cancellationToken);

    public async ValueTask<IReadOnlyList<string>> PresenceSubjectsAsync(string viewer, CancellationToken cancellationToken) =>
        await PresenceOfAsync("SELECT subject FROM msg_presence WHERE viewer = $u AND allowed = 1 ORDER BY subject", viewer, cancellationToken);

    private async ValueTask<IReadOnlyList<string>> PresenceOfAsync(string sql, string username, CancellationToken cancellationToken) =>
        await db.ReadAsync((sql, username), static (s, a) =>
        {
            var c = s.Statement(a.sql, "$u")
                .Bind("$u", a.username);
            return (IReadOnlyList<string>)ReadColumn(c, static r => r.GetString(0));
        }, cancellationToken);

    public ValueTask<T> InGroupTransactionAsync<T>(Func<IGroupTransaction, ValueTask<T>> work, CancellationToken cancellationToken) =>
        ValueTask.FromResult(db.WriteTransaction(work, static (s, w) =>
        {
            // Every primitive completes synchronously on the writer connection, inside this transaction.
            var task = w(new Transaction(s));
            if (!task.IsCompleted)
            {
                throw new InvalidOperationException("Group work must not await anything but the transaction.");
            }

            return task.GetAwaiter().GetResult();
        }));

    public async ValueTask<IReadOnlyList<GroupRecord>> GroupsOfAsync(string username, CancellationToken cancellationToken) =>
        await db.ReadAsync(username, static (s, u) =>
        {
            var c = s.Statement("""
                SELECT g.id FROM msg_groups g JOIN msg_group_members m ON m.group_id = g.id
                WHERE m.username = $u ORDER BY g.created_at, g.id
                """, "$u")
                .Bind("$u", u);
            var ids = ReadColumn(c, static r => (byte[])r.GetValue(0));
            return (IReadOnlyList<GroupRecord>)[.. ids.Select(id => ReadGroup(s, id)!)];
        }, cancellationToken);

    private static GroupRecord? ReadGroup(SqliteSession s, byte[] id)
    {
        var g = s.Statement("SELECT name, created_at FROM msg_groups WHERE id = $g", "$g")
            .Bind("$g", id);
        string name;
        long created;
        using (var r = g.ExecuteReader())
        {
            if (!r.Read())
            {
                return null;
            }

            name = r.GetString(0);
            created = r.GetInt64(1);
        }

        var m = s.Statement("SELECT username, admin, invited, joined_at FROM msg_group_members WHERE group_id = $g ORDER BY joined_at, username", "$g")
            .Bind("$g", id);
        var rows = ReadColumn(m, static r => new GroupMemberRecord(r.GetString(0),
            r.GetInt64(2) != 0 ? GroupRole.Invited : r.GetInt64(1) != 0 ? GroupRole.Admin : GroupRole.Member, Time(r.GetInt64(3))));
        return GroupRecord.Of(id, name, Time(created), rows);
    }

    public ValueTask<MessagingSweep> SweepAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        ValueTask.FromResult(db.WriteTransaction(now.ToUnixTimeMilliseconds(), static (s, now) =>
        {
            var recount = s.Statement("""
                UPDATE msg_accounts SET queued = queued - (SELECT count(*) FROM msg_envelopes e WHERE e.recipient = username AND e.expires_at <= $n)
                WHERE username IN (SELECT DISTINCT recipient FROM msg_envelopes WHERE expires_at <= $n)
                """, "$n")
                .Bind("$n", now);
            recount.ExecuteNonQuery();
            int Delete(string table)
            {
                var c = s.Statement($"DELETE FROM {table} WHERE expires_at <= $n", "$n")
                    .Bind("$n", now);
                return c.ExecuteNonQuery();
            }

            return new MessagingSweep(Delete("msg_envelopes"), Delete("msg_challenges"), Delete("msg_tokens"));
        }));

    private static DateTimeOffset Time(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    private sealed class Transaction(SqliteSession s) : IGroupTransaction
    {
        public ValueTask<GroupRecord?> LockGroupAsync(byte[] groupId) => ValueTask.FromResult(ReadGroup(s, groupId));

        public ValueTask<bool> AccountExistsAsync(string username) => ValueTask.FromResult(FindAccount(s, username) is not null);

        public ValueTask CreateGroupAsync(byte[] groupId, string name, DateTimeOffset now)
        {
            var c = s.Statement("INSERT INTO msg_groups (id, name, created_at) VALUES ($g, $n, $t)", "$g", "$n", "$t")
                .Bind("$g", groupId)
                .Bind("$n", name)
                .Bind("$t", now.ToUnixTimeMilliseconds());
            c.ExecuteNonQuery();
            return ValueTask.CompletedTask;
        }

        public ValueTask AddMemberAsync(byte[] groupId, string username, GroupRole role, DateTimeOffset now)
        {
            var c = s.Statement("""
                INSERT INTO msg_group_members (group_id, username, admin, invited, joined_at) VALUES ($g, $u, $a, $i, $t)
                ON CONFLICT (group_id, username) DO UPDATE SET admin = excluded.admin, invited = excluded.invited, joined_at = excluded.joined_at
                """, "$g", "$u", "$a", "$i", "$t")
                .Bind("$g", groupId)
                .Bind("$u", username)
                .Bind("$a", role == GroupRole.Admin ? 1 : 0)
                .Bind("$i", role == GroupRole.Invited ? 1 : 0)
                .Bind("$t", now.ToUnixTimeMilliseconds());
            c.ExecuteNonQuery();
            return ValueTask.CompletedTask;
        }

        public ValueTask RemoveMemberAsync(byte[] groupId, string username)
        {
            var c = s.Statement("DELETE FROM msg_group_members WHERE group_id = $g AND username = $u", "$g", "$u")
                .Bind("$g", groupId)
                .Bind("$u", username);
            c.ExecuteNonQuery();
            return ValueTask.CompletedTask;
        }

        public ValueTask SetAdminAsync(byte[] groupId, string username, bool admin)
        {
            var c = s.Statement("UPDATE msg_group_members SET admin = $a WHERE group_id = $g AND username = $u", "$a", "$g", "$u")
                .Bind("$a", admin ? 1 : 0)
                .Bind("$g", groupId)
                .Bind("$u", username);
            c.ExecuteNonQuery();
            return ValueTask.CompletedTask;
        }

        public ValueTask DeleteGroupAsync(byte[] groupId)
        {
            var c = s.Statement("DELETE FROM msg_groups WHERE id = $g", "$g")
                .Bind("$g", groupId);
            c.ExecuteNonQuery();
            return ValueTask.CompletedTask;
        }

        public ValueTask<EnqueueResult> EnqueueAsync(NewEnvelope envelope, int? maxQueued) =>
            ValueTask.FromResult(Enqueue(s, envelope, maxQueued));
    }
}
