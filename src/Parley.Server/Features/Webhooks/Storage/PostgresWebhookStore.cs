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

    public async ValueTask AddTargetAsync(WebhookTarget t, CancellationToken cancellationToken) =>
        await ExecuteAsync($"INSERT INTO webhook_targets ({TargetColumns}) VALUES ($1, $2, $3, $4, $5, $6)", cancellationToken,
            t.SubjectId.ToByteArray(), (int)t.Kind, t.ReportId.ToByteArray(), t.Url, t.SigningKey, t.ExpiresAt.ToUnixTimeMilliseconds());

    public async ValueTask<WebhookTarget?> FindTargetAsync(SecretId subject, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = Command(connection, $"SELECT {TargetColumns} FROM webhook_targets WHERE subject_id = $1", subject.ToByteArray());
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

        return await ExecuteAsync(
            "INSERT INTO webhook_outbox (id, subject_id, body, created_at, next_attempt_at) VALUES ($1, $2, $3, $4, $4)",
            cancellationToken, WebhookPayload.NewMessageId(), subject.ToByteArray(), WebhookPayload.Build(type, now, target.ReportId, viewsLeft),
            now.ToUnixTimeMilliseconds()) == 1;
    }

    public async ValueTask<IReadOnlyList<PendingDelivery>> ClaimDueAsync(DateTimeOffset now, DateTimeOffset leaseUntil, int max,
        CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = Command(connection, """
            UPDATE webhook_outbox o SET next_attempt_at = $1 FROM webhook_targets t
            WHERE t.subject_id = o.subject_id AND o.id IN (
              SELECT id FROM webhook_outbox WHERE next_attempt_at <= $2 ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
            RETURNING o.id, t.url, t.signing_key, o.body, o.attempts, o.created_at
            """, leaseUntil.ToUnixTimeMilliseconds(), now.ToUnixTimeMilliseconds(), max);
        await using var r = await c.ExecuteReaderAsync(cancellationToken);
        var claimed = new List<PendingDelivery>();
        while (await r.ReadAsync(cancellationToken))
        {
            claimed.Add(new PendingDelivery(r.GetString(0), r.GetString(1), r.GetFieldValue<byte[]>(2), r.GetFieldValue<byte[]>(3),
                r.GetInt32(4), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(5))));
        }

        return claimed;
    }

    public async ValueTask RemoveAsync(string messageId, CancellationToken cancellationToken) =>
        await ExecuteAsync("DELETE FROM webhook_outbox WHERE id = $1", cancellationToken, messageId);

    public async ValueTask RetryLaterAsync(string messageId, int attempts, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken) =>
        await ExecuteAsync("UPDATE webhook_outbox SET attempts = $2, next_attempt_at = $3 WHERE id = $1", cancellationToken,
            messageId, attempts, nextAttemptAt.ToUnixTimeMilliseconds());

    public async ValueTask<IReadOnlyList<WebhookTarget>> DueExpiriesAsync(DateTimeOffset now, int max, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = Command(connection, $"""
            SELECT {TargetColumns} FROM webhook_targets WHERE NOT expiry_handled AND expires_at <= $1 ORDER BY expires_at LIMIT $2
            """, now.ToUnixTimeMilliseconds(), max);
        await using var r = await c.ExecuteReaderAsync(cancellationToken);
        var targets = new List<WebhookTarget>();
        while (await r.ReadAsync(cancellationToken))
        {
            targets.Add(ReadTarget(r));
        }

        return targets;
    }

    public async ValueTask MarkExpiryHandledAsync(SecretId subject, CancellationToken cancellationToken) =>
        await ExecuteAsync("UPDATE webhook_targets SET expiry_handled = true WHERE subject_id = $1", cancellationToken, subject.ToByteArray());

    public async ValueTask<int> PurgeTargetsAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        await ExecuteAsync("""
            DELETE FROM webhook_targets t WHERE expires_at < $1
              AND NOT EXISTS (SELECT 1 FROM webhook_outbox o WHERE o.subject_id = t.subject_id)
            """, cancellationToken, before.ToUnixTimeMilliseconds());

    public async ValueTask<long> PendingCountAsync(CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = Command(connection, "SELECT count(*) FROM webhook_outbox");
        return (long)(await c.ExecuteScalarAsync(cancellationToken))!;
    }

    private async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params object[] values)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = Command(connection, sql, values);
        return await c.ExecuteNonQueryAsync(cancellationToken);
    }

    private static WebhookTarget ReadTarget(NpgsqlDataReader r) =>
        new(SecretId.FromBytes(r.GetFieldValue<byte[]>(0)), (WebhookSubject)r.GetInt32(1), SecretId.FromBytes(r.GetFieldValue<byte[]>(2)),
            r.GetString(3), r.GetFieldValue<byte[]>(4), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(5)));

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, params object[] values)
    {
        var c = new NpgsqlCommand(sql, connection);
        foreach (var value in values)
        {
            c.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        return c;
    }
}
