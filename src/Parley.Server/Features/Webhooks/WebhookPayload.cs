using System.Globalization;
using System.Text.Json;
using Parley.Contracts.Webhooks;
using Parley.Server.Features.Secrets;

namespace Parley.Server.Features.Webhooks;

/// <summary>
/// The body of a webhook: <c>{"type", "timestamp", "data": {"id", "viewsLeft"?}}</c>. The outbox keeps
/// the event (what happened, when, the views left) and the body is built from it and the target when the
/// event is sent: the same bytes on every retry. It never holds content, keys, tokens or links.
/// </summary>
internal static class WebhookPayload
{
    /// <summary>The payload type for an event on a kind of target; null when that target is not told.</summary>
    public static string? TypeFor(WebhookSubject kind, SubjectEvent happened) => (kind, happened) switch
    {
        (WebhookSubject.Secret, SubjectEvent.Opened) => WebhookEventTypes.SecretOpened,
        (WebhookSubject.Secret, SubjectEvent.FailedAttempt) => WebhookEventTypes.SecretFailedAttempt,
        (WebhookSubject.Secret, SubjectEvent.Burned) => WebhookEventTypes.SecretBurned,
        (WebhookSubject.Secret, SubjectEvent.Expired) => WebhookEventTypes.SecretExpired,
        (WebhookSubject.Secret, SubjectEvent.Destroyed) => WebhookEventTypes.SecretDestroyed,
        (WebhookSubject.Request, SubjectEvent.Answered) => WebhookEventTypes.RequestAnswered,
        (WebhookSubject.RequestAnswer, SubjectEvent.Opened) => WebhookEventTypes.RequestAnswerOpened,
        _ => null,
    };

    /// <summary>
    /// The kinds of target told of <paramref name="happened"/> as a SQL list (<c>1, 3</c>): the stores queue an
    /// event only for a target of one of these kinds.
    /// </summary>
    public static string KindsToldSql(SubjectEvent happened) => string.Join(", ",
        Enum.GetValues<WebhookSubject>().Where(k => TypeFor(k, happened) is not null).Select(k => ((int)k).ToString(CultureInfo.InvariantCulture)));

    /// <summary>The body of a queued event for a target of <paramref name="kind"/> (one told of <paramref name="happened"/>).</summary>
    public static byte[] Build(WebhookSubject kind, SubjectEvent happened, DateTimeOffset at, SecretId reportId, int? viewsLeft) =>
        Build(TypeFor(kind, happened) ?? throw new InvalidOperationException($"A {kind} target is not told of {happened}."), at, reportId, viewsLeft);

    private static byte[] Build(string type, DateTimeOffset at, SecretId reportId, int? viewsLeft)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("type", type);
            json.WriteString("timestamp", DateTimeOffset.FromUnixTimeMilliseconds(at.ToUnixTimeMilliseconds()));
            json.WriteStartObject("data");
            json.WriteString("id", reportId.ToString());
            if (viewsLeft is { } left)
            {
                json.WriteNumber("viewsLeft", left);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>A fresh <c>webhook-id</c>; a receiver drops a second delivery with the same id.</summary>
    public static string NewMessageId() => WebhookMessageIds.New();
}
