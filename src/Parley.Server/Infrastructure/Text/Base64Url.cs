
namespace Parley.Server.Infrastructure.Text;

/// <summary>
/// Strict base64url (RFC 4648 §5, no padding) as docs/secret-format.md requires: only the url-safe
/// alphabet, no padding or whitespace, and canonical encodings only (unused trailing bits zero).
/// The BCL decoder is lenient about whitespace, so characters are checked here first.
/// </summary>
internal static class Base64Url
{
    public static int EncodedLength(int bytes) => System.Buffers.Text.Base64Url.GetEncodedLength(bytes);

    public static string Encode(ReadOnlySpan<byte> bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);

    /// <summary>Decodes exactly <c>destination.Length</c> bytes, or fails.</summary>
    public static bool TryDecodeExact(ReadOnlySpan<char> text, Span<byte> destination)
    {
        if (text.Length != EncodedLength(destination.Length) || !IsAlphabet(text))
        {
            return false;
        }

        return System.Buffers.Text.Base64Url.DecodeFromChars(text, destination, out _, out var written) == System.Buffers.OperationStatus.Done
            && written == destination.Length
            && IsCanonical(text, destination);
    }

    /// <summary>Decodes a value of any length up to <paramref name="maxBytes"/>; null when malformed or longer.</summary>
    public static byte[]? TryDecode(ReadOnlySpan<char> text, int maxBytes)
    {
        if (text.Length % 4 == 1 || text.Length > EncodedLength(maxBytes) || !IsAlphabet(text))
        {
            return null;
        }

        var bytes = new byte[System.Buffers.Text.Base64Url.GetMaxDecodedLength(text.Length)];
        if (System.Buffers.Text.Base64Url.DecodeFromChars(text, bytes, out _, out var written) != System.Buffers.OperationStatus.Done
            || written != bytes.Length || !IsCanonical(text, bytes))
        {
            return null;
        }

        return bytes;
    }

    private static bool IsAlphabet(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!(c is >= 'A' and <= 'Z' or >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }

    // The last character of an unpadded encoding carries 2 or 4 unused bits; they must be zero, so
    // that every value has exactly one accepted spelling.
    private static bool IsCanonical(ReadOnlySpan<char> text, ReadOnlySpan<byte> decoded)
    {
        var unusedBits = (text.Length % 4) switch { 2 => 4, 3 => 2, _ => 0 };
        if (unusedBits == 0)
        {
            return true;
        }

        var last = text[^1];
        var value = last switch
        {
            >= 'A' and <= 'Z' => last - 'A',
            >= 'a' and <= 'z' => last - 'a' + 26,
            >= '0' and <= '9' => last - '0' + 52,
            '-' => 62,
            _ => 63,
        };
        return decoded.Length > 0 && (value & ((1 << unusedBits) - 1)) == 0;
    }
}
