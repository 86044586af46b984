using System.Buffers.Text;

namespace Parley.Client.Secrets;

/// <summary>
/// base64url without padding (RFC 4648 §5) as docs/secret-format.md requires: decoding rejects
/// padding, whitespace, characters outside the alphabet and non-canonical encodings.
/// </summary>
public static class Base64UrlStrict
{
    public static string Encode(ReadOnlySpan<byte> bytes) => Base64Url.EncodeToString(bytes);

    /// <summary>Decodes <paramref name="text"/>; false when it is not canonical base64url.</summary>
    public static bool TryDecode(string? text, out byte[] bytes)
    {
        bytes = [];
        if (text is null || text.Length % 4 == 1)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!IsAlphabet(c))
            {
                return false;
            }
        }

        var decoded = new byte[Base64Url.GetMaxDecodedLength(text.Length)];
        var status = Base64Url.DecodeFromChars(text, decoded, out var consumed, out var written);
        if (status != System.Buffers.OperationStatus.Done || consumed != text.Length)
        {
            return false;
        }

        decoded = decoded[..written];
        if (!string.Equals(Base64Url.EncodeToString(decoded), text, StringComparison.Ordinal))
        {
            return false; // unused trailing bits were set
        }

        bytes = decoded;
        return true;
    }

    /// <summary>Decodes exactly <paramref name="length"/> bytes; false for anything else.</summary>
    public static bool TryDecode(string? text, int length, out byte[] bytes) =>
        TryDecode(text, out bytes) && bytes.Length == length;

    /// <summary>Number of characters that <paramref name="byteCount"/> bytes encode to.</summary>
    public static int EncodedLength(int byteCount) => Base64Url.GetEncodedLength(byteCount);

    internal static bool IsAlphabet(char c) =>
        c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_';
}
