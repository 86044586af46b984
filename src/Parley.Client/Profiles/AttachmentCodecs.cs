using System.Text.Json.Serialization;

namespace Parley.Client.Profiles;

/// <summary>Codecs of the items attachments and disappearing messages keep (kinds Attachment, Timer, Expiry).</summary>
public static class AttachmentCodecs
{
    public static readonly ItemCodec<PendingAttachment> Pending = ItemCodec<PendingAttachment>.Json(AttachmentRecordJson.Default.PendingAttachment);
    public static readonly ItemCodec<ConversationTimer> Timer = ItemCodec<ConversationTimer>.Json(AttachmentRecordJson.Default.ConversationTimer);
    public static readonly ItemCodec<ExpiringMessage> Expiry = ItemCodec<ExpiringMessage>.Json(AttachmentRecordJson.Default.ExpiringMessage);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, AllowDuplicateProperties = false,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(PendingAttachment))]
[JsonSerializable(typeof(ConversationTimer))]
[JsonSerializable(typeof(ExpiringMessage))]
internal sealed partial class AttachmentRecordJson : JsonSerializerContext;
