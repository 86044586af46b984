using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Parley.Server.Infrastructure.Storage;

/// <summary>
/// fsync of a directory, so that a file created or renamed in it keeps its name after a power cut
/// (fsync of the file itself makes its bytes durable, not its directory entry). .NET cannot open a
/// directory as a file, hence open(2) and fsync(2) directly. On Windows NTFS journals names itself.
/// </summary>
internal static partial class DirectorySync
{
    private const int InvalidArgument = 22; // EINVAL

    private const int ReadOnly = 0; // O_RDONLY: enough to fsync a directory, and the same value everywhere

    public static void Sync(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var fd = Open(directory, ReadOnly);
        if (fd < 0)
        {
            throw new IOException($"Cannot open the directory {directory} to sync it", new Win32Exception(Marshal.GetLastPInvokeError()));
        }

        try
        {
            // EINVAL: a filesystem that cannot sync directories (some FUSE and network ones); nothing more to do there.
            if (Fsync(fd) != 0 && Marshal.GetLastPInvokeError() is var error && error != InvalidArgument)
            {
                throw new IOException($"fsync of the directory {directory} failed", new Win32Exception(error));
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
