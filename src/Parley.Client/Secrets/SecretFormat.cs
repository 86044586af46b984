namespace Parley.Client.Secrets;

/// <summary>Constants and length rules of secret format v1 (docs/secret-format.md).</summary>
public static class SecretFormat
{
    public const byte Version = 1;

    /// <summary>Size of the link key K, of every derived key, and of the manage token.</summary>
    public const int KeySize = 32;

    public const int SaltSize = 16;
    public const int IdSize = 16;
    public const int ManageTokenSize = 32;
    public const int DefaultIterations = 600_000;
    public const int MaxIterations = 10_000_000;
    public const int MaxPassphraseScalars = 1024;

    public const int NonceSize = 12;
    public const int TagSize = 16;
    public const int ManifestPadding = 256;

    /// <summary>Version byte, nonce, at least one padded block, tag.</summary>
    public const int MinSealedManifestLength = 1 + NonceSize + ManifestPadding + TagSize;

    public const int ChunkSize = 65_536;
    public const int SealedChunkSize = ChunkSize + TagSize;
    public const int StreamPrefixSize = 7;
    public const int StreamHeaderSize = 1 + StreamPrefixSize;

    public const int MaxFileNameBytes = 255;
    public const int MaxMediaTypeLength = 255;

    /// <summary>The largest size a manifest may declare for one file (2^53 − 1, exact in JavaScript).</summary>
    public const long MaxFileSize = (1L << 53) - 1;

    /// <summary>Largest plaintext a stream can carry: 2^32 chunks.</summary>
    public const long MaxStreamPlaintext = (1L << 32) * ChunkSize;

    internal static ReadOnlySpan<byte> HkdfSalt => "parley/secret/v1"u8;
    internal static ReadOnlySpan<byte> ManifestAad => "parley/secret/v1/manifest"u8;

    internal static ReadOnlySpan<byte> WrapAad => "parley/secret/v1/wrap"u8;

    /// <summary>A wrapped content key: version byte, nonce, the 32-byte key, tag (docs/secret-format.md §7).</summary>
    public const int WrappedKeySize = 1 + NonceSize + KeySize + TagSize;

    /// <summary>Most recipients of one secret (the server's limit; <c>GET /api/config</c> says which it uses).</summary>
    public const int MaxRecipients = 50;

    /// <summary>Longest recipient label, in Unicode scalar values.</summary>
    public const int MaxRecipientLabelLength = 64;

    /// <summary>Number of chunks of a stream carrying <paramref name="plaintextLength"/> bytes (at least one).</summary>
    public static long ChunkCount(long plaintextLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(plaintextLength);
        return Math.Max(1, (plaintextLength + ChunkSize - 1) / ChunkSize);
    }

    /// <summary>Ciphertext length of a stream for <paramref name="plaintextLength"/> bytes: 8 + n + 16·max(1, ⌈n/65536⌉).</summary>
    public static long StreamLength(long plaintextLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(plaintextLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(plaintextLength, MaxStreamPlaintext);
        return StreamHeaderSize + plaintextLength + (TagSize * ChunkCount(plaintextLength));
    }

    /// <summary>The plaintext length of a stream of <paramref name="streamLength"/> bytes, when the format allows that length.</summary>
    public static bool TryGetPlaintextLength(long streamLength, out long plaintextLength)
    {
        plaintextLength = 0;
        var body = streamLength - StreamHeaderSize;
        if (body < TagSize)
        {
            return false;
        }

        var fullChunks = body / SealedChunkSize;
        var rest = body % SealedChunkSize;
        long candidate;
        if (rest == 0)
        {
            candidate = fullChunks * ChunkSize;
        }
        else if (rest >= TagSize)
        {
            candidate = (fullChunks * ChunkSize) + rest - TagSize;
        }
        else
        {
            return false;
        }

        if (candidate > MaxStreamPlaintext || StreamLength(candidate) != streamLength)
        {
            return false;
        }

        plaintextLength = candidate;
        return true;
    }

    /// <summary>Length of a sealed manifest whose JSON is <paramref name="jsonLength"/> bytes: 29 + 256·⌈json/256⌉.</summary>
    public static int SealedManifestLength(int jsonLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(jsonLength);
        return 1 + NonceSize + PaddedLength(jsonLength) + TagSize;
    }

    internal static int PaddedLength(int jsonLength) =>
        checked((jsonLength + ManifestPadding - 1) / ManifestPadding * ManifestPadding);
}
