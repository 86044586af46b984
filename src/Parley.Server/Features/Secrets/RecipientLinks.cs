using System.Text;
using Parley.Contracts;
using Parley.Contracts.Secrets;
using Parley.Server.Infrastructure.Text;

namespace Parley.Server.Features.Secrets;

/// <summary>One recipient's link as the server checked it: its verifiers, label and wrapped content key.</summary>
internal sealed record RecipientLink(string? Label, byte[] AccessVerifier, byte[]? PassphraseVerifier, byte[] WrappedKey);

/// <summary>
/// The rules for the <c>recipients</c> member of <c>POST /api/secrets</c> (docs/api.md, docs/secret-format.md §7):
/// 1 to <see cref="MaxRecipients"/> links, each with its own 32-byte verifiers and a sealed content key of
/// exactly <see cref="WrappedKeyBytes"/> bytes, labels optional but visible text and unique.
/// </summary>
internal static class RecipientLinks
{
    /// <summary>Enough for a team hand-out; a larger group is better served by a shared vault.</summary>
    public const int MaxRecipients = 50;

    /// <summary>Labels name people on the manage page ("alice"), not describe them.</summary>
    public const int MaxLabelLength = 64;

    /// <summary>Version byte, 12-byte nonce, 32-byte content key, 16-byte tag.</summary>
    public const int WrappedKeyBytes = 1 + 12 + 32 + 16;

    /// <summary>
    /// Checks every recipient; problems are added to <paramref name="errors"/> under <c>recipients</c> or
    /// <c>recipients[i].member</c>. Returns the links when all of them are well formed.
    /// </summary>
    public static List<RecipientLink>? Check(IReadOnlyList<RecipientKey?> recipients, bool hasPassphrase, Dictionary<string, string[]> errors)
    {
        if (recipients.Count is < 1 or > MaxRecipients)
        {
            errors["recipients"] = [$"must list 1 to {MaxRecipients} recipients"];
            return null;
        }

        var links = new List<RecipientLink>(recipients.Count);
        var labels = new HashSet<string>(StringComparer.Ordinal);
        var verifiers = new HashSet<string>(StringComparer.Ordinal);
        var before = errors.Count;
        for (var i = 0; i < recipients.Count; i++)
        {
            void Error(string member, string message) => errors[$"recipients[{i}].{member}"] = [message];

            if (recipients[i] is not { } r)
            {
                errors[$"recipients[{i}]"] = ["must be an object"];
                continue;
            }

            if (r.Label is { } label)
            {
                if (VisibleText.Problem(label, MaxLabelLength) is { } why)
                {
                    Error("label", why);
                }
                else if (!labels.Add(Fold(label)))
                {
                    Error("label", "must differ from the other recipients' labels");
                }
            }

            var access = new byte[SecretTokens.HashBytes];
            if (!Base64Url.TryDecodeExact(r.AccessVerifier, access))
            {
                Error("accessVerifier", "must be 32 bytes, base64url");
            }
            else if (!verifiers.Add(r.AccessVerifier))
            {
                Error("accessVerifier", "must differ from the other recipients' (every link has its own key)");
            }

            byte[]? proof = null;
            if (hasPassphrase)
            {
                proof = new byte[SecretTokens.HashBytes];
                if (r.PassphraseVerifier is null || !Base64Url.TryDecodeExact(r.PassphraseVerifier, proof))
                {
                    Error("passphraseVerifier", "must be 32 bytes, base64url (the secret has a passphrase)");
                }
            }
            else if (r.PassphraseVerifier is not null)
            {
                Error("passphraseVerifier", "must be null: the secret has no passphrase");
            }

            var wrapped = new byte[WrappedKeyBytes];
            if (!Base64Url.TryDecodeExact(r.WrappedKey, wrapped) || wrapped[0] != 1)
            {
                Error("wrappedKey", $"must be a sealed v1 content key: {WrappedKeyBytes} bytes, base64url, starting with 0x01");
            }

            links.Add(new RecipientLink(r.Label, access, proof, wrapped));
        }

        return errors.Count == before ? links : null;
    }

    /// <summary>Labels that look the same on the manage page count as the same: NFC, case folded.</summary>
    private static string Fold(string label) => label.Normalize(NormalizationForm.FormC).ToUpperInvariant();
}
