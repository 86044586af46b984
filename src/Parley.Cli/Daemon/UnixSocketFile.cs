using System.Runtime.InteropServices;

namespace Parley.Cli.Daemon;

/// <summary>
/// Whether a path is a Unix domain socket (and not a file someone keeps there): .NET tells files from
/// folders only, so this asks the kernel with <c>statx(2)</c>, whose record has one layout on every Linux.
/// </summary>
internal static partial class UnixSocketFile
{
    private const int CurrentFolder = -100;     // AT_FDCWD
    private const int NoFollow = 0x100;         // AT_SYMLINK_NOFOLLOW
    private const uint TypeField = 0x1;         // STATX_TYPE
    private const int ModeOffset = 28;          // struct statx: stx_mode (u16)
    private const int TypeMask = 0xF000;        // S_IFMT
    private const int SocketType = 0xC000;      // S_IFSOCK

    /// <summary>True for a socket, false for anything else; null where the kernel cannot say (not Linux).</summary>
    public static bool? IsSocket(string path)
    {
        var record = new byte[256];
        try
        {
            if (Statx(CurrentFolder, path, NoFollow, TypeField, record) != 0)
            {
                return null;
            }
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return null;
        }

        return (BitConverter.ToUInt16(record, ModeOffset) & TypeMask) == SocketType;
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int folder, string path, int flags, uint mask, [Out] byte[] record);
}
