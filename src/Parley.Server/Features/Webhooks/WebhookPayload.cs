using System.Security.Cryptography;
using System.Text.Json;
using Parley.Contracts.Webhooks;
using Parley.Server.Features.Secrets;
using Parley.Server.Infrastructure.Text;

namespace Parley.Server.Features.Webhooks;

/// <summary>
/// The body of a webhook: <c>{"type", "timestamp", "data": {"id", "viewsLeft"?}}</c>. Built once when
/// the event is queued so that every retry signs the same bytes. It never holds content, keys, tokens
/// or links.
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

    public static byte[] Build(string type, DateTimeOffset at, SecretId reportId, int? viewsLeft)
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
    public static string NewMessageId() => "msg_" + Base64Url.Encode(RandomNumberGenerator.GetBytes(16));
}
