using Microsoft.Data.Sqlite;
using Parley.Server.Features.Secrets;
using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Features.Webhooks.Storage;

/// <summary>
/// The webhook rows and columns that the SQLite stores of secrets and requests write inside their own write jobs, so
/// that they commit with the change they belong to (one group commit, no write of their own): a secret's target on its
/// own row (the <c>webhook_*</c> columns of <c>secrets</c>), a request's in <c>webhook_targets</c>, an event with the
/// state change it reports. An outbox row carries its target (copied from the row the change has just updated), so the
/// delivery worker looks nothing up; a change that also burned the secret queues both of its events in one row. An
/// event is queued only for a target of a kind told of it. Queuing one wakes the delivery worker, whose claim goes through the same
/// writer and so runs after the batch that queued it has committed.
/// </summary>
internal sealed class SqliteWebhookWrites(WebhookSignal signal)
{
    /// <summary>What a secret's row adds to an INSERT's column list for its target (bound by <see cref="BindSecretTarget"/>).</summary>
    public const string SecretTargetColumns = "webhook_kind, webhook_report_id, webhook_url, webhook_key";

    /// <summary>The parameters of <see cref="SecretTargetColumns"/>, in order.</summary>
    public const string SecretTargetValues = "$wh_kind, $wh_report, $wh_url, $wh_key";

    /// <summary>
    /// What an UPDATE … RETURNING on <c>secrets</c> lists to learn whether the secret has a target, and of which kind
    /// (read back by <see cref="ReadSecretTargetKind"/>): a change queues an event only for a target told of it.
    /// </summary>
    public const string SecretTargetReturning = "webhook_kind";

    /// <summary>A secret's target as the outbox's <c>kind, report_id, url, signing_key</c>, selected from its row.</summary>
    private const string SecretTargetAsOutbox = "webhook_kind, coalesce(webhook_report_id, id), webhook_url, webhook_key";

    private const string OutboxColumns =
        "id, subject_id, event, views_left, created_at, next_attempt_at, kind, report_id, url, signing_key, then_burned";

    /// <summary>
    /// An event for the secret's target, copied from the secret's row that the change has just updated (its pages are at
    /// hand, and four parameters are bound instead of ten), with <c>then_burned</c> set when <c>secret.burned</c> follows it.
    /// </summary>
    private static readonly Dictionary<(SubjectEvent Happened, bool ThenBurned), string> QueueForSecretSql = Enum.GetValues<SubjectEvent>()
        .SelectMany(e => new[] { (e, false), (e, true) })
        .ToDictionary(k => k, k => $"""
            INSERT INTO webhook_outbox ({OutboxColumns})
            SELECT $id, id, {(int)k.Item1}, $v, $at, $at, {SecretTargetAsOutbox}, {(k.Item2 ? 1 : 0)}
            FROM secrets WHERE id = $s
            """);

    /// <summary>
    /// An event for whichever target the subject has (on its secret's row or in <c>webhook_targets</c>), if of a kind told
    /// of it: for the changes that do not read the subject's row (an answered request, an expiry).
    /// </summary>
    private static readonly Dictionary<SubjectEvent, string> QueueLookedUpSql = Enum.GetValues<SubjectEvent>().ToDictionary(e => e, e => $"""
        INSERT INTO webhook_outbox ({OutboxColumns})
        SELECT $id, id, {(int)e}, $v, $at, $at, {SecretTargetAsOutbox}, 0 FROM secrets
        WHERE id = $s AND webhook_kind IN ({WebhookPayload.KindsToldSql(e)})
        UNION ALL
        SELECT $id, subject_id, {(int)e}, $v, $at, $at, kind, report_id, url, signing_key, 0 FROM webhook_targets
        WHERE subject_id = $s AND kind IN ({WebhookPayload.KindsToldSql(e)})
        """);

