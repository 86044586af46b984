using System.Text.Json;
using System.Text.Json.Serialization;

namespace Parley.Contracts.Requests;

/// <summary>Source-generated JSON metadata of the request contracts, with the same strict settings as <see cref="ParleyJsonContext"/>.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    PropertyNameCaseInsensitive = false,
    AllowDuplicateProperties = false,
    NumberHandling = JsonNumberHandling.Strict,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(CreateRequestRequest))]
[JsonSerializable(typeof(CreateRequestResponse))]
[JsonSerializable(typeof(RequestLookResponse))]
[JsonSerializable(typeof(AnswerRequestRequest))]
[JsonSerializable(typeof(AnswerRequestResponse))]
[JsonSerializable(typeof(RequestAnswerResponse))]
[JsonSerializable(typeof(RequestStatusResponse))]
public sealed partial class RequestsJsonContext : JsonSerializerContext;
