using Parley.Server.Features.Secrets;
using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Features.Webhooks.Storage;

/// <summary>
/// The webhook rows that the SQLite stores of secrets and requests write inside their own write jobs, so that
/// they commit with the change they belong to (one group commit, no write of their own): a subject's target
/// with its create, an event with the state change it reports. An event is queued only when the subject has a
/// target of a kind told of it. Queuing one wakes the delivery worker, whose claim goes through the same
/// writer and so runs after the batch that queued it has committed.
/// </summary>
internal sealed class SqliteWebhookWrites(WebhookSignal signal)
{
    /// <summary>One INSERT … SELECT per event, each limited to the kinds of target told of it.</summary>
    private static readonly Dictionary<SubjectEvent, string> QueueSql = Enum.GetValues<SubjectEvent>().ToDictionary(e => e, e => $"""
        INSERT INTO webhook_outbox (id, subject_id, event, views_left, created_at, next_attempt_at)
        SELECT $id, subject_id, {(int)e}, $v, $at, $at FROM webhook_targets
        WHERE subject_id = $s AND kind IN ({WebhookPayload.KindsToldSql(e)})
        """);

    public static void AddTarget(SqliteSession s, WebhookTarget t) =>
        s.Statement($"INSERT INTO webhook_targets ({WebhooksSchema.TargetColumns}) VALUES ($s, $k, $r, $u, $key, $e)", "$s", "$k", "$r", "$u", "$key", "$e")
            .Bind("$s", t.SubjectId.ToByteArray())
            .Bind("$k", (int)t.Kind)
            .Bind("$r", t.ReportId.ToByteArray())
            .Bind("$u", t.Url)
            .Bind("$key", t.SigningKey)
            .Bind("$e", t.ExpiresAt.ToUnixTimeMilliseconds())
            .ExecuteNonQuery();

    /// <summary>Gives the answer's secret the request's target, if it has one: its opening is reported under the request's id.</summary>
    public static void AddAnswerTarget(SqliteSession s, SecretId request, SecretId answer) =>
        s.Statement($"""
            INSERT INTO webhook_targets ({WebhooksSchema.TargetColumns})
            SELECT $a, {(int)WebhookSubject.RequestAnswer}, report_id, url, signing_key, expires_at FROM webhook_targets
            WHERE subject_id = $r AND kind = {(int)WebhookSubject.Request}
            """, "$a", "$r")
            .Bind("$a", answer.ToByteArray())
            .Bind("$r", request.ToByteArray())
            .ExecuteNonQuery();

    /// <summary>Queues <paramref name="happened"/> for the subject's target, if it has one told of it; true when it did.</summary>
    public bool Queue(SqliteSession s, SecretId subject, SubjectEvent happened, int? viewsLeft, DateTimeOffset at)
    {
        var queued = s.Statement(QueueSql[happened], "$id", "$s", "$v", "$at")
            .Bind("$id", WebhookPayload.NewMessageId())
            .Bind("$s", subject.ToByteArray())
            .Bind("$v", viewsLeft)
            .Bind("$at", at.ToUnixTimeMilliseconds())
            .ExecuteNonQuery() > 0;
        if (queued)
        {
            signal.Wake();
        }

        return queued;
    }
}
