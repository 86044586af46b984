using Microsoft.Data.Sqlite;
using Parley.Server.Features.Secrets;
using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Features.Webhooks.Storage;

/// <summary>
/// SQLite store: targets and outbox in the shared database file, written through its batched writer (targets and
/// events of state changes by the secrets and requests stores, through <see cref="SqliteWebhookWrites"/>).
/// </summary>
internal sealed class SqliteWebhookStore(SqliteDatabase db, SqliteWebhookWrites writes) : IWebhookStore
{
    public async ValueTask<WebhookTarget?> FindTargetAsync(SecretId subject, CancellationToken cancellationToken) =>
        await db.ReadAsync(subject, static (s, subject) =>
        {
            var c = s.Statement($"SELECT {WebhooksSchema.TargetColumns} FROM webhook_targets WHERE subject_id = $s", "$s")
                .Bind("$s", subject.ToByteArray());
            using var r = c.ExecuteReader();
            return r.Read() ? ReadTarget(r) : null;
        }, cancellationToken);

    public async ValueTask<bool> EnqueueAsync(SecretId subject, SubjectEvent happened, int? viewsLeft, DateTimeOffset now,
        CancellationToken cancellationToken) =>
        await db.WriteBatchedAsync((writes, subject, happened, viewsLeft, now),
            static (s, a) => a.writes.Queue(s, a.subject, a.happened, a.viewsLeft, a.now), cancellationToken);

    /// <summary>
    /// The lease is the only write: the targets are looked up and the bodies built on a reader connection after it
    /// commits, off the one writer thread that the secrets' own writes wait for. A claimed row keeps its target (the
    /// purge spares targets with queued events).
    /// </summary>
    public async ValueTask<IReadOnlyList<PendingDelivery>> ClaimDueAsync(DateTimeOffset now, DateTimeOffset leaseUntil, int max,
        CancellationToken cancellationToken)
    {
        var rows = await db.WriteBatchedAsync((now, leaseUntil, max), static (s, a) =>
        {
            var c = s.Statement("""
                UPDATE webhook_outbox SET next_attempt_at = $lease
                WHERE seq IN (SELECT seq FROM webhook_outbox WHERE next_attempt_at <= $now ORDER BY next_attempt_at LIMIT $max)
                RETURNING seq, id, subject_id, body, attempts, created_at, event, views_left
                """, "$lease", "$now", "$max")
                .Bind("$lease", a.leaseUntil.ToUnixTimeMilliseconds())
                .Bind("$now", a.now.ToUnixTimeMilliseconds())
                .Bind("$max", a.max);
            var rows = new List<ClaimedRow>();
            using var r = c.ExecuteReader();
            while (r.Read())
            {
                rows.Add(new ClaimedRow(r.GetInt64(0), r.GetString(1), (byte[])r.GetValue(2), r.IsDBNull(3) ? null : (byte[])r.GetValue(3),
                    r.GetInt32(4), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(5)), r.IsDBNull(6) ? null : (SubjectEvent)r.GetInt32(6),
                    r.IsDBNull(7) ? null : r.GetInt32(7)));
            }

            return rows;
        }, cancellationToken);
        if (rows.Count == 0)
        {
            return [];
        }

