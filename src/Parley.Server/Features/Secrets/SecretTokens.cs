using System.Security.Cryptography;
using Parley.Server.Infrastructure.Text;

namespace Parley.Server.Features.Secrets;

/// <summary>
/// Manage and download tokens (32 random bytes, base64url) and the hashes the server keeps of them
/// and of access keys. Only hashes are stored; comparisons are constant-time.
/// </summary>
internal static class SecretTokens
{
    public const int TokenBytes = 32;
    public const int HashBytes = 32;

    /// <summary>A fresh token and its SHA-256.</summary>
    public static (string Token, byte[] Hash) NewToken()
    {
        Span<byte> token = stackalloc byte[TokenBytes];
        RandomNumberGenerator.Fill(token);
        var hash = SHA256.HashData(token);
        var text = Base64Url.Encode(token);
        CryptographicOperations.ZeroMemory(token);
        return (text, hash);
    }

    /// <summary>SHA-256 of a 32-byte base64url value (token or key), or null when it is malformed.</summary>
    public static byte[]? HashOf(ReadOnlySpan<char> b64u)
    {
        Span<byte> raw = stackalloc byte[TokenBytes];
        if (!Base64Url.TryDecodeExact(b64u, raw))
        {
            return null;
        }

        var hash = SHA256.HashData(raw);
        CryptographicOperations.ZeroMemory(raw);
        return hash;
    }

    /// <summary>The bearer token of an Authorization header, hashed; null when absent or malformed.</summary>
    public static byte[]? BearerHash(HttpRequest request)
    {
        var header = request.Headers.Authorization;
        if (header.Count != 1)
        {
            return null;
        }

        var value = header[0].AsSpan();
        const string Scheme = "Bearer ";
        return value.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) ? HashOf(value[Scheme.Length..]) : null;
    }

    public static bool Matches(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual) =>
        expected.Length == actual.Length && CryptographicOperations.FixedTimeEquals(expected, actual);
}
