using System.Text.Json;
using System.Text.Json.Serialization;

namespace Parley.Contracts.Messaging;

/// <summary>Source-generated JSON metadata of the messaging contracts, with the same strict settings as <see cref="ParleyJsonContext"/>.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    PropertyNameCaseInsensitive = false,
    AllowDuplicateProperties = false,
    NumberHandling = JsonNumberHandling.Strict,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(RegisterRequest))]
[JsonSerializable(typeof(AccountResponse))]
[JsonSerializable(typeof(ChallengeRequest))]
[JsonSerializable(typeof(ChallengeResponse))]
[JsonSerializable(typeof(LoginRequest))]
[JsonSerializable(typeof(LoginResponse))]
[JsonSerializable(typeof(UploadPreKeysRequest))]
[JsonSerializable(typeof(PreKeyCountResponse))]
[JsonSerializable(typeof(PreKeyBundleResponse))]
[JsonSerializable(typeof(SendMessageRequest))]
[JsonSerializable(typeof(SendMessageResponse))]
[JsonSerializable(typeof(QueueResponse))]
[JsonSerializable(typeof(AckRequest))]
[JsonSerializable(typeof(AckResponse))]
[JsonSerializable(typeof(MessageStatusResponse))]
[JsonSerializable(typeof(QueuedQueryRequest))]
[JsonSerializable(typeof(QueuedQueryResponse))]
[JsonSerializable(typeof(CreateGroupRequest))]
[JsonSerializable(typeof(GroupResponse))]
[JsonSerializable(typeof(GroupListResponse))]
[JsonSerializable(typeof(AddMembersRequest))]
[JsonSerializable(typeof(SendGroupMessageRequest))]
[JsonSerializable(typeof(SendGroupMessageResponse))]
[JsonSerializable(typeof(PresenceResponse))]
[JsonSerializable(typeof(PresenceAllowedResponse))]
[JsonSerializable(typeof(MessagingConfigResponse))]
[JsonSerializable(typeof(GroupEvent))]
public sealed partial class MessagingJsonContext : JsonSerializerContext;
