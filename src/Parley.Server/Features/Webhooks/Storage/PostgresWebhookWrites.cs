namespace Parley.Server.Features.Webhooks.Storage;

/// <summary>
/// The webhook rows that the PostgreSQL stores of secrets and requests write in the same statement as their
/// own change (common table expressions: no round trip and no commit of their own): a subject's target with
/// its create, an event with the state change it reports. An event is queued only when the subject has a
/// target of a kind told of it. The statement reports how many it queued; <see cref="Queued"/> then wakes the
/// delivery worker.
/// </summary>
internal sealed class PostgresWebhookWrites(WebhookSignal signal)
{
    /// <summary>
    /// A common table expression <paramref name="name"/> that queues <paramref name="happened"/>, with message id
    /// <c>@</c><paramref name="messageId"/> at <c>@now</c>, for the row of CTE <paramref name="changed"/> (aliased
    /// <c>c</c>, its subject in column <c>id</c>) when its subject has a target told of the event and
    /// <paramref name="when"/> holds. <paramref name="viewsLeft"/> is the SQL for the views left the event reports.
    /// Count what it queued with <see cref="CountOf"/>.
    /// </summary>
    public static string Queue(string name, SubjectEvent happened, string changed, string messageId, string viewsLeft = "NULL::integer",
        string when = "true") => $"""
        {name} AS (
          INSERT INTO webhook_outbox (id, subject_id, event, views_left, created_at, next_attempt_at)
          SELECT @{messageId}, c.id, {(int)happened}, {viewsLeft}, @now, @now FROM {changed} c
          JOIN webhook_targets t ON t.subject_id = c.id AND t.kind IN ({WebhookPayload.KindsToldSql(happened)})
          WHERE {when}
          RETURNING 1)
        """;

    /// <summary>SQL for the number of events the <see cref="Queue"/> CTEs named <paramref name="names"/> queued.</summary>
    public static string CountOf(params string[] names) => string.Join(" + ", names.Select(n => $"(SELECT count(*) FROM {n})"));

    /// <summary>Wakes the delivery worker when a committed statement queued events.</summary>
    public void Queued(long events)
    {
        if (events > 0)
        {
            signal.Wake();
        }
    }
}
