using Parley.Client.Secrets;

namespace Parley.Fuzz;

/// <summary>
/// The one-time secret format (docs/secret-format.md): sealed manifest, manifest JSON, file chunk
/// stream and links. Bad data is refused with <see cref="SecretFormatException"/>, bad links with
/// <see cref="DamagedLinkException"/>.
/// </summary>
internal static class SecretFormatTargets
{
    public static IEnumerable<FuzzTarget> All() =>
    [
        new("secret-manifest", "ManifestCodec.Open / FromJson", Manifest),
        new("secret-stream", "SecretStreamDecryptor", Stream),
        new("secret-links", "SecretLinks.ParseShare / ParseManage / KindOf", Links),
    ];

    private static void Manifest(ReadOnlySpan<byte> input)
    {
        var bytes = input.ToArray();
        // The sealed form is tried with the seeds' key; the JSON parser behind the tag is fuzzed directly.
        Refusals.Allow<SecretFormatException>(() => ManifestCodec.Open(bytes, FuzzKeys.SecretKey));
        SecretManifest? manifest = null;
        Refusals.Allow<SecretFormatException>(() => manifest = ManifestCodec.FromJson(bytes));
        // An accepted manifest is written back the way a creator writes it, and that must read the same.
        if (manifest is not null && ManifestCodec.FromJson(ManifestCodec.ToJson(manifest)) is var again
            && (again.Text != manifest.Text || !again.Files.SequenceEqual(manifest.Files)))
        {
            throw new InvalidOperationException("A manifest does not survive ToJson and FromJson.");
        }
    }

    private static void Stream(ReadOnlySpan<byte> input)
    {
        // The first byte says whether the reader knows the manifest's size, and which of a few sizes.
        var choice = Refusals.Select(input, 4, out var rest);
        long? expected = choice switch { 0 => null, 1 => 0, 2 => rest.Length, _ => SecretFormat.ChunkSize };
        var bytes = rest.ToArray();
        Refusals.Allow<SecretFormatException>(() =>
        {
            using var reader = new SecretStreamDecryptor(new MemoryStream(bytes), FuzzKeys.SecretKey, expected);
            reader.CopyTo(System.IO.Stream.Null);
        });
    }

    private static void Links(ReadOnlySpan<byte> input)
    {
        var text = Refusals.Text(input);
        Refusals.Allow<DamagedLinkException>(() =>
        {
            using var link = SecretLinks.ParseShare(text);
            // The link a client prints again (normalized) must parse to itself.
            using var again = SecretLinks.ParseShare(link.Format());
            if (again.Format() != link.Format())
            {
                throw new InvalidOperationException("A share link does not survive Format and ParseShare.");
            }
        });
        Refusals.Allow<DamagedLinkException>(() => SecretLinks.ParseManage(text));
        SecretLinks.KindOf(text);
    }
}
