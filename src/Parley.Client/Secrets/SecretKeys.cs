using System.Security.Cryptography;
using System.Text;

namespace Parley.Client.Secrets;

/// <summary>Passphrase stretching parameters: the salt and PBKDF2 iteration count stored with a secret.</summary>
public sealed record PassphraseKdf
{
    public PassphraseKdf(ReadOnlyMemory<byte> salt, int iterations)
    {
        if (salt.Length != SecretFormat.SaltSize)
        {
            throw new ArgumentException($"The salt must be {SecretFormat.SaltSize} bytes.", nameof(salt));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(iterations, SecretFormat.MaxIterations);
        Salt = salt;
        Iterations = iterations;
    }

    public ReadOnlyMemory<byte> Salt { get; }

    public int Iterations { get; }
}

/// <summary>
/// The keys derived from a link key K (and optionally a passphrase), docs/secret-format.md §1:
/// access key AK, manifest key MK, file-stream key FK and passphrase proof PP; plus the wrap key WK
/// that seals the content key of a secret for several recipients (§7). Or, from a content key C
/// (<see cref="FromContentKey"/>), only MK and FK. Zeroed on dispose; <see cref="ToString"/> prints no
/// key material.
/// </summary>
public sealed class SecretKeys : IDisposable
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly byte[] _access = new byte[SecretFormat.KeySize];
    private readonly byte[] _manifest = new byte[SecretFormat.KeySize];
    private readonly byte[] _files = new byte[SecretFormat.KeySize];
    private readonly byte[] _wrap = new byte[SecretFormat.KeySize];
    private readonly byte[]? _proof;
    private readonly bool _contentOnly;
    private bool _disposed;

    private SecretKeys(bool withPassphrase, bool contentOnly = false)
    {
        if (withPassphrase)
        {
            _proof = new byte[SecretFormat.KeySize];
        }

        _contentOnly = contentOnly;
    }

    /// <summary>True when the keys include the passphrase (and so a passphrase proof).</summary>
    public bool HasPassphrase => _proof is not null;

    /// <summary>AK: proves possession of the link; depends on K alone.</summary>
    public ReadOnlySpan<byte> AccessKey => Live(_contentOnly ? throw new InvalidOperationException("Content keys have no access key.") : _access);

    /// <summary>WK: seals and opens the content key C of a secret for several recipients; depends on K and the passphrase.</summary>
    public ReadOnlySpan<byte> WrapKey => Live(_contentOnly ? throw new InvalidOperationException("Content keys have no wrap key.") : _wrap);

    /// <summary>MK: seals the manifest.</summary>
    public ReadOnlySpan<byte> ManifestKey => Live(_manifest);

    /// <summary>FK: seals the file stream.</summary>
    public ReadOnlySpan<byte> FileKey => Live(_files);

    /// <summary>PP: proves the passphrase (together with K). Throws when derived without a passphrase.</summary>
    public ReadOnlySpan<byte> PassphraseProof =>
        Live(_proof ?? throw new InvalidOperationException("These keys were derived without a passphrase."));

    /// <summary>Derives the keys of a secret without a passphrase.</summary>
    public static SecretKeys Derive(ReadOnlySpan<byte> linkKey) => Derive(linkKey, null, null);

    /// <summary>
    /// Derives the keys of a secret. With a passphrase, <paramref name="kdf"/> gives its salt and
    /// iteration count. Throws <see cref="ArgumentException"/> for a wrong key length or an invalid
    /// passphrase (see <see cref="ValidatePassphrase"/>).
    /// </summary>
    public static SecretKeys Derive(ReadOnlySpan<byte> linkKey, string? passphrase, PassphraseKdf? kdf)
    {
        if (linkKey.Length != SecretFormat.KeySize)
        {
            throw new ArgumentException($"The link key must be {SecretFormat.KeySize} bytes.", nameof(linkKey));
        }

        if ((passphrase is null) != (kdf is null))
        {
            throw new ArgumentException("A passphrase needs its KDF parameters, and only then.", nameof(kdf));
        }

        Span<byte> stretched = stackalloc byte[SecretFormat.KeySize];
        try
        {
            if (passphrase is not null)
            {
                Stretch(passphrase, kdf!, stretched);
            }

            return Derive(linkKey, passphrase is null ? [] : stretched);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(stretched);
        }
    }

    /// <summary>
    /// Derives the keys of a link from K and the stretched passphrase S (empty without a passphrase), so
    /// that the links of a secret for several recipients stretch the passphrase once (§7).
    /// </summary>
    public static SecretKeys Derive(ReadOnlySpan<byte> linkKey, ReadOnlySpan<byte> stretched)
    {
        if (linkKey.Length != SecretFormat.KeySize)
        {
            throw new ArgumentException($"The link key must be {SecretFormat.KeySize} bytes.", nameof(linkKey));
        }

        if (stretched.Length is not (0 or SecretFormat.KeySize))
        {
            throw new ArgumentException($"The stretched passphrase must be {SecretFormat.KeySize} bytes.", nameof(stretched));
        }

        var keys = new SecretKeys(!stretched.IsEmpty);
        Span<byte> ikm = stackalloc byte[2 * SecretFormat.KeySize];
        try
        {
            linkKey.CopyTo(ikm);
            stretched.CopyTo(ikm[SecretFormat.KeySize..]);
            var material = ikm[..(SecretFormat.KeySize + stretched.Length)];
            Hkdf(linkKey, "access"u8, keys._access);
            Hkdf(material, "manifest"u8, keys._manifest);
            Hkdf(material, "files"u8, keys._files);
            Hkdf(material, "wrap"u8, keys._wrap);
            if (keys._proof is not null)
            {
                Hkdf(material, "passphrase"u8, keys._proof);
            }

            return keys;
        }
        catch
        {
            keys.Dispose();
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(ikm);
        }
    }

