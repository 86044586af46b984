using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Parley.Client.Secrets;

/// <summary>
/// Manifest JSON (exact bytes, JSON.stringify escaping), padding, sealing and opening — docs/secret-format.md §2.
/// Writing a manifest that breaks the rules is a programming error (<see cref="ArgumentException"/>);
/// opening one that breaks them is an expected outcome (<see cref="SecretFormatException"/>).
/// </summary>
public static class ManifestCodec
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The canonical JSON bytes of <paramref name="manifest"/>.</summary>
    public static byte[] ToJson(SecretManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        Validate(manifest);
        var sb = new StringBuilder(64 + (manifest.Text?.Length ?? 0));
        sb.Append("{\"v\":1,\"text\":");
        if (manifest.Text is null)
        {
            sb.Append("null");
        }
        else
        {
            AppendString(sb, manifest.Text);
        }

        sb.Append(",\"files\":[");
        for (var i = 0; i < manifest.Files.Count; i++)
        {
            var f = manifest.Files[i];
            sb.Append(i == 0 ? "{\"name\":" : ",{\"name\":");
            AppendString(sb, f.Name);
            sb.Append(",\"size\":").Append(f.Size.ToString(System.Globalization.CultureInfo.InvariantCulture));
            sb.Append(",\"type\":");
            AppendString(sb, f.Type);
            sb.Append('}');
        }

        sb.Append("]}");
        return StrictUtf8.GetBytes(sb.ToString());
    }

    /// <summary>Checks <paramref name="manifest"/> against the format's rules; throws <see cref="ArgumentException"/>.</summary>
    public static void Validate(SecretManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var problem = Problem(manifest);
        if (problem is not null)
        {
            throw new ArgumentException(problem, nameof(manifest));
        }
    }

    /// <summary>Zero-pads <paramref name="json"/> to the next multiple of 256 bytes.</summary>
    public static byte[] Pad(ReadOnlySpan<byte> json)
    {
        var padded = new byte[SecretFormat.PaddedLength(json.Length)];
        json.CopyTo(padded);
        return padded;
    }

    /// <summary>Seals <paramref name="manifest"/> under MK with a fresh random nonce.</summary>
    public static byte[] Seal(SecretManifest manifest, ReadOnlySpan<byte> manifestKey)
    {
        Span<byte> nonce = stackalloc byte[SecretFormat.NonceSize];
        RandomNumberGenerator.Fill(nonce);
        return Seal(manifest, manifestKey, nonce);
    }

    /// <summary>sealedManifest = 0x01 ‖ nonce ‖ GCM(MK, nonce, "parley/secret/v1/manifest", padded JSON).</summary>
    internal static byte[] Seal(SecretManifest manifest, ReadOnlySpan<byte> manifestKey, ReadOnlySpan<byte> nonce)
    {
        RequireKey(manifestKey);
        if (nonce.Length != SecretFormat.NonceSize)
        {
            throw new ArgumentException("The nonce must be 12 bytes.", nameof(nonce));
        }

        var padded = Pad(ToJson(manifest));
        try
        {
            var sealedManifest = new byte[1 + SecretFormat.NonceSize + padded.Length + SecretFormat.TagSize];
            sealedManifest[0] = SecretFormat.Version;
            nonce.CopyTo(sealedManifest.AsSpan(1));
            var body = sealedManifest.AsSpan(1 + SecretFormat.NonceSize, padded.Length);
            var tag = sealedManifest.AsSpan(1 + SecretFormat.NonceSize + padded.Length);
            using var gcm = new AesGcm(manifestKey, SecretFormat.TagSize);
            gcm.Encrypt(nonce, padded, body, tag, SecretFormat.ManifestAad);
            return sealedManifest;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(padded);
        }
    }

    /// <summary>Opens a sealed manifest; throws <see cref="SecretFormatException"/> when it is not authentic or not valid.</summary>
    public static SecretManifest Open(ReadOnlySpan<byte> sealedManifest, ReadOnlySpan<byte> manifestKey)
    {
        RequireKey(manifestKey);
        if (sealedManifest.Length > 0 && sealedManifest[0] != SecretFormat.Version)
        {
            throw new SecretFormatException(SecretFormatError.UnsupportedVersion, "The manifest has an unsupported format version.");
        }

        if (sealedManifest.Length < SecretFormat.MinSealedManifestLength)
        {
            throw new SecretFormatException(SecretFormatError.Truncated, "The manifest is too short.");
        }

        var nonce = sealedManifest.Slice(1, SecretFormat.NonceSize);
        var bodyLength = sealedManifest.Length - 1 - SecretFormat.NonceSize - SecretFormat.TagSize;
        var body = sealedManifest.Slice(1 + SecretFormat.NonceSize, bodyLength);
        var tag = sealedManifest[^SecretFormat.TagSize..];
        var padded = new byte[bodyLength];
        try
        {
            try
            {
                using var gcm = new AesGcm(manifestKey, SecretFormat.TagSize);
                gcm.Decrypt(nonce, body, tag, padded, SecretFormat.ManifestAad);
            }
            catch (AuthenticationTagMismatchException)
            {
                throw new SecretFormatException(SecretFormatError.Unauthentic, "The manifest failed authentication.");
            }

            if (bodyLength % SecretFormat.ManifestPadding != 0)
            {
                throw new SecretFormatException(SecretFormatError.Malformed, "The manifest padding is invalid.");
            }

            var end = padded.AsSpan().LastIndexOfAnyExcept((byte)0) + 1;
            return FromJson(padded.AsSpan(0, end));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(padded);
        }
    }

    /// <summary>Parses manifest JSON strictly (duplicate members, types, limits); unknown members are ignored.</summary>
    public static SecretManifest FromJson(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 16 });
            Expect(reader.Read() && reader.TokenType == JsonTokenType.StartObject);
            bool seenV = false, seenText = false, seenFiles = false;
            string? text = null;
            var files = new List<ManifestFile>();
            while (true)
            {
                Expect(reader.Read());
                if (reader.TokenType == JsonTokenType.EndObject)
                {
                    break;
                }

                var member = reader.GetString();
                Expect(reader.Read());
                switch (member)
                {
                    case "v":
                        Expect(!seenV && reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var v) && v == 1);
                        seenV = true;
                        break;
                    case "text":
                        Expect(!seenText);
                        seenText = true;
                        if (reader.TokenType != JsonTokenType.Null)
                        {
                            Expect(reader.TokenType == JsonTokenType.String);
                            text = reader.GetString();
                            Expect(!string.IsNullOrEmpty(text));
                        }

                        break;
                    case "files":
                        Expect(!seenFiles && reader.TokenType == JsonTokenType.StartArray);
                        seenFiles = true;
                        ReadFiles(ref reader, files);
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }

            Expect(!reader.Read()); // nothing after the object
            Expect(seenV && seenText && seenFiles);
            var manifest = new SecretManifest(text, files);
            Expect(Problem(manifest) is null);
            return manifest;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new SecretFormatException(SecretFormatError.Malformed, "The manifest is not a valid v1 manifest.");
        }
    }

    private static void ReadFiles(ref Utf8JsonReader reader, List<ManifestFile> files)
    {
        while (true)
        {
            Expect(reader.Read());
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                return;
            }

            Expect(reader.TokenType == JsonTokenType.StartObject);
            string? name = null, type = null;
            long? size = null;
            while (true)
            {
                Expect(reader.Read());
                if (reader.TokenType == JsonTokenType.EndObject)
                {
                    break;
                }

                var member = reader.GetString();
                Expect(reader.Read());
                switch (member)
                {
                    case "name":
                        Expect(name is null && reader.TokenType == JsonTokenType.String);
                        name = reader.GetString();
                        break;
                    case "type":
                        Expect(type is null && reader.TokenType == JsonTokenType.String);
                        type = reader.GetString();
                        break;
                    case "size":
                        Expect(size is null && reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var s) && s >= 0);
                        size = reader.GetInt64();
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }

            Expect(name is not null && type is not null && size is not null);
            files.Add(new ManifestFile(name!, size!.Value, type!));
        }
    }

    private static string? Problem(SecretManifest manifest)
    {
        if (manifest.Text is null && manifest.Files.Count == 0)
        {
            return "A secret needs text, files, or both.";
        }

        if (manifest.Text is not null && (manifest.Text.Length == 0 || !SecretKeys.IsWellFormed(manifest.Text)))
        {
            return "The text must be non-empty, valid Unicode.";
        }

        long total = 0;
        foreach (var f in manifest.Files)
        {
            if (f.Name is null || !SecretKeys.IsWellFormed(f.Name) || StrictUtf8.GetByteCount(f.Name) is < 1 or > SecretFormat.MaxFileNameBytes)
            {
                return $"A file name must be 1 to {SecretFormat.MaxFileNameBytes} bytes of valid UTF-8.";
            }

            if (f.Type is null || f.Type.Length is < 1 or > SecretFormat.MaxMediaTypeLength || f.Type.Any(c => c is < ' ' or > '~'))
            {
                return "A media type must be 1 to 255 printable ASCII characters.";
            }

            if (f.Size is < 0 or > SecretFormat.MaxFileSize)
            {
                return "A file size is out of range.";
            }

            total += f.Size;
            if (total > SecretFormat.MaxStreamPlaintext)
            {
                return "The files are larger than a stream can carry.";
            }
        }

        return null;
    }

    // JSON.stringify's escaping: docs/secret-format.md §2 "Exact bytes".
    private static void AppendString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\b': sb.Append("\\b"); break;
                case '\t': sb.Append("\\t"); break;
                case '\n': sb.Append("\\n"); break;
                case '\f': sb.Append("\\f"); break;
                case '\r': sb.Append("\\r"); break;
                case < ' ':
                    sb.Append("\\u00").Append(((int)c).ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
                    break;
                default: sb.Append(c); break;
            }
        }

        sb.Append('"');
    }

    private static void Expect(bool condition)
    {
        if (!condition)
        {
            throw new FormatException();
        }
    }

    private static void RequireKey(ReadOnlySpan<byte> key)
    {
        if (key.Length != SecretFormat.KeySize)
        {
            throw new ArgumentException("The manifest key must be 32 bytes.", nameof(key));
        }
    }
}
