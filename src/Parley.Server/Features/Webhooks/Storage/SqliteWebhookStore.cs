using Microsoft.Data.Sqlite;
using Parley.Server.Features.Secrets;
using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Features.Webhooks.Storage;

/// <summary>SQLite store: targets and outbox in the shared database file, written through its batched writer.</summary>
internal sealed class SqliteWebhookStore(SqliteDatabase db) : IWebhookStore
{
    private const string TargetColumns = "subject_id, kind, report_id, url, signing_key, expires_at";

    public async ValueTask AddTargetAsync(WebhookTarget t, CancellationToken cancellationToken) =>
        await db.WriteBatchedAsync(t, static (s, t) =>
        {
            var c = s.Command($"INSERT INTO webhook_targets ({TargetColumns}) VALUES ($s, $k, $r, $u, $key, $e)",
                "$s", "$k", "$r", "$u", "$key", "$e");
            c.Parameters[0].Value = t.SubjectId.ToByteArray();
            c.Parameters[1].Value = (int)t.Kind;
            c.Parameters[2].Value = t.ReportId.ToByteArray();
            c.Parameters[3].Value = t.Url;
            c.Parameters[4].Value = t.SigningKey;
            c.Parameters[5].Value = t.ExpiresAt.ToUnixTimeMilliseconds();
            return c.ExecuteNonQuery();
        });

    public async ValueTask<WebhookTarget?> FindTargetAsync(SecretId subject, CancellationToken cancellationToken) =>
        await db.ReadAsync(subject, static (s, subject) =>
        {
            var c = s.Command($"SELECT {TargetColumns} FROM webhook_targets WHERE subject_id = $s", "$s");
            c.Parameters[0].Value = subject.ToByteArray();
            using var r = c.ExecuteReader();
            return r.Read() ? ReadTarget(r) : null;
        }, cancellationToken);

    public async ValueTask<bool> EnqueueAsync(SecretId subject, SubjectEvent happened, int? viewsLeft, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        // A read first: most secrets have no webhook, and their events then cost no write.
        if (await FindTargetAsync(subject, cancellationToken) is not { } target
            || WebhookPayload.TypeFor(target.Kind, happened) is not { } type)
        {
            return false;
        }

        var body = WebhookPayload.Build(type, now, target.ReportId, viewsLeft);
        return await db.WriteBatchedAsync((subject, body, now), static (s, a) =>
        {
            var insert = s.Command("""
                INSERT INTO webhook_outbox (id, subject_id, body, created_at, next_attempt_at) VALUES ($id, $s, $b, $now, $now)
                """, "$id", "$s", "$b", "$now");
            insert.Parameters[0].Value = WebhookPayload.NewMessageId();
            insert.Parameters[1].Value = a.subject.ToByteArray();
            insert.Parameters[2].Value = a.body;
            insert.Parameters[3].Value = a.now.ToUnixTimeMilliseconds();
            return insert.ExecuteNonQuery() == 1;
        });
    }