    /// <summary>MK and FK of a secret for several recipients, from its content key C (§7). Has no AK, PP or WK.</summary>
    public static SecretKeys FromContentKey(ReadOnlySpan<byte> contentKey)
    {
        if (contentKey.Length != SecretFormat.KeySize)
        {
            throw new ArgumentException($"The content key must be {SecretFormat.KeySize} bytes.", nameof(contentKey));
        }

        var keys = new SecretKeys(withPassphrase: false, contentOnly: true);
        Hkdf(contentKey, "manifest"u8, keys._manifest);
        Hkdf(contentKey, "files"u8, keys._files);
        return keys;
    }

    /// <summary>S = PBKDF2(UTF8(NFC(P)), salt, iterations, 32), for <see cref="Derive(ReadOnlySpan{byte}, ReadOnlySpan{byte})"/>; the caller zeroes it.</summary>
    public static byte[] StretchPassphrase(string passphrase, PassphraseKdf kdf)
    {
        ArgumentNullException.ThrowIfNull(kdf);
        var stretched = new byte[SecretFormat.KeySize];
        Stretch(passphrase, kdf, stretched);
        return stretched;
    }

    /// <summary>SHA-256(AK), what the server stores and compares.</summary>
    public byte[] AccessVerifier() => SHA256.HashData(AccessKey);

    /// <summary>SHA-256(PP), what the server stores for a passphrase-protected secret.</summary>
    public byte[] PassphraseVerifier() => SHA256.HashData(PassphraseProof);

    /// <summary>
    /// Checks a passphrase against the format's rules (valid Unicode, 1 to 1024 scalar values after
    /// NFC) and returns the bytes that are stretched: UTF-8 of its NFC form. Throws
    /// <see cref="ArgumentException"/> with a message that does not contain the passphrase.
    /// </summary>
    public static byte[] PassphraseBytes(string passphrase)
    {
        ArgumentNullException.ThrowIfNull(passphrase);
        if (!IsWellFormed(passphrase))
        {
            throw new ArgumentException("The passphrase is not valid Unicode.", nameof(passphrase));
        }

        var nfc = passphrase.Normalize(NormalizationForm.FormC);
        var scalars = 0;
        foreach (var _ in nfc.EnumerateRunes())
        {
            scalars++;
        }

        if (scalars is < 1 or > SecretFormat.MaxPassphraseScalars)
        {
            throw new ArgumentException(
                $"A passphrase is 1 to {SecretFormat.MaxPassphraseScalars} characters.", nameof(passphrase));
        }

        return StrictUtf8.GetBytes(nfc);
    }

    /// <summary>True when <paramref name="passphrase"/> is acceptable (see <see cref="PassphraseBytes"/>).</summary>
    public static bool ValidatePassphrase(string passphrase, out string? error)
    {
        try
        {
            CryptographicOperations.ZeroMemory(PassphraseBytes(passphrase));
            error = null;
            return true;
        }
        catch (ArgumentException e)
        {
            error = e.Message.Split(" (Parameter", 2)[0];
            return false;
        }
    }

    /// <summary>S = PBKDF2-HMAC-SHA256(UTF8(NFC(P)), salt, iterations, 32).</summary>
    internal static void Stretch(string passphrase, PassphraseKdf kdf, Span<byte> destination)
    {
        var bytes = PassphraseBytes(passphrase);
        try
        {
            Rfc2898DeriveBytes.Pbkdf2(bytes, kdf.Salt.Span, destination, kdf.Iterations, HashAlgorithmName.SHA256);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>True when <paramref name="s"/> has no unpaired surrogate (so it has a UTF-8 encoding).</summary>
    public static bool IsWellFormed(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(s[i]))
            {
                return false;
            }
        }

        return true;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        CryptographicOperations.ZeroMemory(_access);
        CryptographicOperations.ZeroMemory(_manifest);
        CryptographicOperations.ZeroMemory(_files);
        CryptographicOperations.ZeroMemory(_wrap);
        if (_proof is not null)
        {
            CryptographicOperations.ZeroMemory(_proof);
        }
    }

    public override string ToString() => HasPassphrase ? "SecretKeys(with passphrase)" : "SecretKeys";

    private static void Hkdf(ReadOnlySpan<byte> ikm, ReadOnlySpan<byte> info, Span<byte> output) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, ikm, output, SecretFormat.HkdfSalt, info);

    private ReadOnlySpan<byte> Live(byte[] key)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return key;
    }
}
