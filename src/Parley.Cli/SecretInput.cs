using Parley.Client.Secrets;

namespace Parley.Cli;

/// <summary>The content of a secret or an answer, from <c>--text</c>, standard input and <c>--file</c>, checked before anything is sent.</summary>
internal static class SecretInput
{
    private const int MaxStdinBytes = 64 * 1024 * 1024;

    /// <summary>
    /// The text (<paramref name="text"/>; <c>-</c> or, without files, nothing reads standard input) and
    /// the files. A usage error when there is nothing, a file is missing or unreadable, or the text is
    /// not valid Unicode.
    /// </summary>
    public static (string? Text, List<FileSource> Files) Read(string? text, string[]? files, Terminal terminal, string verb)
    {
        var sources = (files ?? []).Select(CheckFile).ToList();
        if (text == "-" || (text is null && sources.Count == 0))
        {
            if (terminal.InputIsTerminal)
            {
                Terminal.Note("Type the secret, then press Ctrl-D on a new line:");
            }

            text = Terminal.ReadAllInput(MaxStdinBytes);
        }

        if (text is { Length: 0 })
        {
            if (sources.Count == 0)
            {
                throw CliException.Usage($"nothing to {verb}: give text (--text or standard input) or --file");
            }

            text = null;
        }

        return text is not null && !SecretKeys.IsWellFormed(text)
            ? throw CliException.Usage("the text is not valid Unicode")
            : (text, sources);
    }

    /// <summary>The <c>--expires</c> value in seconds, null when not given; a usage error when it is not a duration.</summary>
    public static int? Expiry(string? text) =>
        text is null ? null
        : Durations.TryParse(text, out var seconds) ? seconds
        : throw CliException.Usage($"--expires: '{text}' is not a duration (use seconds, or e.g. 30m, 1h, 1d, 7d)");

    /// <summary>The <c>--upload-part-size</c> value in bytes, null when not given.</summary>
    public static long? PartSize(string? text) =>
        text is null ? null
        : Sizes.TryParse(text, out var bytes) && bytes >= 64 * 1024 ? bytes
        : throw CliException.Usage("--upload-part-size must be a size of at least 64k (e.g. 8m)");

    /// <summary>A usage error unless <paramref name="path"/> is a readable file with a name of at most 255 bytes.</summary>
    internal static FileSource CheckFile(string path)
    {
        if (Directory.Exists(path))
        {
            throw CliException.Usage($"--file: {path} is a folder (share an archive of it instead)");
        }

        if (!File.Exists(path))
        {
            throw CliException.Usage($"--file: no such file: {path}");
        }

        try
        {
            using (File.OpenRead(path))
            {
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CliException.Usage($"--file: cannot read {path}: {e.Message}");
        }

        var source = FileSource.FromPath(path);
        return System.Text.Encoding.UTF8.GetByteCount(source.Name) > SecretFormat.MaxFileNameBytes
            ? throw CliException.Usage($"--file: the name of {path} is longer than {SecretFormat.MaxFileNameBytes} bytes")
            : source;
    }
}