    public async ValueTask<IReadOnlyList<PendingDelivery>> ClaimDueAsync(DateTimeOffset now, DateTimeOffset leaseUntil, int max,
        CancellationToken cancellationToken) =>
        await db.WriteBatchedAsync((now, leaseUntil, max), static (s, a) =>
        {
            var c = s.Command("""
                UPDATE webhook_outbox SET next_attempt_at = $lease
                WHERE id IN (SELECT id FROM webhook_outbox WHERE next_attempt_at <= $now ORDER BY next_attempt_at LIMIT $max)
                RETURNING id, subject_id, body, attempts, created_at
                """, "$lease", "$now", "$max");
            c.Parameters[0].Value = a.leaseUntil.ToUnixTimeMilliseconds();
            c.Parameters[1].Value = a.now.ToUnixTimeMilliseconds();
            c.Parameters[2].Value = a.max;
            var rows = new List<(string Id, byte[] Subject, byte[] Body, int Attempts, long CreatedAt)>();
            using (var r = c.ExecuteReader())
            {
                while (r.Read())
                {
                    rows.Add((r.GetString(0), (byte[])r.GetValue(1), (byte[])r.GetValue(2), r.GetInt32(3), r.GetInt64(4)));
                }
            }

            var claimed = new List<PendingDelivery>(rows.Count);
            var target = s.Command("SELECT url, signing_key FROM webhook_targets WHERE subject_id = $s", "$s");
            foreach (var row in rows)
            {
                target.Parameters[0].Value = row.Subject;
                using var r = target.ExecuteReader();
                if (r.Read())
                {
                    claimed.Add(new PendingDelivery(row.Id, r.GetString(0), (byte[])r.GetValue(1), row.Body, row.Attempts,
                        DateTimeOffset.FromUnixTimeMilliseconds(row.CreatedAt)));
                }
            }

            return (IReadOnlyList<PendingDelivery>)claimed;
        });

    public async ValueTask RemoveAsync(string messageId, CancellationToken cancellationToken) =>
        await db.WriteBatchedAsync(messageId, static (s, id) =>
        {
            var c = s.Command("DELETE FROM webhook_outbox WHERE id = $id", "$id");
            c.Parameters[0].Value = id;
            return c.ExecuteNonQuery();
        });

    public async ValueTask RetryLaterAsync(string messageId, int attempts, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken) =>
        await db.WriteBatchedAsync((messageId, attempts, nextAttemptAt), static (s, a) =>
        {
            var c = s.Command("UPDATE webhook_outbox SET attempts = $a, next_attempt_at = $n WHERE id = $id", "$a", "$n", "$id");
            c.Parameters[0].Value = a.attempts;
            c.Parameters[1].Value = a.nextAttemptAt.ToUnixTimeMilliseconds();
            c.Parameters[2].Value = a.messageId;
            return c.ExecuteNonQuery();
        });

    public async ValueTask<IReadOnlyList<WebhookTarget>> DueExpiriesAsync(DateTimeOffset now, int max, CancellationToken cancellationToken) =>
        await db.ReadAsync((now, max), static (s, a) =>
        {
            var c = s.Command($"""
                SELECT {TargetColumns} FROM webhook_targets WHERE expiry_handled = 0 AND expires_at <= $now
                ORDER BY expires_at LIMIT $max
                """, "$now", "$max");
            c.Parameters[0].Value = a.now.ToUnixTimeMilliseconds();
            c.Parameters[1].Value = a.max;
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
            var c = s.Command("UPDATE webhook_targets SET expiry_handled = 1 WHERE subject_id = $s", "$s");
            c.Parameters[0].Value = subject.ToByteArray();
            return c.ExecuteNonQuery();
        });

    public async ValueTask<int> PurgeTargetsAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        await db.WriteBatchedAsync(before, static (s, before) =>
        {
            var c = s.Command("""
                DELETE FROM webhook_targets WHERE expires_at < $b
                  AND NOT EXISTS (SELECT 1 FROM webhook_outbox o WHERE o.subject_id = webhook_targets.subject_id)
                """, "$b");
            c.Parameters[0].Value = before.ToUnixTimeMilliseconds();
            return c.ExecuteNonQuery();
        });

    public async ValueTask<long> PendingCountAsync(CancellationToken cancellationToken) =>
        await db.ReadAsync(0, static (s, _) => (long)s.Command("SELECT count(*) FROM webhook_outbox").ExecuteScalar()!, cancellationToken);

    private static WebhookTarget ReadTarget(SqliteDataReader r) =>
        new(SecretId.FromBytes((byte[])r.GetValue(0)), (WebhookSubject)r.GetInt32(1), SecretId.FromBytes((byte[])r.GetValue(2)),
            r.GetString(3), (byte[])r.GetValue(4), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(5)));
}
