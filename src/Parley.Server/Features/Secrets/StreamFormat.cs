namespace Parley.Server.Features.Secrets;

/// <summary>Shapes of sealed data that docs/secret-format.md fixes, checked before anything is stored.</summary>
internal static class StreamFormat
{
    public const int ChunkPlaintext = 65_536;
    public const int Tag = 16;
    public const int Header = 8;
    public const int ManifestOverhead = 1 + 12 + 16; // version, nonce, tag
    public const int ManifestBlock = 256;

    /// <summary>True when a sealed stream can be <paramref name="length"/> bytes long: 8 + n + 16·max(1, ⌈n/65536⌉).</summary>
    public static bool IsValidStreamLength(long length)
    {
        var body = length - Header;
        if (body < Tag)
        {
            return false;
        }

        var chunks = Math.Max(1, (body + ChunkPlaintext + Tag - 1) / (ChunkPlaintext + Tag));
        var plaintext = body - (Tag * chunks);
        var least = chunks == 1 ? 0 : ((chunks - 1) * ChunkPlaintext) + 1;
        return plaintext >= least && plaintext <= chunks * ChunkPlaintext;
    }

    /// <summary>True when a sealed manifest has the v1 shape: 0x01 ‖ nonce ‖ GCM(256·m bytes), m ≥ 1.</summary>
    public static bool IsValidManifest(ReadOnlySpan<byte> sealedManifest) =>
        sealedManifest.Length >= ManifestOverhead + ManifestBlock
        && (sealedManifest.Length - ManifestOverhead) % ManifestBlock == 0
        && sealedManifest[0] == 0x01;
}