    /// <summary>Binds a secret's target (or none) to the <see cref="SecretTargetValues"/> of an INSERT into <c>secrets</c>.</summary>
    public static Statement<SqliteCommand> BindSecretTarget(Statement<SqliteCommand> insert, WebhookTarget? target) => insert
        .Bind("$wh_kind", (int?)target?.Kind)
        .Bind("$wh_report", target is null || target.ReportId == target.SubjectId ? null : target.ReportId.ToByteArray())
        .Bind("$wh_url", target?.Url)
        .Bind("$wh_key", target?.SigningKey);

    /// <summary>The kind <see cref="SecretTargetReturning"/> gave at <paramref name="ordinal"/>; null without a target.</summary>
    public static WebhookSubject? ReadSecretTargetKind(SqliteDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : (WebhookSubject)r.GetInt32(ordinal);

    /// <summary>A request's target (a secret's is a part of its row: <see cref="BindSecretTarget"/>).</summary>
    public static void AddRequestTarget(SqliteSession s, WebhookTarget t) =>
        s.Statement($"INSERT INTO webhook_targets ({WebhooksSchema.TargetColumns}) VALUES ($s, $k, $r, $u, $key, $e)", "$s", "$k", "$r", "$u", "$key", "$e")
            .Bind("$s", t.SubjectId.ToByteArray())
            .Bind("$k", (int)t.Kind)
            .Bind("$r", t.ReportId.ToByteArray())
            .Bind("$u", t.Url)
            .Bind("$key", t.SigningKey)
            .Bind("$e", t.ExpiresAt.ToUnixTimeMilliseconds())
            .ExecuteNonQuery();

    /// <summary>
    /// Gives the answer's secret (already stored) the request's target, if it has one: its opening is reported under the
    /// request's id.
    /// </summary>
    public static void AddAnswerTarget(SqliteSession s, SecretId request, SecretId answer) =>
        s.Statement($"""
            UPDATE secrets SET webhook_kind = {(int)WebhookSubject.RequestAnswer}, webhook_report_id = t.report_id, webhook_url = t.url,
              webhook_key = t.signing_key
            FROM webhook_targets t WHERE secrets.id = $a AND t.subject_id = $r AND t.kind = {(int)WebhookSubject.Request}
            """, "$a", "$r")
            .Bind("$a", answer.ToByteArray())
            .Bind("$r", request.ToByteArray())
            .ExecuteNonQuery();

    /// <summary>
    /// Queues <paramref name="happened"/> for the target of kind <paramref name="kind"/> on the secret's row (the change
    /// has just read the kind), if it is told of it, and when <paramref name="thenBurned"/> also <c>secret.burned</c> after
    /// it, in the same outbox row; true when it queued any.
    /// </summary>
    public bool Queue(SqliteSession s, SecretId subject, WebhookSubject? kind, SubjectEvent happened, int? viewsLeft, DateTimeOffset at,
        bool thenBurned = false)
    {
        if (kind is not { } k)
        {
            return false;
        }

        var tellHappened = WebhookPayload.TypeFor(k, happened) is not null;
        var tellBurned = thenBurned && WebhookPayload.TypeFor(k, SubjectEvent.Burned) is not null;
        if (!tellHappened && !tellBurned)
        {
            return false;
        }

        s.Statement(QueueForSecretSql[tellHappened ? (happened, tellBurned) : (SubjectEvent.Burned, false)], "$id", "$s", "$v", "$at")
            .Bind("$id", WebhookPayload.NewMessageId())
            .Bind("$s", subject.ToByteArray())
            .Bind("$v", tellHappened ? viewsLeft : 0)
            .Bind("$at", at.ToUnixTimeMilliseconds())
            .ExecuteNonQuery();
        signal.Wake();
        return true;
    }

    /// <summary>
    /// Queues <paramref name="happened"/> for the subject's target, looked up (see <see cref="QueueLookedUpSql"/>); true when
    /// it queued one.
    /// </summary>
    public bool Queue(SqliteSession s, SecretId subject, SubjectEvent happened, int? viewsLeft, DateTimeOffset at)
    {
        var queued = s.Statement(QueueLookedUpSql[happened], "$id", "$s", "$v", "$at")
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
