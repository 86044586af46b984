using Npgsql;
using Parley.Server.Features.Secrets;
using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Features.Webhooks.Storage;

/// <summary>
/// PostgreSQL store, shareable by several nodes: a claim leases rows with <c>FOR UPDATE SKIP LOCKED</c>,
/// so two nodes' workers never take the same event at the same time. Targets, and events of state changes,
/// are written by the secrets and requests stores (<see cref="PostgresWebhookWrites"/>).
/// </summary>
internal sealed class PostgresWebhookStore(PostgresDatabase db, PostgresWebhookWrites writes) : IWebhookStore
{
    private static readonly Dictionary<SubjectEvent, string> EnqueueSql = Enum.GetValues<SubjectEvent>().ToDictionary(e => e, e => $"""
        WITH subject AS (SELECT @id::bytea AS id),
        {PostgresWebhookWrites.Queue("queued", e, "subject", "m", viewsLeft: "@v::integer")}
        SELECT {PostgresWebhookWrites.CountOf("queued")}
        """);

    public async ValueTask<WebhookTarget?> FindTargetAsync(SecretId subject, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection, $"SELECT {WebhooksSchema.TargetColumns} FROM webhook_targets WHERE subject_id = @s", "s")
            .Bind("s", subject.ToByteArray());
        await using var r = await c.ExecuteReaderAsync(cancellationToken);
        return await r.ReadAsync(cancellationToken) ? ReadTarget(r) : null;
    }

    public async ValueTask<bool> EnqueueAsync(SecretId subject, SubjectEvent happened, int? viewsLeft, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection, EnqueueSql[happened], "id", "m", "v", "now")
            .Bind("id", subject.ToByteArray())
            .Bind("m", WebhookPayload.NewMessageId())
            .Bind("v", viewsLeft)
            .Bind("now", now.ToUnixTimeMilliseconds());
        var queued = (long)(await c.ExecuteScalarAsync(cancellationToken))!;
        writes.Queued(queued);
        return queued > 0;
    }

    public async ValueTask<IReadOnlyList<PendingDelivery>> ClaimDueAsync(DateTimeOffset now, DateTimeOffset leaseUntil, int max,
        CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection, """
            UPDATE webhook_outbox o SET next_attempt_at = @lease FROM webhook_targets t
            WHERE t.subject_id = o.subject_id AND o.seq IN (
              SELECT seq FROM webhook_outbox WHERE next_attempt_at <= @now ORDER BY next_attempt_at LIMIT @max FOR UPDATE SKIP LOCKED)
            RETURNING o.id, t.url, t.signing_key, o.body, o.attempts, o.created_at, o.event, o.views_left, t.kind, t.report_id, o.seq
            """, "lease", "now", "max")
            .Bind("lease", leaseUntil.ToUnixTimeMilliseconds())
            .Bind("now", now.ToUnixTimeMilliseconds())
            .Bind("max", max);
        await using var r = await c.ExecuteReaderAsync(cancellationToken);
        var claimed = new List<PendingDelivery>();
        while (await r.ReadAsync(cancellationToken))
        {
            var createdAt = DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(5));
            var body = r.IsDBNull(3)
                ? WebhookPayload.Build((WebhookSubject)r.GetInt32(8), (SubjectEvent)r.GetInt32(6), createdAt, SecretId.FromBytes(r.GetFieldValue<byte[]>(9)),
                    r.IsDBNull(7) ? null : r.GetInt32(7))
                : r.GetFieldValue<byte[]>(3);
            claimed.Add(new PendingDelivery(r.GetInt64(10), r.GetString(0), r.GetString(1), r.GetFieldValue<byte[]>(2), body, r.GetInt32(4), createdAt));
        }

        return claimed;
    }

    public async ValueTask RemoveAsync(IReadOnlyList<long> sequences, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection, "DELETE FROM webhook_outbox WHERE seq = ANY(@q)", "q")
            .Bind("q", sequences.ToArray());
        await c.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask RetryLaterAsync(long sequence, int attempts, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection,
            "UPDATE webhook_outbox SET attempts = @a, next_attempt_at = @n WHERE seq = @q", "a", "n", "q")
            .Bind("a", attempts)
            .Bind("n", nextAttemptAt.ToUnixTimeMilliseconds())
            .Bind("q", sequence);
        await c.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask<IReadOnlyList<WebhookTarget>> DueExpiriesAsync(DateTimeOffset now, int max, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection, $"""
            SELECT {WebhooksSchema.TargetColumns} FROM webhook_targets WHERE expiry_handled = false AND expires_at <= @now ORDER BY expires_at LIMIT @max
            """, "now", "max")
            .Bind("now", now.ToUnixTimeMilliseconds())
            .Bind("max", max);
        await using var r = await c.ExecuteReaderAsync(cancellationToken);
        var targets = new List<WebhookTarget>();
        while (await r.ReadAsync(cancellationToken))
        {
            targets.Add(ReadTarget(r));
        }

        return targets;
    }

    public async ValueTask MarkExpiryHandledAsync(SecretId subject, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection, "UPDATE webhook_targets SET expiry_handled = true WHERE subject_id = @s", "s")
            .Bind("s", subject.ToByteArray());
        await c.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask<int> PurgeTargetsAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection, """
            DELETE FROM webhook_targets t WHERE expiry_handled IN (false, true) AND expires_at < @b
              AND NOT EXISTS (SELECT 1 FROM webhook_outbox o WHERE o.subject_id = t.subject_id)
            """, "b")
            .Bind("b", before.ToUnixTimeMilliseconds());
        return await c.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask<long> PendingCountAsync(CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection, "SELECT count(*) FROM webhook_outbox");
        return (long)(await c.ExecuteScalarAsync(cancellationToken))!;
    }

    private static WebhookTarget ReadTarget(NpgsqlDataReader r) =>
        new(SecretId.FromBytes(r.GetFieldValue<byte[]>(0)), (WebhookSubject)r.GetInt32(1), SecretId.FromBytes(r.GetFieldValue<byte[]>(2)),
            r.GetString(3), r.GetFieldValue<byte[]>(4), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(5)));
}
