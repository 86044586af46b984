using Microsoft.Data.Sqlite;
using Parley.Server.Features.Secrets;
using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Features.Webhooks.Storage;

/// <summary>
/// SQLite store: targets and outbox in the shared database file, written through its batched writer (targets and
/// events of state changes by the secrets and requests stores, through <see cref="SqliteWebhookWrites"/>). A secret's
/// target is on its row in <c>secrets</c>, a request's in <c>webhook_targets</c>; each outbox row carries its own.
/// </summary>
internal sealed class SqliteWebhookStore(SqliteDatabase db, SqliteWebhookWrites writes) : IWebhookStore
{
    public async ValueTask<WebhookTarget?> FindTargetAsync(SecretId subject, CancellationToken cancellationToken) =>
        await db.ReadAsync(subject, static (s, subject) =>
        {
            var c = s.Statement($"{TargetsSql} WHERE subject_id = $s", "$s")
                .Bind("$s", subject.ToByteArray());
            using var r = c.ExecuteReader();
            return r.Read() ? ReadTarget(r) : null;
        }, cancellationToken);

    public async ValueTask<bool> EnqueueAsync(SecretId subject, SubjectEvent happened, int? viewsLeft, DateTimeOffset now,
        CancellationToken cancellationToken) =>
        await db.WriteBatchedAsync((writes, subject, happened, viewsLeft, now),
            static (s, a) => a.writes.Queue(s, a.subject, a.happened, a.viewsLeft, a.now), cancellationToken);

    /// <summary>
    /// Every target as <see cref="ReadTarget"/> reads it, of secrets (from their rows) and of requests: a query to add a
    /// WHERE on <c>subject_id</c>, <c>expiry_handled</c> and <c>expires_at</c> to.
    /// </summary>
    private static readonly string TargetsSql = $"""
        SELECT * FROM (
          SELECT id AS subject_id, webhook_kind AS kind, coalesce(webhook_report_id, id) AS report_id, webhook_url AS url,
            webhook_key AS signing_key, expires_at, webhook_expiry_handled AS expiry_handled
          FROM secrets WHERE webhook_kind IS NOT NULL
          UNION ALL
          SELECT {WebhooksSchema.TargetColumns}, expiry_handled FROM webhook_targets)
        """;

    /// <summary>
    /// The lease is the only write, and the bodies are built after it commits, off the one writer thread that the
    /// secrets' own writes wait for. Each row carries its target. A row whose event is followed by <c>secret.burned</c>
    /// gives the event under the row's sequence and the burn under its negative, each while still to send (see
    /// <see cref="RemoveAsync"/>).
    /// </summary>
    public async ValueTask<IReadOnlyList<PendingDelivery>> ClaimDueAsync(DateTimeOffset now, DateTimeOffset leaseUntil, int max,
        CancellationToken cancellationToken)
    {
        var rows = await db.WriteBatchedAsync((now, leaseUntil, max), static (s, a) =>
        {
            var c = s.Statement("""
                UPDATE webhook_outbox SET next_attempt_at = $lease
                WHERE seq IN (SELECT seq FROM webhook_outbox WHERE next_attempt_at <= $now ORDER BY next_attempt_at LIMIT $max)
                RETURNING seq, id, body, attempts, created_at, event, views_left, kind, report_id, url, signing_key, then_burned
                """, "$lease", "$now", "$max")
                .Bind("$lease", a.leaseUntil.ToUnixTimeMilliseconds())
                .Bind("$now", a.now.ToUnixTimeMilliseconds())
                .Bind("$max", a.max);
            var rows = new List<ClaimedRow>();
            using var r = c.ExecuteReader();
            while (r.Read())
            {
                rows.Add(new ClaimedRow(r.GetInt64(0), r.GetString(1), r.IsDBNull(2) ? null : (byte[])r.GetValue(2), r.GetInt32(3),
                    DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(4)), r.IsDBNull(5) ? null : (SubjectEvent)r.GetInt32(5),
                    r.IsDBNull(6) ? null : r.GetInt32(6), (WebhookSubject)r.GetInt32(7), (byte[])r.GetValue(8), r.GetString(9),
                    (byte[])r.GetValue(10), r.GetInt32(11)));
            }

            return rows;
        }, cancellationToken);
        var due = new List<PendingDelivery>(rows.Count * 2);
        foreach (var row in rows)
        {
            if (row.ThenBurned != BurnAlone)
            {
                due.Add(new PendingDelivery(row.Sequence, row.Id, row.Url, row.SigningKey,
                    row.Body ?? WebhookPayload.Build(row.Kind, row.Event!.Value, row.CreatedAt, SecretId.FromBytes(row.ReportId), row.ViewsLeft),
                    row.Attempts, row.CreatedAt));
            }

            if (row.ThenBurned != EventAlone)
            {
                due.Add(new PendingDelivery(-row.Sequence, BurnedId(row.Id), row.Url, row.SigningKey,
                    WebhookPayload.Build(row.Kind, SubjectEvent.Burned, row.CreatedAt, SecretId.FromBytes(row.ReportId), 0), row.Attempts, row.CreatedAt));
            }
        }

