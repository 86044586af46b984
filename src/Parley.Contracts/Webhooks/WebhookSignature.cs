using System.Security.Cryptography;
using System.Text;

namespace Parley.Contracts.Webhooks;

/// <summary>
/// Standard Webhooks signatures (docs/webhooks.md): <c>v1,</c> + base64 HMAC-SHA256, keyed with the
/// secret's signing key, over <c>{webhook-id}.{webhook-timestamp}.{body}</c>. Shared by the server,
/// which signs, and the CLI's <c>webhook verify</c>, which checks.
/// </summary>
public static class WebhookSignature
{
    /// <summary>Prefix of a signing key as shown to the creator.</summary>
    public const string KeyPrefix = "whsec_";

    /// <summary>Bytes of a signing key.</summary>
    public const int KeyBytes = 32;

    private const string Version = "v1,";

    /// <summary>The key as the creator sees it: <c>whsec_</c> + base64.</summary>
    public static string FormatKey(ReadOnlySpan<byte> key) => KeyPrefix + Convert.ToBase64String(key);

    /// <summary>The raw key of a <c>whsec_…</c> text; false when it is not one.</summary>
    public static bool TryParseKey(string? text, out byte[] key)
    {
        key = [];
        if (text is null || !text.StartsWith(KeyPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var buffer = new byte[text.Length];
        if (!Convert.TryFromBase64String(text[KeyPrefix.Length..], buffer, out var written) || written < 24 || written > 64)
        {
            return false;
        }

        key = buffer[..written];
        return true;
    }

    /// <summary>The <c>webhook-signature</c> header value for one delivery.</summary>
    public static string Sign(ReadOnlySpan<byte> key, string id, long timestamp, ReadOnlySpan<byte> body) =>
        Version + Convert.ToBase64String(Mac(key, id, timestamp, body));

    /// <summary>
    /// True when one of the space-separated signatures in <paramref name="header"/> is a valid <c>v1</c>
    /// signature (compared in constant time). Freshness of the timestamp is the caller's check.
    /// </summary>
    public static bool Verify(ReadOnlySpan<byte> key, string id, long timestamp, ReadOnlySpan<byte> body, string header)
    {
        var expected = Mac(key, id, timestamp, body);
        var given = new byte[expected.Length];
        var valid = false;
        foreach (var part in header.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part.StartsWith(Version, StringComparison.Ordinal)
                && Convert.TryFromBase64String(part[Version.Length..], given, out var written)
                && written == expected.Length)
            {
                valid |= CryptographicOperations.FixedTimeEquals(expected, given);
            }
        }

        return valid;
    }

    private static byte[] Mac(ReadOnlySpan<byte> key, string id, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(FormattableString.Invariant($"{id}.{timestamp}."));
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return HMACSHA256.HashData(key, signed);
    }
}
