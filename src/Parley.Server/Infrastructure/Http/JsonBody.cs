using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Features;

namespace Parley.Server.Infrastructure.Http;

/// <summary>
/// Reads a JSON request body through Parley.Contracts' source-generated metadata, so that a wrong
/// content type, an oversized body and malformed JSON each get their own problem type.
/// </summary>
internal static class JsonBody
{
    public static async ValueTask<(T? Value, ProblemHttpResult? Problem)> ReadAsync<T>(
        HttpRequest request, JsonTypeInfo<T> typeInfo, long maxBytes)
        where T : class
    {
        if (!IsJson(request.ContentType))
        {
            return (null, Problems.UnsupportedMediaType("application/json"));
        }

        if (request.ContentLength > maxBytes)
        {
            return (null, Problems.PayloadTooLarge($"JSON bodies are limited to {maxBytes} bytes."));
        }

        var sizeFeature = request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false })
        {
            sizeFeature.MaxRequestBodySize = maxBytes;
        }

        try
        {
            var value = await JsonSerializer.DeserializeAsync(request.Body, typeInfo, request.HttpContext.RequestAborted);
            return value is null
                ? (null, Problems.InvalidRequest("The body must be a JSON object."))
                : (value, null);
        }
        catch (JsonException e)
        {
            // The serializer's messages name .NET types; answer with the JSON path only.
            var path = string.IsNullOrEmpty(e.Path) ? "$" : e.Path;
            return (null, Problems.InvalidRequest("The body is not valid JSON for this request: a member is missing, unknown (names are camelCase, matched exactly), repeated, or of the wrong type.",
                new Dictionary<string, string[]> { [path] = ["missing, unknown, repeated or malformed member"] }));
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, Problems.PayloadTooLarge($"JSON bodies are limited to {maxBytes} bytes."));
        }
    }

    public static bool IsJson(string? contentType) => HasMediaType(contentType, "application/json", allowCharset: true);

    /// <summary>True when <paramref name="contentType"/> is exactly <paramref name="mediaType"/> (case-insensitive), optionally with charset=utf-8.</summary>
    public static bool HasMediaType(string? contentType, string mediaType, bool allowCharset)
    {
        if (contentType is null)
        {
            return false;
        }

        var span = contentType.AsSpan();
        var semicolon = span.IndexOf(';');
        var type = (semicolon < 0 ? span : span[..semicolon]).Trim();
        if (!type.Equals(mediaType, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (semicolon < 0)
        {
            return true;
        }

        var parameter = span[(semicolon + 1)..].Trim();
        return allowCharset && (parameter.Equals("charset=utf-8", StringComparison.OrdinalIgnoreCase)
            || parameter.Equals("charset=\"utf-8\"", StringComparison.OrdinalIgnoreCase));
    }
}