        return due;
    }

    /// <summary><c>then_burned</c> of a row with no burn to send, and of one whose event was sent and its burn not (yet).</summary>
    private const int EventAlone = 0, BurnAlone = 2;

    /// <summary>The <c>webhook-id</c> of the <c>secret.burned</c> that follows a row's event: the row's own id and <c>_b</c>.</summary>
    private static string BurnedId(string rowId) => rowId + "_b";

    /// <summary>
    /// A positive handle is a row's event, a negative one the <c>secret.burned</c> that follows it (<c>then_burned</c>: 0
    /// the event alone, 1 the event and then the burn, 2 the burn alone). The event done: 0 goes, 1 becomes 2. The burn
    /// done: 1 becomes 0, 2 goes. Any other (a late report from a claim whose lease ran out) changes nothing, so a handle
    /// never reaches the other part. One write; both parts done in one call remove the row.
    /// </summary>
    public async ValueTask RemoveAsync(IReadOnlyList<long> sequences, CancellationToken cancellationToken)
    {
        var events = sequences.Where(q => q > 0).ToList();
        var burns = sequences.Where(q => q < 0).Select(q => -q).ToList();
        await db.WriteBatchedAsync((Events: events.Count > 0 ? SqliteIdList.Json(events) : null, Burns: burns.Count > 0 ? SqliteIdList.Json(burns) : null),
            static (s, a) =>
            {
                if (a.Burns is not null)
                {
                    s.Statement("DELETE FROM webhook_outbox WHERE then_burned = 2 AND seq IN (SELECT value FROM json_each($q))", "$q")
                        .Bind("$q", a.Burns).ExecuteNonQuery();
                    s.Statement("UPDATE webhook_outbox SET then_burned = 0 WHERE then_burned = 1 AND seq IN (SELECT value FROM json_each($q))", "$q")
                        .Bind("$q", a.Burns).ExecuteNonQuery();
                }

                if (a.Events is not null)
                {
                    s.Statement("DELETE FROM webhook_outbox WHERE then_burned = 0 AND seq IN (SELECT value FROM json_each($q))", "$q")
                        .Bind("$q", a.Events).ExecuteNonQuery();
                    s.Statement("UPDATE webhook_outbox SET then_burned = 2 WHERE then_burned = 1 AND seq IN (SELECT value FROM json_each($q))", "$q")
                        .Bind("$q", a.Events).ExecuteNonQuery();
                }

                return 0;
            }, cancellationToken);
    }

    public async ValueTask RetryLaterAsync(long sequence, int attempts, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken) =>
        await db.WriteBatchedAsync((sequence, attempts, nextAttemptAt), static (s, a) =>
        {
            var c = s.Statement("UPDATE webhook_outbox SET attempts = $a, next_attempt_at = $n WHERE seq = $q", "$a", "$n", "$q")
                .Bind("$a", a.attempts)
                .Bind("$n", a.nextAttemptAt.ToUnixTimeMilliseconds())
                .Bind("$q", Math.Abs(a.sequence)); // a row's burn (negative) is retried with its row
            return c.ExecuteNonQuery();
        }, cancellationToken);

    public async ValueTask<IReadOnlyList<WebhookTarget>> DueExpiriesAsync(DateTimeOffset now, int max, CancellationToken cancellationToken) =>
        await db.ReadAsync((now, max), static (s, a) =>
        {
            var c = s.Statement($"{TargetsSql} WHERE expiry_handled = 0 AND expires_at <= $now ORDER BY expires_at LIMIT $max", "$now", "$max")
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
            var bytes = subject.ToByteArray();
            return s.Statement("UPDATE secrets SET webhook_expiry_handled = 1 WHERE id = $s AND webhook_kind IS NOT NULL", "$s")
                .Bind("$s", bytes).ExecuteNonQuery()
                + s.Statement("UPDATE webhook_targets SET expiry_handled = 1 WHERE subject_id = $s", "$s")
                .Bind("$s", bytes).ExecuteNonQuery();
        }, cancellationToken);

    /// <summary>
    /// A secret's target goes from its row (the columns set to NULL: the row itself stays until the secrets' sweeper
    /// takes it), a request's from <c>webhook_targets</c>. "IN (0, 1)" lets the expiry indexes (handled, expires_at)
    /// serve. Queued events carry their target: none needs to be spared for them.
    /// </summary>
    public async ValueTask<int> PurgeTargetsAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        await db.WriteBatchedAsync(before, static (s, before) =>
            s.Statement("""
                UPDATE secrets SET webhook_kind = NULL, webhook_report_id = NULL, webhook_url = NULL, webhook_key = NULL
                WHERE webhook_kind IS NOT NULL AND webhook_expiry_handled IN (0, 1) AND expires_at < $b
                """, "$b")
                .Bind("$b", before.ToUnixTimeMilliseconds())
                .ExecuteNonQuery()
            + s.Statement("DELETE FROM webhook_targets WHERE expiry_handled IN (0, 1) AND expires_at < $b", "$b")
                .Bind("$b", before.ToUnixTimeMilliseconds())
                .ExecuteNonQuery(), cancellationToken);

    /// <summary>Events, not rows: a row with its event and its burn to send counts twice.</summary>
    public async ValueTask<long> PendingCountAsync(CancellationToken cancellationToken) =>
        await db.ReadAsync(0, static (s, _) => (long)s.Statement("SELECT count(*) + coalesce(sum(then_burned = 1), 0) FROM webhook_outbox").ExecuteScalar()!, cancellationToken);

    private static WebhookTarget ReadTarget(SqliteDataReader r) =>
        new(SecretId.FromBytes((byte[])r.GetValue(0)), (WebhookSubject)r.GetInt32(1), SecretId.FromBytes((byte[])r.GetValue(2)),
            r.GetString(3), (byte[])r.GetValue(4), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(5)));

    /// <summary>An outbox row as the claim leased it: a body from before schema version 2, or the event to build it from; its target.</summary>
    private sealed record ClaimedRow(long Sequence, string Id, byte[]? Body, int Attempts, DateTimeOffset CreatedAt,
        SubjectEvent? Event, int? ViewsLeft, WebhookSubject Kind, byte[] ReportId, string Url, byte[] SigningKey, int ThenBurned);
}
