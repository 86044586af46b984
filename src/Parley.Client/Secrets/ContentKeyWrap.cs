using System.Security.Cryptography;
using Parley.Crypto;

namespace Parley.Client.Secrets;

/// <summary>
/// Seals the content key C of a secret for several recipients to one recipient's link
/// (docs/secret-format.md §7): <c>0x01 ‖ nonce ‖ GCM(WK, nonce, "parley/secret/v1/wrap" ‖ SHA-256(AK), C)</c>.
/// The additional data binds the wrapped key to the link's access verifier, so a server cannot hand one
/// link another link's wrapped key unnoticed.
/// </summary>
public static class ContentKeyWrap
{
    /// <summary>Seals <paramref name="contentKey"/> under the link's wrap key with a fresh random nonce.</summary>
    public static byte[] Wrap(SecretKeys link, ReadOnlySpan<byte> contentKey)
    {
        Span<byte> nonce = stackalloc byte[SecretFormat.NonceSize];
        RandomNumberGenerator.Fill(nonce);
        return Wrap(link, contentKey, nonce);
    }

    internal static byte[] Wrap(SecretKeys link, ReadOnlySpan<byte> contentKey, ReadOnlySpan<byte> nonce)
    {
        ArgumentNullException.ThrowIfNull(link);
        if (contentKey.Length != SecretFormat.KeySize || nonce.Length != SecretFormat.NonceSize)
        {
            throw new ArgumentException("The content key must be 32 bytes and the nonce 12.");
        }

        var wrapped = new byte[SecretFormat.WrappedKeySize];
        wrapped[0] = SecretFormat.Version;
        nonce.CopyTo(wrapped.AsSpan(1));
        using var wrapKey = Aes256Key.Import(link.WrapKey);
        Aes256Gcm.Encrypt(wrapKey, nonce, contentKey, Aad(link), wrapped.AsSpan(1 + SecretFormat.NonceSize));
        return wrapped;
    }

    /// <summary>
    /// Opens a wrapped content key into <paramref name="contentKey"/> (32 bytes; the caller zeroes it).
    /// Throws <see cref="SecretFormatException"/> when it has the wrong length or version, or is not authentic.
    /// </summary>
    public static void Unwrap(SecretKeys link, ReadOnlySpan<byte> wrapped, Span<byte> contentKey)
    {
        ArgumentNullException.ThrowIfNull(link);
        if (wrapped.Length > 0 && wrapped[0] != SecretFormat.Version)
        {
            throw new SecretFormatException(SecretFormatError.UnsupportedVersion, "The wrapped content key has an unsupported format version.");
        }

        if (wrapped.Length != SecretFormat.WrappedKeySize || contentKey.Length != SecretFormat.KeySize)
        {
            throw new SecretFormatException(SecretFormatError.Malformed, "The wrapped content key has the wrong length.");
        }

        using var wrapKey = Aes256Key.Import(link.WrapKey);
        if (!Aes256Gcm.TryDecrypt(wrapKey, wrapped.Slice(1, SecretFormat.NonceSize), wrapped[(1 + SecretFormat.NonceSize)..], Aad(link), contentKey))
        {
            throw new SecretFormatException(SecretFormatError.Unauthentic, "The wrapped content key failed authentication.");
        }
    }

    /// <summary>"parley/secret/v1/wrap" ‖ SHA-256(AK).</summary>
    private static byte[] Aad(SecretKeys link)
    {
        var aad = new byte[SecretFormat.WrapAad.Length + 32];
        SecretFormat.WrapAad.CopyTo(aad);
        SHA256.HashData(link.AccessKey, aad.AsSpan(SecretFormat.WrapAad.Length));
        return aad;
    }
}
