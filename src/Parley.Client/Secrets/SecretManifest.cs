namespace Parley.Client.Secrets;

/// <summary>One file of a secret, as the manifest describes it. <see cref="Name"/> is untrusted on the reading side.</summary>
public sealed record ManifestFile(string Name, long Size, string Type)
{
    public const string OctetStream = "application/octet-stream";
}

/// <summary>The sealed description of a secret: its text and its files, in stream order (docs/secret-format.md §2).</summary>
public sealed record SecretManifest
{
    public SecretManifest(string? text, IReadOnlyList<ManifestFile> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        Text = text;
        Files = files;
    }

    /// <summary>The secret text, or null when the secret is files only.</summary>
    public string? Text { get; }

    public IReadOnlyList<ManifestFile> Files { get; }

    /// <summary>Sum of the file sizes: the plaintext length of the file stream.</summary>
    public long TotalFileBytes => Files.Sum(f => f.Size);

    public bool HasFiles => Files.Count > 0;

    // Records print their members; a manifest's text is secret.
    public override string ToString() => $"SecretManifest(text: {(Text is null ? "none" : "set")}, files: {Files.Count})";
}
