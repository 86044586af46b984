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

    public async ValueTask<IReadOnlyList<PendingDelivery>> ClaimDueAsync(DateTimeOffset now, DateTimeOffset leaseUntil, int max,
        CancellationToken cancellationToken) =>
        await db.WriteBatchedAsync((now, leaseUntil, max), static (s, a) =>
        {
            var c = s.Statement("""
                UPDATE webhook_outbox SET next_attempt_at = $lease
                WHERE id IN (SELECT id FROM webhook_outbox WHERE next_attempt_at <= $now ORDER BY next_attempt_at LIMIT $max)
                RETURNING id, subject_id, body, attempts, created_at, event, views_left
                """, "$lease", "$now", "$max")
                .Bind("$lease", a.leaseUntil.ToUnixTimeMilliseconds())
                .Bind("$now", a.now.ToUnixTimeMilliseconds())
                .Bind("$max", a.max);
            var rows = new List<(string Id, byte[] Subject, byte[]? Body, int Attempts, DateTimeOffset CreatedAt, SubjectEvent? Event, int? ViewsLeft)>();
            using (var r = c.ExecuteReader())
            {
                while (r.Read())
                {
                    rows.Add((r.GetString(0), (byte[])r.GetValue(1), r.IsDBNull(2) ? null : (byte[])r.GetValue(2), r.GetInt32(3),
                        DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(4)), r.IsDBNull(5) ? null : (SubjectEvent)r.GetInt32(5),
                        r.IsDBNull(6) ? null : r.GetInt32(6)));
                }
            }

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
                    claimed.Add(new PendingDelivery(row.Id, r.GetString(0), (byte[])r.GetValue(1), body, row.Attempts, row.CreatedAt));
                }
            }

            return (IReadOnlyList<PendingDelivery>)claimed;
        }, cancellationToken);

    public async ValueTask RemoveAsync(string messageId, CancellationToken cancellationToken) =>
        await db.WriteBatchedAsync(messageId, static (s, id) =>
        {
            var c = s.Statement("DELETE FROM webhook_outbox WHERE id = $id", "$id")
                .Bind("$id", id);
            return c.ExecuteNonQuery();
        }, cancellationToken);

    public async ValueTask RetryLaterAsync(string messageId, int attempts, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken) =>
        await db.WriteBatchedAsync((messageId, attempts, nextAttemptAt), static (s, a) =>
        {
            var c = s.Statement("UPDATE webhook_outbox SET attempts = $a, next_attempt_at = $n WHERE id = $id", "$a", "$n", "$id")
                .Bind("$a", a.attempts)
                .Bind("$n", a.nextAttemptAt.ToUnixTimeMilliseconds())
                .Bind("$id", a.messageId);
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
            var c = s.Statement("""
                DELETE FROM webhook_targets WHERE expires_at < $b
                  AND NOT EXISTS (SELECT 1 FROM webhook_outbox o WHERE o.subject_id = webhook_targets.subject_id)
                """, "$b")
                .Bind("$b", before.ToUnixTimeMilliseconds());
            return c.ExecuteNonQuery();
        }, cancellationToken);

    public async ValueTask<long> PendingCountAsync(CancellationToken cancellationToken) =>
        await db.ReadAsync(0, static (s, _) => (long)s.Statement("SELECT count(*) FROM webhook_outbox").ExecuteScalar()!, cancellationToken);

    private static WebhookTarget ReadTarget(SqliteDataReader r) =>
        new(SecretId.FromBytes((byte[])r.GetValue(0)), (WebhookSubject)r.GetInt32(1), SecretId.FromBytes((byte[])r.GetValue(2)),
            r.GetString(3), (byte[])r.GetValue(4), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(5)));
}
