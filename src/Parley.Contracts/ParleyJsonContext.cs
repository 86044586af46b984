using System.Text.Json;
using System.Text.Json.Serialization;
using Parley.Contracts.Secrets;

namespace Parley.Contracts;

/// <summary>
/// Source-generated JSON metadata for every contract, with web defaults (camelCase) made strict:
/// member names match exactly (no other case), a member may appear once, unknown members are refused.
/// Server and clients serialize through it so both agree on names and neither pays for reflection.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    PropertyNameCaseInsensitive = false,
    AllowDuplicateProperties = false,
    NumberHandling = JsonNumberHandling.Strict,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(SecretsConfigResponse))]
[JsonSerializable(typeof(CreateSecretRequest))]
[JsonSerializable(typeof(CreateSecretResponse))]
[JsonSerializable(typeof(UploadCompleteResponse))]
[JsonSerializable(typeof(SecretLookResponse))]
[JsonSerializable(typeof(OpenSecretRequest))]
[JsonSerializable(typeof(OpenSecretResponse))]
[JsonSerializable(typeof(SecretStatusResponse))]
public sealed partial class ParleyJsonContext : JsonSerializerContext;
