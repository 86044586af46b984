using System.Text.Json;
using System.Text.Json.Serialization;

namespace Parley.Contracts.Blobs;

/// <summary>Source-generated JSON metadata of the blob contracts, with the same strict settings as <see cref="ParleyJsonContext"/>.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    PropertyNameCaseInsensitive = false,
    AllowDuplicateProperties = false,
    NumberHandling = JsonNumberHandling.Strict,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(CreateBlobRequest))]
[JsonSerializable(typeof(CreateBlobResponse))]
[JsonSerializable(typeof(BlobLimitsResponse))]
public sealed partial class BlobsJsonContext : JsonSerializerContext;
