using System.Security.Cryptography;

namespace Parley.Crypto;

/// <summary>HKDF-SHA256 (RFC 5869, BCL). An empty salt means HashLen zero bytes, as the RFC specifies.</summary>
public static class HkdfSha256
{
    /// <summary>The longest output RFC 5869 allows: 255 × 32 bytes.</summary>
    public const int MaxOutputLength = 255 * 32;

    /// <exception cref="ArgumentException">The output is empty or longer than <see cref="MaxOutputLength"/>.</exception>
    public static byte[] DeriveKey(ReadOnlySpan<byte> inputKeyMaterial, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> info, int outputLength)
    {
        if (outputLength is <= 0 or > MaxOutputLength)
        {
            throw new ArgumentException($"HKDF-SHA256 output is 1 to {MaxOutputLength} bytes.", nameof(outputLength));
        }

        var output = new byte[outputLength];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, inputKeyMaterial, output, salt, info);
        return output;
    }

    /// <exception cref="ArgumentException">The output is empty or longer than <see cref="MaxOutputLength"/>.</exception>
    public static void DeriveKey(ReadOnlySpan<byte> inputKeyMaterial, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> info, Span<byte> output)
    {
        if (output.Length is <= 0 or > MaxOutputLength)
        {
            throw new ArgumentException($"HKDF-SHA256 output is 1 to {MaxOutputLength} bytes.", nameof(output));
        }

        HKDF.DeriveKey(HashAlgorithmName.SHA256, inputKeyMaterial, output, salt, info);
    }
}
