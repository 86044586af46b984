using System.Text.Json;
using Parley.Client.Secrets;
using Parley.Testing;

namespace Parley.Client.Tests;

/// <summary>
/// docs/secret-format-vectors.json, produced by scripts/secret-vectors.mjs: an independent
/// JavaScript implementation of docs/secret-format.md on Node's WebCrypto.
/// </summary>
internal static class Vectors
{
    private static readonly Lazy<JsonDocument> Document = new(() =>
        JsonDocument.Parse(File.ReadAllBytes(RepoPaths.Combine("docs", "secret-format-vectors.json"))));

    public static JsonElement Root => Document.Value.RootElement;

    public static IEnumerable<JsonElement> Cases => Root.GetProperty("cases").EnumerateArray();

    public static JsonElement Case(string name) => Cases.Single(c => c.GetProperty("name").GetString() == name);

    public static TheoryData<string> CaseNames() => [.. Cases.Select(c => c.GetProperty("name").GetString()!)];

    public static TheoryData<string> CaseNamesWithFiles() =>
        [.. Cases.Where(c => c.GetProperty("stream").ValueKind != JsonValueKind.Null).Select(c => c.GetProperty("name").GetString()!)];

    public static byte[] Bytes(this JsonElement e, string member)
    {
        var text = e.GetProperty(member).GetString();
        Base64UrlStrict.TryDecode(text, out var bytes).ShouldBeTrue($"{member} is canonical base64url");
        return bytes;
    }

    public static byte[]? BytesOrNull(this JsonElement e, string member) =>
        e.GetProperty(member).ValueKind == JsonValueKind.Null ? null : e.Bytes(member);

    public static string? StringOrNull(this JsonElement e, string member) =>
        e.GetProperty(member).ValueKind == JsonValueKind.Null ? null : e.GetProperty(member).GetString();

    /// <summary>The plaintext bytes of one input file: explicit UTF-8, or the documented pattern.</summary>
    public static byte[] FileContent(JsonElement file)
    {
        var content = file.GetProperty("content");
        if (content.TryGetProperty("utf8", out var utf8))
        {
            return System.Text.Encoding.UTF8.GetBytes(utf8.GetString()!);
        }

        var pattern = content.GetProperty("pattern");
        var length = pattern.GetProperty("length").GetInt32();
        var seed = pattern.GetProperty("seed").GetInt32();
        var bytes = new byte[length];
        for (var j = 0; j < length; j++)
        {
            bytes[j] = (byte)((seed + (31L * j)) % 251);
        }

        return bytes;
    }

    public static SecretManifest Manifest(JsonElement inputs)
    {
        var files = inputs.GetProperty("files").EnumerateArray()
            .Select(f => new ManifestFile(f.GetProperty("name").GetString()!, FileContent(f).Length, f.GetProperty("type").GetString()!))
            .ToList();
        return new SecretManifest(inputs.StringOrNull("text"), files);
    }

    public static byte[] StreamPlaintext(JsonElement inputs) =>
        [.. inputs.GetProperty("files").EnumerateArray().SelectMany(FileContent)];

    public static PassphraseKdf? Kdf(JsonElement inputs) =>
        inputs.GetProperty("passphrase").ValueKind == JsonValueKind.Null
            ? null
            : new PassphraseKdf(inputs.Bytes("salt"), inputs.GetProperty("iterations").GetInt32());
}
