using Microsoft.Data.Sqlite;
using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Features.Messaging.Storage;

internal sealed partial class SqliteMessagingStore : IEnvelopeQueue
{
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
        await db.WriteBatchedAsync((recipient, Json: SqliteIdList.Json(ids)), static (s, a) =>
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

    public async ValueTask<IReadOnlyList<long>> QueuedOfAsync(string sender, IReadOnlyList<long> ids, DateTimeOffset now,
        CancellationToken cancellationToken) =>
        await db.ReadAsync((sender, Json: SqliteIdList.Json(ids), now), static (s, a) =>
        {
            var c = s.Statement("""
                SELECT id FROM msg_envelopes WHERE id IN (SELECT value FROM json_each($i)) AND sender = $s AND expires_at > $n ORDER BY id
                """, "$i", "$s", "$n")
                .Bind("$i", a.Json)
                .Bind("$s", a.sender)
                .Bind("$n", a.now.ToUnixTimeMilliseconds());
            return (IReadOnlyList<long>)ReadColumn(c, static r => r.GetInt64(0));
        }, cancellationToken);

    public async ValueTask<long> CountEnvelopesAsync(CancellationToken cancellationToken) =>
        await db.ReadAsync(0, static (s, _) => (long)s.Statement("SELECT count(*) FROM msg_envelopes").ExecuteScalar()!, cancellationToken);

    public ValueTask<int> SweepEnvelopesAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        ValueTask.FromResult(db.WriteTransaction(now.ToUnixTimeMilliseconds(), static (s, now) =>
        {
            s.Statement("""
                UPDATE msg_accounts SET queued = queued - (SELECT count(*) FROM msg_envelopes e WHERE e.recipient = username AND e.expires_at <= $n)
                WHERE username IN (SELECT DISTINCT recipient FROM msg_envelopes WHERE expires_at <= $n)
                """, "$n")
                .Bind("$n", now)
                .ExecuteNonQuery();
            return DeleteExpired(s, "msg_envelopes", now);
        }));
}
