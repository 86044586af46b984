using System.Security.Cryptography;
using Parley.Server.Infrastructure.Text;

namespace Parley.Server.Features.Messaging;

/// <summary>Login nonces and bearer tokens: 32 random bytes, base64url; the server stores only their SHA-256.</summary>
internal static class MessagingTokens
{
    public const int Bytes = 32;

    public static (string Text, byte[] Raw, byte[] Hash) New()
    {
        var raw = new byte[Bytes];
        RandomNumberGenerator.Fill(raw);
        return (Base64Url.Encode(raw), raw, SHA256.HashData(raw));
    }

    /// <summary>SHA-256 of a 32-byte base64url value, or null when malformed.</summary>
    public static byte[]? HashOf(ReadOnlySpan<char> text)
    {
        Span<byte> raw = stackalloc byte[Bytes];
        if (!Base64Url.TryDecodeExact(text, raw))
        {
            return null;
        }

        var hash = SHA256.HashData(raw);
        CryptographicOperations.ZeroMemory(raw);
        return hash;
    }
}
