using NSec.Cryptography;

namespace Parley.Crypto;

/// <summary>
/// Argon2id (RFC 9106, version 0x13) from libsodium through NSec. libsodium supports one lane only,
/// so the degree of parallelism is fixed at 1 everywhere in Parley (the browser's hash-wasm gives
/// byte-identical output with the same parameters). libsodium also takes no secret or associated data.
/// </summary>
public static class Argon2id
{
    /// <summary>libsodium's salt length.</summary>
    public const int SaltSize = 16;

    /// <summary>libsodium's shortest output.</summary>
    public const int MinOutputLength = 16;

    /// <summary>Derives <paramref name="outputLength"/> bytes from <paramref name="password"/>.</summary>
    /// <remarks><paramref name="memoryKiB"/> is the memory cost m in KiB, <paramref name="iterations"/> the time cost t.</remarks>
    /// <exception cref="ArgumentException">Bad salt length, output length or cost parameters.</exception>
    public static byte[] DeriveKey(ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt, int memoryKiB, int iterations, int outputLength)
    {
        var output = new byte[outputLength < 0 ? 0 : outputLength];
        DeriveKey(password, salt, memoryKiB, iterations, output);
        return output;
    }

    /// <summary>Derives <c>output.Length</c> bytes from <paramref name="password"/>.</summary>
    /// <exception cref="ArgumentException">Bad salt length, output length or cost parameters.</exception>
    public static void DeriveKey(ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt, int memoryKiB, int iterations, Span<byte> output)
    {
        if (salt.Length != SaltSize)
        {
            throw new ArgumentException($"The Argon2id salt is {SaltSize} bytes.", nameof(salt));
        }

        if (output.Length < MinOutputLength)
        {
            throw new ArgumentException($"Argon2id output is at least {MinOutputLength} bytes.", nameof(output));
        }

        if (memoryKiB < 8 || iterations < 1)
        {
            throw new ArgumentException("Argon2id needs at least 8 KiB of memory and one pass.");
        }

        var parameters = new Argon2Parameters
        {
            DegreeOfParallelism = 1,
            MemorySize = memoryKiB,
            NumberOfPasses = iterations,
        };
        try
        {
            PasswordBasedKeyDerivationAlgorithm.Argon2id(parameters).DeriveBytes(password, salt, output);
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new ArgumentException("Argon2id parameters out of range for libsodium.", e);
        }
    }
}
