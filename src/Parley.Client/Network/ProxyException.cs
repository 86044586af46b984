namespace Parley.Client.Network;

/// <summary>
/// A connection through the SOCKS5 proxy failed before it reached the server: the proxy could not be
/// reached, refused, or could not connect onwards. Nothing was sent to the server, directly or otherwise.
/// The message is one line naming the proxy by <c>host:port</c> (never its password).
/// </summary>
public sealed class ProxyException(string message, HttpRequestException inner) : HttpRequestException(inner.HttpRequestError, message, inner)
{
    /// <summary>The proxy failure somewhere in <paramref name="e"/>'s chain of inner exceptions, if any.</summary>
    public static ProxyException? Find(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is ProxyException p)
            {
                return p;
            }
        }

        return null;
    }
}
