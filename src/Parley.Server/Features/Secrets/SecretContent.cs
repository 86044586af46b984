using Microsoft.AspNetCore.Http.HttpResults;
using Parley.Server.Infrastructure.Http;
using Parley.Server.Infrastructure.Text;

namespace Parley.Server.Features.Secrets;

/// <summary>
/// The sealed content a client sends to create a secret — manifest, access verifier, file stream
/// length — checked the same way wherever a secret is made (<c>POST /api/secrets</c>, and the answer
/// to a request).
/// </summary>
internal static class SecretContent
{
    /// <summary>Largest JSON body that carries a sealed manifest of the configured size.</summary>
    public static long BodyLimit(SecretsOptions o) => Base64Url.EncodedLength(o.MaxManifestBytes) + (8 * 1024);

    /// <summary>
    /// Decodes and checks the members. A size over the operator's limits is a 413 problem, returned
    /// at once; malformed members are added to <paramref name="errors"/>. A null
    /// <paramref name="accessVerifierText"/> is not checked (a secret for several recipients has one per recipient).
    /// </summary>
    public static ProblemHttpResult? Check(string manifestText, string? accessVerifierText, long? streamBytes, SecretsOptions o,
        Dictionary<string, string[]> errors, out byte[]? manifest, out byte[] accessVerifier)
    {
        manifest = null;
        accessVerifier = new byte[SecretTokens.HashBytes];
        if (manifestText.Length > Base64Url.EncodedLength(o.MaxManifestBytes))
        {
            return Problems.PayloadTooLarge($"The sealed manifest is limited to {o.MaxManifestBytes} bytes.");
        }

        manifest = Base64Url.TryDecode(manifestText, o.MaxManifestBytes);
        if (manifest is null)
        {
            errors["manifest"] = ["must be base64url without padding"];
        }
        else if (!StreamFormat.IsValidManifest(manifest))
        {
            errors["manifest"] = ["must be a sealed v1 manifest: 0x01, nonce, 256·m bytes of ciphertext, tag"];
        }

        if (accessVerifierText is not null && !Base64Url.TryDecodeExact(accessVerifierText, accessVerifier))
        {
            errors["accessVerifier"] = ["must be 32 bytes, base64url"];
        }

        if (streamBytes is { } length)
        {
            if (length > o.MaxStreamBytes)
            {
                return Problems.PayloadTooLarge($"File streams are limited to {o.MaxStreamBytes} bytes.");
            }

            if (!StreamFormat.IsValidStreamLength(length))
            {
                errors["streamBytes"] = ["is not the length of a sealed v1 file stream"];
            }
        }

        return null;
    }
}
