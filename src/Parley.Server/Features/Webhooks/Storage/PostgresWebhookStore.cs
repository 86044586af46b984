using Npgsql;
using Parley.Server.Features.Secrets;
using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Features.Webhooks.Storage;

/// <summary>
/// PostgreSQL store, shareable by several nodes: a claim leases rows with <c>FOR UPDATE SKIP LOCKED</c>,
/// so two nodes' workers never take the same event at the same time.
/// </summary>
internal sealed class PostgresWebhookStore(PostgresDatabase db) : IWebhookStore
{
    private const string TargetColumns = "subject_id, kind, report_id, url, signing_key, expires_at";

    public async ValueTask AddTargetAsync(WebhookTarget t, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection,
            $"INSERT INTO webhook_targets ({TargetColumns}) VALUES (@s, @k, @r, @u, @key, @e)", "s", "k", "r", "u", "key", "e")
            .Bind("s", t.SubjectId.ToByteArray())
            .Bind("k", (int)t.Kind)
            .Bind("r", t.ReportId.ToByteArray())
            .Bind("u", t.Url)
            .Bind("key", t.SigningKey)
            .Bind("e", t.ExpiresAt.ToUnixTimeMilliseconds());
        await c.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask<WebhookTarget?> FindTargetAsync(SecretId subject, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection, $"SELECT {TargetColumns} FROM webhook_targets WHERE subject_id = @s", "s")
            .Bind("s", subject.ToByteArray());
        await using var r = await c.ExecuteReaderAsync(cancellationToken);
        return await r.ReadAsync(cancellationToken) ? ReadTarget(r) : null;
    }

    public async ValueTask<bool> EnqueueAsync(SecretId subject, SubjectEvent happened, int? viewsLeft, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        if (await FindTargetAsync(subject, cancellationToken) is not { } target
            || WebhookPayload.TypeFor(target.Kind, happened) is not { } type)
        {
            return false;
        }

        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection,
            "INSERT INTO webhook_outbox (id, subject_id, body, created_at, next_attempt_at) VALUES (@id, @s, @b, @now, @now)",
            "id", "s", "b", "now")
            .Bind("id", WebhookPayload.NewMessageId())
            .Bind("s", subject.ToByteArray())
            .Bind("b", WebhookPayload.Build(type, now, target.ReportId, viewsLeft))
            .Bind("now", now.ToUnixTimeMilliseconds());
        return await c.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async ValueTask<IReadOnlyList<PendingDelivery>> ClaimDueAsync(DateTimeOffset now, DateTimeOffset leaseUntil, int max,
        CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection, """
            UPDATE webhook_outbox o SET next_attempt_at = @lease FROM webhook_targets t
            WHERE t.subject_id = o.subject_id AND o.id IN (
              SELECT id FROM webhook_outbox WHERE next_attempt_at <= @now ORDER BY next_attempt_at LIMIT @max FOR UPDATE SKIP LOCKED)
            RETURNING o.id, t.url, t.signing_key, o.body, o.attempts, o.created_at
            """, "lease", "now", "max")
            .Bind("lease", leaseUntil.ToUnixTimeMilliseconds())
            .Bind("now", now.ToUnixTimeMilliseconds())
            .Bind("max", max);
        await using var r = await c.ExecuteReaderAsync(cancellationToken);
        var claimed = new List<PendingDelivery>();
        while (await r.ReadAsync(cancellationToken))
        {
            claimed.Add(new PendingDelivery(r.GetString(0), r.GetString(1), r.GetFieldValue<byte[]>(2), r.GetFieldValue<byte[]>(3),
                r.GetInt32(4), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(5))));
        }

        return claimed;
    }

    public async ValueTask RemoveAsync(string messageId, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection, "DELETE FROM webhook_outbox WHERE id = @id", "id")
            .Bind("id", messageId);
        await c.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask RetryLaterAsync(string messageId, int attempts, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection,
            "UPDATE webhook_outbox SET attempts = @a, next_attempt_at = @n WHERE id = @id", "a", "n", "id")
            .Bind("a", attempts)
            .Bind("n", nextAttemptAt.ToUnixTimeMilliseconds())
            .Bind("id", messageId);
        await c.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask<IReadOnlyList<WebhookTarget>> DueExpiriesAsync(DateTimeOffset now, int max, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection, $"""
            SELECT {TargetColumns} FROM webhook_targets WHERE NOT expiry_handled AND expires_at <= @now ORDER BY expires_at LIMIT @max
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
            DELETE FROM webhook_targets t WHERE expires_at < @b
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
