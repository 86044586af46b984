using System.Data;
using Npgsql;
using Parley.Server.Features.Secrets;
using Parley.Server.Features.Webhooks;
using Parley.Server.Features.Webhooks.Storage;
using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Features.Requests.Storage;

/// <summary>
/// PostgreSQL store, shareable by several nodes. The answer's compare-and-set is one <c>UPDATE</c>. A request's
/// webhook target, its answer's and the answer's event are written by the statement of the create or answer
/// (<see cref="PostgresWebhookWrites"/>).
/// </summary>
internal sealed class PostgresRequestStore(PostgresDatabase db, PostgresWebhookWrites webhooks) : IRequestStore
{
    /// <summary>The liveness rule (<see cref="RequestRecord.IsLive"/>) at <c>@now</c>.</summary>
    private static readonly string Live = RequestRecord.LiveSql("@now");

    private const string Columns =
        "token_verifier, send_verifier, label, created_at, expires_at, answer_secret_id, ephemeral_key, answered_at, destroyed_at";

    private const string Insert = """
        INSERT INTO secret_requests (id, token_verifier, send_verifier, label, created_at, expires_at)
        VALUES (@id, @tv, @sv, @l, @c, @e)
        """;

    /// <summary>The insert and, in the same statement, the request's webhook target (URL <c>@u</c>, key <c>@key</c>).</summary>
    private static readonly string InsertWithWebhook = $"""
        WITH created AS ({Insert} RETURNING id, expires_at)
        INSERT INTO webhook_targets ({WebhooksSchema.TargetColumns})
        SELECT id, {(int)WebhookSubject.Request}, id, @u, @key, expires_at FROM created
        """;

    public async ValueTask CreateAsync(NewRequest n, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = n.Webhook is { } webhook
            ? PostgresStatement.Create(connection, InsertWithWebhook, "id", "tv", "sv", "l", "c", "e", "u", "key")
                .Bind("u", webhook.Url)
                .Bind("key", webhook.SigningKey)
            : PostgresStatement.Create(connection, Insert, "id", "tv", "sv", "l", "c", "e");
        c.Bind("id", n.Id.ToByteArray())
            .Bind("tv", n.TokenVerifier)
            .Bind("sv", n.SendVerifier)
            .Bind("l", n.Label)
            .Bind("c", n.CreatedAt.ToUnixTimeMilliseconds())
            .Bind("e", n.ExpiresAt.ToUnixTimeMilliseconds());
        await c.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask<RequestRecord?> FindAsync(SecretId id, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection, $"SELECT {Columns} FROM secret_requests WHERE id = @id", "id")
            .Bind("id", id.ToByteArray());
        await using var r = await c.ExecuteReaderAsync(CommandBehavior.SingleRow, cancellationToken);
        if (!await r.ReadAsync(cancellationToken))
        {
            return null;
        }

        var answer = r.IsDBNull(5) ? null
            : new RequestAnswer(SecretId.FromBytes(r.GetFieldValue<byte[]>(5)), r.GetFieldValue<byte[]>(6), Time(r.GetInt64(7)));
        return new RequestRecord(id, r.GetFieldValue<byte[]>(0), r.GetFieldValue<byte[]>(1), r.IsDBNull(2) ? null : r.GetString(2),
            Time(r.GetInt64(3)), Time(r.GetInt64(4)), answer, r.IsDBNull(8) ? null : Time(r.GetInt64(8)));
    }

    /// <summary>The answer's compare-and-set with its webhook rows, in one statement (see <see cref="TryAnswerAsync"/>).</summary>
    private static readonly string AnswerSql = $"""
        WITH answered AS (
          UPDATE secret_requests SET answer_secret_id = @s, ephemeral_key = @k, answered_at = @now
          WHERE id = @id AND {Live} AND answer_secret_id IS NOT DISTINCT FROM @expected
          RETURNING id),
        answer_target AS (
          INSERT INTO webhook_targets ({WebhooksSchema.TargetColumns})
          SELECT @s, {(int)WebhookSubject.RequestAnswer}, t.report_id, t.url, t.signing_key, t.expires_at
          FROM answered a JOIN webhook_targets t ON t.subject_id = a.id AND t.kind = {(int)WebhookSubject.Request}),
        {PostgresWebhookWrites.Queue("told", SubjectEvent.Answered, "answered", "answered_id")}
        SELECT count(*), {PostgresWebhookWrites.CountOf("told")} FROM answered
        """;

    public async ValueTask<AnswerRefusal?> TryAnswerAsync(SecretId id, SecretId? expected, RequestAnswer answer, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        // Under READ COMMITTED a racing UPDATE waits for the first one's commit, then re-checks the
        // WHERE clause on the new row version: the second answer finds answer_secret_id changed.
        // The condition is RequestRecord.AnswerRefusalAt's "no refusal". The same statement gives the
        // answer's secret the request's webhook target and queues the request's event.
        await using var c = PostgresStatement.Create(connection, AnswerSql, "id", "s", "k", "now", "expected", "answered_id")
            .Bind("id", id.ToByteArray())
            .Bind("s", answer.SecretId.ToByteArray())
            .Bind("k", answer.EphemeralKey)
            .Bind("now", now.ToUnixTimeMilliseconds())
            .Bind("expected", expected?.ToByteArray())
            .Bind("answered_id", WebhookPayload.NewMessageId());
        await using (var r = await c.ExecuteReaderAsync(cancellationToken))
        {
            await r.ReadAsync(cancellationToken);
            if (r.GetInt64(0) == 1)
            {
                webhooks.Queued(r.GetInt64(1));
                return null;
            }
        }

        // The rule judges the record as read right after. A request only moves forward (answered again,
        // destroyed, expired), so it still refuses; should it not, the write lost to another answer.
        return await FindAsync(id, cancellationToken) is { } record
            ? record.AnswerRefusalAt(now, expected) ?? AnswerRefusal.AlreadyAnswered
            : AnswerRefusal.NotFound;
    }

    public async ValueTask<bool> DestroyAsync(SecretId id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection, $"""
            UPDATE secret_requests SET destroyed_at = @now, label = NULL
            WHERE id = @id AND {Live}
            """, "id", "now")
            .Bind("id", id.ToByteArray())
            .Bind("now", now.ToUnixTimeMilliseconds());
        return await c.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async ValueTask<RequestSweepResult> SweepAsync(DateTimeOffset now, TimeSpan retention, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var labels = PostgresStatement.Create(connection,
            "UPDATE secret_requests SET label = NULL WHERE label IS NOT NULL AND expires_at <= @now", "now")
            .Bind("now", now.ToUnixTimeMilliseconds());
        var dropped = await labels.ExecuteNonQueryAsync(cancellationToken);
        await using var purge = PostgresStatement.Create(connection, "DELETE FROM secret_requests WHERE expires_at <= @cutoff", "cutoff")
            .Bind("cutoff", (now - retention).ToUnixTimeMilliseconds());
        return new RequestSweepResult(dropped, await purge.ExecuteNonQueryAsync(cancellationToken));
    }

    public async ValueTask<long> CountAsync(CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection, "SELECT count(*) FROM secret_requests");
        return (long)(await c.ExecuteScalarAsync(cancellationToken))!;
    }

    private static DateTimeOffset Time(long unixMilliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds);
}