        return await db.ReadAsync(rows, static (s, rows) =>
        {
            var claimed = new List<PendingDelivery>(rows.Count);
            foreach (var row in rows)
            {
                using var r = s.Statement("SELECT url, signing_key, kind, report_id FROM webhook_targets WHERE subject_id = $s", "$s")
                    .Bind("$s", row.Subject)
                    .ExecuteReader();
                if (r.Read())
                {
                    var body = row.Body ?? WebhookPayload.Build((WebhookSubject)r.GetInt32(2), row.Event!.Value, row.CreatedAt,
                        SecretId.FromBytes((byte[])r.GetValue(3)), row.ViewsLeft);
                    claimed.Add(new PendingDelivery(row.Sequence, row.Id, r.GetString(0), (byte[])r.GetValue(1), body, row.Attempts, row.CreatedAt));
                }
            }

            return (IReadOnlyList<PendingDelivery>)claimed;
        }, cancellationToken);
    }

    public async ValueTask RemoveAsync(IReadOnlyList<long> sequences, CancellationToken cancellationToken) =>
        await db.WriteBatchedAsync(SqliteIdList.Json(sequences), static (s, json) =>
        {
            var c = s.Statement("DELETE FROM webhook_outbox WHERE seq IN (SELECT value FROM json_each($q))", "$q")
                .Bind("$q", json);
            return c.ExecuteNonQuery();
        }, cancellationToken);

    public async ValueTask RetryLaterAsync(long sequence, int attempts, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken) =>
        await db.WriteBatchedAsync((sequence, attempts, nextAttemptAt), static (s, a) =>
        {
            var c = s.Statement("UPDATE webhook_outbox SET attempts = $a, next_attempt_at = $n WHERE seq = $q", "$a", "$n", "$q")
                .Bind("$a", a.attempts)
                .Bind("$n", a.nextAttemptAt.ToUnixTimeMilliseconds())
                .Bind("$q", a.sequence);
            return c.ExecuteNonQuery();
        }, cancellationToken);

    public async ValueTask<IReadOnlyList<WebhookTarget>> DueExpiriesAsync(DateTimeOffset now, int max, CancellationToken cancellationToken) =>
        await db.ReadAsync((now, max), static (s, a) =>
        {
            var c = s.Statement($"""
                SELECT {WebhooksSchema.TargetColumns} FROM webhook_targets WHERE expiry_handled = 0 AND expires_at <= $now
                ORDER BY expires_at LIMIT $max
                """, "$now", "$max")
                .Bind("$now", a.now.ToUnixTimeMilliseconds())
                .Bind("$max", a.max);
            using var r = c.ExecuteReader();
            var targets = new List<WebhookTarget>();
            while (r.Read())
            {
                targets.Add(ReadTarget(r));
            }

            return (IReadOnlyList<WebhookTarget>)targets;
        }, cancellationToken);

    public async ValueTask MarkExpiryHandledAsync(SecretId subject, CancellationToken cancellationToken) =>
        await db.WriteBatchedAsync(subject, static (s, subject) =>
        {
            var c = s.Statement("UPDATE webhook_targets SET expiry_handled = 1 WHERE subject_id = $s", "$s")
                .Bind("$s", subject.ToByteArray());
            return c.ExecuteNonQuery();
        }, cancellationToken);

    public async ValueTask<int> PurgeTargetsAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        await db.WriteBatchedAsync(before, static (s, before) =>
        {
            // "expiry_handled IN (0, 1)" lets the expiry index (handled, expires_at) serve; the outbox has no subject
            // index, so NOT IN scans it once into a temporary set rather than looking up each target.
            var c = s.Statement("""
                DELETE FROM webhook_targets WHERE expiry_handled IN (0, 1) AND expires_at < $b
                  AND subject_id NOT IN (SELECT subject_id FROM webhook_outbox)
                """, "$b")
                .Bind("$b", before.ToUnixTimeMilliseconds());
            return c.ExecuteNonQuery();
        }, cancellationToken);

    public async ValueTask<long> PendingCountAsync(CancellationToken cancellationToken) =>
        await db.ReadAsync(0, static (s, _) => (long)s.Statement("SELECT count(*) FROM webhook_outbox").ExecuteScalar()!, cancellationToken);

    private static WebhookTarget ReadTarget(SqliteDataReader r) =>
        new(SecretId.FromBytes((byte[])r.GetValue(0)), (WebhookSubject)r.GetInt32(1), SecretId.FromBytes((byte[])r.GetValue(2)),
            r.GetString(3), (byte[])r.GetValue(4), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(5)));

    /// <summary>An outbox row as the claim leased it: a body from before schema version 2, or the event to build it from.</summary>
    private sealed record ClaimedRow(long Sequence, string Id, byte[] Subject, byte[]? Body, int Attempts, DateTimeOffset CreatedAt,
        SubjectEvent? Event, int? ViewsLeft);
}
