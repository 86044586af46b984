using System.Globalization;

namespace Parley.Testing;

/// <summary>
/// A size-limited tmpfs of its own, for disk-full tests: mounted in a fresh temporary folder, filled to
/// the last byte with a filler file on demand, freed again, and unmounted on dispose. Mounting needs
/// root (./test.sh runs as root) or password-less sudo; without either the test fails, it never skips.
/// </summary>
public sealed class SmallFilesystem : IDisposable
{
    private const string FillerName = "filler";

    private SmallFilesystem(string path) => Path = path;

    /// <summary>The mount point.</summary>
    public string Path { get; }

    /// <summary>Bytes a new file may still take.</summary>
    public long AvailableBytes => new DriveInfo(Path).AvailableFreeSpace;

    public static SmallFilesystem Mount(long bytes)
    {
        var path = Directory.CreateTempSubdirectory("parley-small-fs-").FullName;
        SystemCommand.RunAsRoot("mount", "-t", "tmpfs", "-o", $"size={bytes.ToString(CultureInfo.InvariantCulture)},mode=0755", "tmpfs", path);
        return new SmallFilesystem(path);
    }

    /// <summary>
    /// Writes a filler file until the filesystem refuses another byte, then gives <paramref name="leaveFree"/>
    /// bytes back; returns the filler's size.
    /// </summary>
    public long Fill(long leaveFree = 0)
    {
        using var filler = new FileStream(System.IO.Path.Combine(Path, FillerName), FileMode.Append, FileAccess.Write, FileShare.None,
            bufferSize: 0);
        var block = new byte[64 * 1024];
        foreach (var size in new[] { 64 * 1024, 4096, 1 })
        {
            try
            {
                while (true)
                {
                    filler.Write(block, 0, size);
                }
            }
            catch (IOException)
            {
                // full at this block size: try smaller ones for the last bytes
            }
        }

        filler.SetLength(Math.Max(0, filler.Length - leaveFree));
        return filler.Length;
    }

    /// <summary>Deletes the filler file: the space is free again.</summary>
    public void Free() => File.Delete(System.IO.Path.Combine(Path, FillerName));

    public void Dispose()
    {
        SystemCommand.RunAsRoot("umount", "-l", Path);
        Directory.Delete(Path);
    }
}
