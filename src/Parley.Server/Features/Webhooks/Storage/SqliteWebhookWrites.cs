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
    /// <summary>
    /// One INSERT … SELECT per event and per "then burned" (the change that reported it also burned the secret: its
    /// last view or last passphrase attempt), each limited to the kinds of target told of each event. Both events of
    /// such a change are one statement that reads the target once: on the writer thread, a second lookup of a
    /// random key costs about as much as the row it queues.
    /// </summary>
    private static readonly Dictionary<(SubjectEvent Happened, bool ThenBurned), string> QueueSql = Enum.GetValues<SubjectEvent>()
        .SelectMany(e => new[] { (e, false), (e, true) })
        .ToDictionary(k => k, k => k.Item2 ? QueueWithBurnedSql(k.Item1) : $"""
            INSERT INTO webhook_outbox (id, subject_id, event, views_left, created_at, next_attempt_at)
            SELECT $id, subject_id, {(int)k.Item1}, $v, $at, $at FROM webhook_targets
            WHERE subject_id = $s AND kind IN ({WebhookPayload.KindsToldSql(k.Item1)})
            """);

    /// <summary>
    /// <paramref name="happened"/> (id <c>$id</c>, views left <c>$v</c>) and then <c>secret.burned</c> (id <c>$burned_id</c>),
    /// in that order (CROSS JOIN keeps the VALUES as the outer loop), each for a target told of it.
    /// </summary>
    private static string QueueWithBurnedSql(SubjectEvent happened) => $"""
        INSERT INTO webhook_outbox (id, subject_id, event, views_left, created_at, next_attempt_at)
        SELECT e.column1, t.subject_id, e.column2, e.column3, $at, $at
        FROM (VALUES ($id, {(int)happened}, $v), ($burned_id, {(int)SubjectEvent.Burned}, 0)) e CROSS JOIN webhook_targets t
        WHERE t.subject_id = $s AND ((e.column2 = {(int)happened} AND t.kind IN ({WebhookPayload.KindsToldSql(happened)}))
          OR (e.column2 = {(int)SubjectEvent.Burned} AND t.kind IN ({WebhookPayload.KindsToldSql(SubjectEvent.Burned)})))
        """;

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

    /// <summary>
    /// Queues <paramref name="happened"/> for the subject's target, if it has one told of it, and when
    /// <paramref name="thenBurned"/> also <c>secret.burned</c> after it; true when it queued any.
    /// </summary>
    public bool Queue(SqliteSession s, SecretId subject, SubjectEvent happened, int? viewsLeft, DateTimeOffset at, bool thenBurned = false)
    {
        var statement = thenBurned
            ? s.Statement(QueueSql[(happened, true)], "$id", "$burned_id", "$s", "$v", "$at").Bind("$burned_id", WebhookPayload.NewMessageId())
            : s.Statement(QueueSql[(happened, false)], "$id", "$s", "$v", "$at");
        var queued = statement
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
