using Microsoft.Data.Sqlite;
using Parley.Server.Features.Secrets;
using Parley.Server.Features.Webhooks;
using Parley.Server.Features.Webhooks.Storage;
using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Features.Requests.Storage;

/// <summary>
/// SQLite store in the shared database file. The answer's compare-and-set is one <c>UPDATE</c>. A request's
/// webhook target, its answer's and the answer's event are written in the write job of the create or answer
/// (<see cref="SqliteWebhookWrites"/>).
/// </summary>
internal sealed class SqliteRequestStore(SqliteDatabase db, SqliteWebhookWrites webhooks) : IRequestStore
{
    /// <summary>The liveness rule (<see cref="RequestRecord.IsLive"/>) at <c>$now</c>.</summary>
    private static readonly string Live = RequestRecord.LiveSql("$now");

    private const string Columns =
        "token_verifier, send_verifier, label, created_at, expires_at, answer_secret_id, ephemeral_key, answered_at, destroyed_at";

    public async ValueTask CreateAsync(NewRequest request, CancellationToken cancellationToken)
    {
        await db.WriteBatchedAsync(request, static (s, n) =>
        {
            var c = s.Statement("""
                INSERT INTO secret_requests (id, token_verifier, send_verifier, label, created_at, expires_at)
                VALUES ($id, $tv, $sv, $l, $c, $e)
                """, "$id", "$tv", "$sv", "$l", "$c", "$e")
                .Bind("$id", n.Id.ToByteArray())
                .Bind("$tv", n.TokenVerifier)
                .Bind("$sv", n.SendVerifier)
                .Bind("$l", n.Label)
                .Bind("$c", n.CreatedAt.ToUnixTimeMilliseconds())
                .Bind("$e", n.ExpiresAt.ToUnixTimeMilliseconds());
            var inserted = c.ExecuteNonQuery();
            if (n.WebhookTarget is { } target)
            {
                SqliteWebhookWrites.AddRequestTarget(s, target);
            }

            return inserted;
        }, cancellationToken);
    }

    public async ValueTask<RequestRecord?> FindAsync(SecretId id, CancellationToken cancellationToken) =>
        await db.ReadAsync(id, static (s, id) => Find(s, id), cancellationToken);

    private static RequestRecord? Find(SqliteSession s, SecretId id)
    {
        var c = s.Statement($"SELECT {Columns} FROM secret_requests WHERE id = $id", "$id")
            .Bind("$id", id.ToByteArray());
        using var r = c.ExecuteReader();
        if (!r.Read())
        {
            return null;
        }

        var answer = r.IsDBNull(5) ? null
            : new RequestAnswer(SecretId.FromBytes((byte[])r.GetValue(5)), (byte[])r.GetValue(6), Time(r.GetInt64(7)));
        return new RequestRecord(id, (byte[])r.GetValue(0), (byte[])r.GetValue(1), r.IsDBNull(2) ? null : r.GetString(2),
            Time(r.GetInt64(3)), Time(r.GetInt64(4)), answer, r.IsDBNull(8) ? null : Time(r.GetInt64(8)));
    }

    public async ValueTask<AnswerRefusal?> TryAnswerAsync(SecretId id, SecretId? expected, RequestAnswer answer, DateTimeOffset now,
        CancellationToken cancellationToken) =>
        await db.WriteBatchedAsync((id, expected, answer, now, webhooks), static (s, a) =>
        {
            // The UPDATE's condition is RequestRecord.AnswerRefusalAt's "no refusal"; when it matches no row,
            // the rule judges the record as read in the same transaction.
            var c = s.Statement($"""
                UPDATE secret_requests SET answer_secret_id = $s, ephemeral_key = $k, answered_at = $now
                WHERE id = $id AND {Live} AND answer_secret_id IS $expected
                """, "$id", "$s", "$k", "$now", "$expected")
                .Bind("$id", a.id.ToByteArray())
                .Bind("$s", a.answer.SecretId.ToByteArray())
                .Bind("$k", a.answer.EphemeralKey)
                .Bind("$now", a.now.ToUnixTimeMilliseconds())
                .Bind("$expected", a.expected?.ToByteArray());
            if (c.ExecuteNonQuery() == 1)
            {
                SqliteWebhookWrites.AddAnswerTarget(s, a.id, a.answer.SecretId);
                a.webhooks.Queue(s, a.id, SubjectEvent.Answered, null, a.now);
                return (AnswerRefusal?)null;
            }

            // Nothing written although the rule finds no refusal cannot be "recorded": another answer won in between.
            return Find(s, a.id) is { } record ? record.AnswerRefusalAt(a.now, a.expected) ?? AnswerRefusal.AlreadyAnswered : AnswerRefusal.NotFound;
        }, cancellationToken);

    public async ValueTask<bool> DestroyAsync(SecretId id, DateTimeOffset now, CancellationToken cancellationToken) =>
        await db.WriteBatchedAsync((id, now), static (s, a) =>
        {
            var c = s.Statement($"""
                UPDATE secret_requests SET destroyed_at = $now, label = NULL
                WHERE id = $id AND {Live}
                """, "$id", "$now")
                .Bind("$id", a.id.ToByteArray())
                .Bind("$now", a.now.ToUnixTimeMilliseconds());
            return c.ExecuteNonQuery() == 1;
        }, cancellationToken);

    public async ValueTask<RequestSweepResult> SweepAsync(DateTimeOffset now, TimeSpan retention, CancellationToken cancellationToken) =>
        await db.WriteBatchedAsync((now.ToUnixTimeMilliseconds(), (now - retention).ToUnixTimeMilliseconds()), static (s, a) =>
        {
            var labels = s.Statement("UPDATE secret_requests SET label = NULL WHERE label IS NOT NULL AND expires_at <= $now", "$now")
                .Bind("$now", a.Item1);
            var dropped = labels.ExecuteNonQuery();
            var purge = s.Statement("DELETE FROM secret_requests WHERE expires_at <= $cutoff", "$cutoff")
                .Bind("$cutoff", a.Item2);
            return new RequestSweepResult(dropped, purge.ExecuteNonQuery());
        }, cancellationToken);

    public async ValueTask<long> CountAsync(CancellationToken cancellationToken) =>
        await db.ReadAsync(0, static (s, _) => (long)s.Statement("SELECT count(*) FROM secret_requests").ExecuteScalar()!, cancellationToken);

    private static DateTimeOffset Time(long unixMilliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds);
}
