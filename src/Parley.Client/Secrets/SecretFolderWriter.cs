using System.Security.Cryptography;

namespace Parley.Client.Secrets;

/// <summary>A file a reader saved: the name the manifest gave (untrusted) and where it went.</summary>
public sealed record SavedFile(string ManifestName, string Path, long Size, string Type, bool Renamed);

/// <summary>
/// Splits a decrypted file stream into the manifest's files inside one folder. Files are written to
/// hidden temporary names first (owner-only permissions) and get their final, sanitized names only
/// after the whole stream has authenticated; on any failure every temporary file is deleted. Never
/// writes outside the folder; never replaces an existing file unless <c>overwrite</c> is set (the
/// next free <c>name (n)</c> is used instead).
/// </summary>
public sealed class SecretFolderWriter
{
    private const int CopyBuffer = 128 * 1024;
    private readonly string _folder;
    private readonly bool _overwrite;

    public SecretFolderWriter(string folder, bool overwrite)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        _folder = Path.GetFullPath(folder);
        _overwrite = overwrite;
    }

    /// <summary>The absolute folder files go into.</summary>
    public string Folder => _folder;

    /// <summary>
    /// Reads <paramref name="plaintext"/> (a <see cref="SecretStreamDecryptor"/>) to its end, writing
    /// each manifest file, then gives them their names. Throws whatever the stream throws
    /// (<see cref="SecretFormatException"/> for tampering) after deleting what it wrote.
    /// </summary>
    public async Task<IReadOnlyList<SavedFile>> WriteAsync(Stream plaintext, IReadOnlyList<ManifestFile> files, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        ArgumentNullException.ThrowIfNull(files);
        Directory.CreateDirectory(_folder);
        var temps = new List<string>(files.Count);
        var committed = false;
        try
        {
            var buffer = new byte[CopyBuffer];
            foreach (var file in files)
            {
                var temp = Path.Combine(_folder, $".parley-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}.part");
                temps.Add(temp);
                await using var output = new FileStream(temp, TempFileOptions());
                var left = file.Size;
                while (left > 0)
                {
                    var n = await plaintext.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), cancellationToken).ConfigureAwait(false);
                    if (n == 0)
                    {
                        throw new SecretFormatException(SecretFormatError.Truncated, "The file stream ended before the last file.");
                    }

                    await output.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                    left -= n;
                }
            }

            // The end of the stream is where the last chunk authenticates: read it before naming anything.
            if (await plaintext.ReadAsync(buffer.AsMemory(0, 1), cancellationToken).ConfigureAwait(false) != 0)
            {
                throw new SecretFormatException(SecretFormatError.TooLong, "The file stream carries more than its manifest describes.");
            }

            var saved = Commit(temps, files);
            committed = true;
            return saved;
        }
        finally
        {
            if (!committed)
            {
                foreach (var temp in temps)
                {
                    TryDelete(temp);
                }
            }
        }
    }

    private static FileStreamOptions TempFileOptions()
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            Options = FileOptions.Asynchronous,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return options;
    }

    private List<SavedFile> Commit(List<string> temps, IReadOnlyList<ManifestFile> files)
    {
        var names = FileNames.SanitizeAll(files.Select(f => f.Name));
        var used = new HashSet<string>(StringComparer.Ordinal);
        var saved = new List<SavedFile>(files.Count);
        for (var i = 0; i < files.Count; i++)
        {
            var wanted = names[i];
            for (var attempt = 0; ; attempt++)
            {
                var name = FileNames.FirstFree(wanted, candidate =>
                    used.Contains(FileNames.FoldAscii(candidate)) || Directory.Exists(Inside(candidate))
                    || (!_overwrite && (File.Exists(Inside(candidate)) || IsLink(Inside(candidate)))));
                var target = Inside(name);
                try
                {
                    File.Move(temps[i], target, overwrite: _overwrite);
                }
                catch (IOException) when (attempt < 100 && File.Exists(target))
                {
                    continue; // created meanwhile by someone else: take the next free name
                }

                used.Add(FileNames.FoldAscii(name));
                saved.Add(new SavedFile(files[i].Name, target, files[i].Size, files[i].Type, !string.Equals(name, files[i].Name, StringComparison.Ordinal)));
                break;
            }
        }

        return saved;
    }

    // Sanitized names have no separators; this check keeps that promise even if sanitizing had a bug.
    private string Inside(string name)
    {
        var full = Path.GetFullPath(Path.Combine(_folder, name));
        if (!string.Equals(Path.GetDirectoryName(full), _folder.TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal))
        {
            throw new InvalidOperationException("A file name escaped the output folder.");
        }

        return full;
    }

    private static bool IsLink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget is not null;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // best effort: the name is random and hidden
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
