using Parley.Contracts.Messaging;
using Parley.Crypto;

namespace Parley.Client.Messaging;

/// <summary>
/// The signatures an account's identity key makes for the server: the registration proof and the
/// login answer (<see cref="LoginMessage"/>). The server name is what this client believes it talks
/// to — the authority of the server address — so an answer relayed to another server is worthless.
/// </summary>
public static class MessagingSignatures
{
    /// <summary>The name a client signs for <paramref name="server"/>: host, and port unless it is the scheme's default.</summary>
    public static string ServerNameOf(Uri server) => server.Authority;

    public static byte[] SignLogin(Curve25519PrivateKey identity, string serverName, string username, ReadOnlySpan<byte> nonce)
    {
        ArgumentNullException.ThrowIfNull(identity);
        return identity.Sign(LoginMessage.ForLogin(serverName, username, nonce));
    }

    public static byte[] SignRegistration(Curve25519PrivateKey identity, string serverName, string username)
    {
        ArgumentNullException.ThrowIfNull(identity);
        return identity.Sign(LoginMessage.ForRegistration(serverName, username, identity.PublicKey.Serialize()));
    }
}
