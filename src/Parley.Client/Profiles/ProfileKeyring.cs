using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Parley.Crypto;

namespace Parley.Client.Profiles;

/// <summary>
/// The profile's data key, wrapped by a key stretched from the passphrase with Argon2id (the parameters
/// and salt are stored beside it, so they can grow later). Changing the passphrase re-wraps the data
/// key; nothing else in the profile changes.
/// </summary>
internal sealed record ProfileKeyring(int Version, string Kdf, int MemoryKiB, int Iterations, int Parallelism, byte[] Salt, byte[] Nonce, byte[] Wrapped)
{
    public const int CurrentVersion = 1;

    /// <summary>Argon2id cost: 19 MiB of memory and 2 passes, at least OWASP's minimum (m=19456 KiB, t=2, p=1).</summary>
    public const int DefaultMemoryKiB = 19 * 1024;
    public const int DefaultIterations = 2;

    /// <summary>Wraps <paramref name="dataKey"/> under <paramref name="passphrase"/> with a fresh salt.</summary>
    public static ProfileKeyring Wrap(string passphrase, ReadOnlySpan<byte> dataKey, int memoryKiB = DefaultMemoryKiB, int iterations = DefaultIterations)
    {
        var salt = RandomNumberGenerator.GetBytes(Argon2id.SaltSize);
        var nonce = RandomNumberGenerator.GetBytes(Aes256Gcm.NonceSize);
        var header = new ProfileKeyring(CurrentVersion, "argon2id", memoryKiB, iterations, 1, salt, nonce, []);
        using var kek = header.Stretch(passphrase);
        return header with { Wrapped = Aes256Gcm.Encrypt(kek, nonce, dataKey, header.AssociatedData()) };
    }

    /// <summary>The data key, or null when the passphrase is wrong.</summary>
    public byte[]? Unwrap(string passphrase)
    {
        using var kek = Stretch(passphrase);
        return Aes256Gcm.TryDecrypt(kek, Nonce, Wrapped, AssociatedData(), out var dataKey) && dataKey!.Length == ProfileKeys.DataKeySize
            ? dataKey : null;
    }

    private Aes256Key Stretch(string passphrase)
    {
        var bytes = Encoding.UTF8.GetBytes(passphrase.Normalize(NormalizationForm.FormC));
        var raw = Array.Empty<byte>();
        try
        {
            raw = Argon2id.DeriveKey(bytes, Salt, MemoryKiB, Iterations, Aes256Key.KeySize);
            return Aes256Key.Import(raw);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
            CryptographicOperations.ZeroMemory(raw);
        }
    }

    /// <summary>The parameters are bound to the wrap: changing any of them makes it fail to open.</summary>
    private byte[] AssociatedData() => Encoding.UTF8.GetBytes(
        $"parley profile keyring v{Version}|{Kdf}|m={MemoryKiB}|t={Iterations}|p={Parallelism}|{Convert.ToHexStringLower(Salt)}");

    public byte[] Serialize() => JsonSerializer.SerializeToUtf8Bytes(this, ProfileJson.Default.ProfileKeyring);

    /// <exception cref="ProfileException">Not a keyring this version understands.</exception>
    public static ProfileKeyring Deserialize(byte[] bytes)
    {
        ProfileKeyring? keyring;
        try
        {
            keyring = JsonSerializer.Deserialize(bytes, ProfileJson.Default.ProfileKeyring);
        }
        catch (JsonException e)
        {
            throw ProfileException.Damaged("keyring", e);
        }

        if (keyring is null || keyring.Salt is null || keyring.Nonce is null || keyring.Wrapped is null)
        {
            throw ProfileException.Damaged("keyring");
        }

        if (keyring.Version != CurrentVersion || keyring.Kdf != "argon2id")
        {
            throw new ProfileException(ProfileFailure.UnsupportedVersion, "the profile was written by a newer Parley");
        }

        if (keyring.Parallelism != 1 || keyring.MemoryKiB is < 8 or > 4 * 1024 * 1024 || keyring.Iterations is < 1 or > 100
            || keyring.Salt.Length != Argon2id.SaltSize || keyring.Nonce.Length != Aes256Gcm.NonceSize)
        {
            throw ProfileException.Damaged("keyring parameters");
        }

        return keyring;
    }

    public override string ToString() => $"ProfileKeyring(argon2id m={MemoryKiB} t={Iterations})";
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, AllowDuplicateProperties = false, RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(ProfileKeyring))]
internal sealed partial class ProfileJson : JsonSerializerContext;
