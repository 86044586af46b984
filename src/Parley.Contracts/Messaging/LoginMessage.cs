using System.Text;

namespace Parley.Contracts.Messaging;

/// <summary>
/// The exact bytes an identity key signs (XEdDSA) to register and to log in. Each starts with its own
/// purpose label, then the server's name and the username, each length-prefixed, so a signature made
/// for one purpose, server or account is worthless for any other.
/// </summary>
public static class LoginMessage
{
    public const int NonceBytes = 32;

    private static readonly byte[] LoginLabel = Encoding.ASCII.GetBytes("Parley login v1");
    private static readonly byte[] RegisterLabel = Encoding.ASCII.GetBytes("Parley register v1");

    /// <summary><c>"Parley login v1" ‖ lp(serverName) ‖ lp(username) ‖ nonce(32)</c>.</summary>
    public static byte[] ForLogin(string serverName, string username, ReadOnlySpan<byte> nonce)
    {
        if (nonce.Length != NonceBytes)
        {
            throw new ArgumentException($"A login nonce is {NonceBytes} bytes.", nameof(nonce));
        }

        return Build(LoginLabel, serverName, username, nonce);
    }

    /// <summary><c>"Parley register v1" ‖ lp(serverName) ‖ lp(username) ‖ identityKey(33)</c>.</summary>
    public static byte[] ForRegistration(string serverName, string username, ReadOnlySpan<byte> identityKey) =>
        Build(RegisterLabel, serverName, username, identityKey);

    /// <summary>The canonical (lower-case) form the server stores and the signatures cover.</summary>
    public static string Canonical(string username) => username.ToLowerInvariant();

    private static byte[] Build(byte[] label, string serverName, string username, ReadOnlySpan<byte> tail)
    {
        var server = Encoding.UTF8.GetBytes(serverName);
        var user = Encoding.UTF8.GetBytes(Canonical(username));
        var result = new byte[label.Length + 2 + server.Length + 2 + user.Length + tail.Length];
        var span = result.AsSpan();
        label.CopyTo(span);
        span = span[label.Length..];
        WritePrefixed(ref span, server);
        WritePrefixed(ref span, user);
        tail.CopyTo(span);
        return result;
    }

    private static void WritePrefixed(ref Span<byte> span, byte[] value)
    {
        if (value.Length > ushort.MaxValue)
        {
            throw new ArgumentException("Value too long.");
        }

        span[0] = (byte)(value.Length >> 8);
        span[1] = (byte)value.Length;
        value.CopyTo(span[2..]);
        span = span[(2 + value.Length)..];
    }
}
