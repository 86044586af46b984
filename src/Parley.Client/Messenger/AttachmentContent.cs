using System.Text;
using Parley.Client.Secrets;

namespace Parley.Client.Messenger;

/// <summary>
/// The <c>attachment</c> member of an end-to-end message (docs/messenger.md, "Attachments"): where the
/// sealed file is on the server and everything needed to fetch, open and check it. Only the members of
/// the conversation read this; the server sees none of it.
/// </summary>
/// <param name="Blob">The blob's id on the server (16 bytes, base64url).</param>
/// <param name="Key">The file's fresh 32-byte stream key (base64url).</param>
/// <param name="Sha256">SHA-256 of the file's bytes (base64url).</param>
/// <param name="Size">The file's length in bytes.</param>
/// <param name="Name">The file's name: a plain name, as <see cref="FileNames.Sanitize"/> leaves it.</param>
/// <param name="Until">When the server deletes the blob at the latest, Unix milliseconds.</param>
/// <param name="Fetch">Each recipient's fetch token (32 bytes, base64url), by username.</param>
public sealed record AttachmentContent(string Blob, string Key, string Sha256, long Size, string Name, long Until, IReadOnlyDictionary<string, string> Fetch)
{
    /// <summary>The largest file an attachment may announce (the server's limit is usually lower).</summary>
    public const long MaxSize = 1L << 40;

    public const int MaxRecipients = 10_000;

    /// <summary>Why the content cannot be used (one line for a drop notice, naming no secret), or null when it can.</summary>
    public string? Problem()
    {
        if (Blob is not { Length: 22 } || !Base64UrlStrict.TryDecode(Blob, 16, out _))
        {
            return "an attachment with a malformed blob id";
        }

        if (!Base64UrlStrict.TryDecode(Key, SecretFormat.KeySize, out var key))
        {
            return "an attachment with a malformed key";
        }

        System.Security.Cryptography.CryptographicOperations.ZeroMemory(key);
        if (!Base64UrlStrict.TryDecode(Sha256, 32, out _))
        {
            return "an attachment with a malformed digest";
        }

        if (Size is < 0 or > MaxSize)
        {
            return "an attachment with an impossible size";
        }

        if (Name is null || Encoding.UTF8.GetByteCount(Name) is < 1 or > SecretFormat.MaxFileNameBytes
            || !string.Equals(FileNames.Sanitize(Name), Name, StringComparison.Ordinal))
        {
            return "an attachment whose file name is not a plain, safe name";
        }

        if (Until <= 0 || Fetch is not { Count: >= 1 and <= MaxRecipients }
            || Fetch.Any(f => ConversationId.CanonicalUsername(f.Key) != f.Key || !Base64UrlStrict.TryDecode(f.Value, 32, out _)))
        {
            return "an attachment with malformed fetch tokens";
        }

        return null;
    }

    public override string ToString() => $"AttachmentContent({Size} bytes)";
}
