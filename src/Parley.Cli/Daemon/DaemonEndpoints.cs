using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Parley.Cli.Daemon;

/// <summary>
/// Where the daemon listens: a Unix domain socket only its owner may open, and/or a TCP port on a
/// loopback address (never any other: the daemon speaks for the profile without asking for a passphrase).
/// </summary>
internal static class DaemonEndpoints
{
    // sun_path holds 108 bytes with the terminating zero.
    private const int MaxSocketPathBytes = 107;

    /// <summary><c>127.0.0.1:PORT</c> or <c>[::1]:PORT</c>; a usage error for anything else.</summary>
    public static IPEndPoint ParseTcp(string text)
    {
        if (!IPEndPoint.TryParse(text.Trim(), out var endpoint) || !text.Contains(':', StringComparison.Ordinal)
            || (endpoint.AddressFamily == AddressFamily.InterNetworkV6 && !text.Contains(']', StringComparison.Ordinal)))
        {
            throw CliException.Usage("--tcp takes a loopback address and port: 127.0.0.1:PORT or [::1]:PORT");
        }

        if (!IPAddress.IsLoopback(endpoint.Address))
        {
            throw CliException.Usage($"--tcp listens on loopback addresses only (127.0.0.1 or [::1]), not {endpoint.Address}: anyone who reaches the port could use your profile");
        }

        return endpoint;
    }

    /// <summary>The socket's full path, checked before the profile is opened; a usage error when it cannot be one.</summary>
    public static string CheckSocketPath(string text)
    {
        if (OperatingSystem.IsWindows())
        {
            throw CliException.Usage("--socket needs Linux or macOS (a socket file with owner-only permissions); use --tcp 127.0.0.1:PORT");
        }

        var path = Path.GetFullPath(text);
        if (Encoding.UTF8.GetByteCount(path) > MaxSocketPathBytes)
        {
            throw CliException.Usage($"--socket: the path is longer than {MaxSocketPathBytes} bytes, the most a Unix socket may have; choose a shorter one (e.g. in $XDG_RUNTIME_DIR)");
        }

        if (!Directory.Exists(Path.GetDirectoryName(path)))
        {
            throw CliException.Usage($"--socket: the folder {Path.GetDirectoryName(path)} does not exist");
        }

        if (Directory.Exists(path) || (File.Exists(path) && UnixSocketFile.IsSocket(path) != true))
        {
            throw CliException.Usage($"--socket: {path} exists and is not a socket; nothing was changed");
        }

        return path;
    }

    /// <summary>
    /// Listens on a new socket at <paramref name="path"/> with mode 0600, set before it accepts anyone. A socket
    /// left there by a daemon that did not stop cleanly is replaced; one that still answers is not.
    /// </summary>
    public static Socket ListenUnix(string path)
    {
        if (UnixSocketFile.IsSocket(path) == true)
        {
            using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                probe.Connect(new UnixDomainSocketEndPoint(path));
                throw new CliException(ExitCodes.Error, $"--socket: another process listens on {path}");
            }
            catch (SocketException)
            {
                File.Delete(path); // nobody listens: a leftover
            }
        }

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(path));
            // Nobody can connect before Listen: the mode is in place first.
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            socket.Listen();
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new CliException(ExitCodes.Error, $"--socket: cannot listen on {path}: {e.Message}");
        }
    }

    public static Socket ListenTcp(IPEndPoint endpoint)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(endpoint);
            socket.Listen();
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new CliException(ExitCodes.Error, $"--tcp: cannot listen on {endpoint}: {e.Message}");
        }
    }
}
