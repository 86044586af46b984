using System.Security.Cryptography;

namespace Parley.Crypto;

/// <summary>HMAC-SHA256 (BCL), with constant-time verification of full or truncated tags.</summary>
public static class HmacSha256
{
    public const int TagSize = 32;

    /// <summary>The shortest truncated tag <see cref="Verify"/> accepts (the Signal message MAC is 8 bytes).</summary>
    public const int MinimumTruncatedTagSize = 8;

    public static byte[] Compute(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data) => HMACSHA256.HashData(key, data);

    public static void Compute(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> tag)
    {
        if (tag.Length < TagSize)
        {
            throw new ArgumentException($"Need {TagSize} bytes.", nameof(tag));
        }

        HMACSHA256.HashData(key, data, tag);
    }

    /// <summary>
    /// True when <paramref name="tag"/> equals the first <c>tag.Length</c> bytes of the HMAC, compared
    /// in constant time.
    /// </summary>
    /// <exception cref="ArgumentException">The tag is shorter than 8 or longer than 32 bytes.</exception>
    public static bool Verify(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, ReadOnlySpan<byte> tag)
    {
        if (tag.Length is < MinimumTruncatedTagSize or > TagSize)
        {
            throw new ArgumentException($"An HMAC-SHA256 tag is {MinimumTruncatedTagSize} to {TagSize} bytes.", nameof(tag));
        }

        Span<byte> expected = stackalloc byte[TagSize];
        HMACSHA256.HashData(key, data, expected);
        var equal = CryptographicOperations.FixedTimeEquals(expected[..tag.Length], tag);
        CryptographicOperations.ZeroMemory(expected);
        return equal;
    }
}
