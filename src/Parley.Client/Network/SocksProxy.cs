using System.Net;

namespace Parley.Client.Network;

/// <summary>
/// A SOCKS5 proxy every connection of the client goes through (Tor's is <c>socks5h://127.0.0.1:9050</c>),
/// with server names resolved by the proxy: the client never looks a server's name up itself and never
/// connects anywhere but to the proxy. <see cref="ToString"/> shows <c>host:port</c> only, never a password.
/// </summary>
public sealed class SocksProxy : IEquatable<SocksProxy>
{
    /// <summary>The one scheme accepted: SOCKS5 with names resolved by the proxy (curl's and Tor's spelling).</summary>
    public const string Scheme = "socks5h";

    private const string Example = "socks5h://127.0.0.1:9050";

    private SocksProxy(string host, int port, NetworkCredential? credential)
    {
        Host = host;
        Port = port;
        Credential = credential;
    }

    /// <summary>The proxy's host as it goes into a URI (an IPv6 address in brackets).</summary>
    public string Host { get; }

    public int Port { get; }

    /// <summary>User name and password for the proxy (Tor isolates streams by them), from the URL's user part.</summary>
    internal NetworkCredential? Credential { get; }

    /// <summary>
    /// Reads <c>socks5h://host:port</c> (optionally <c>socks5h://user:password@host:port</c>). Returns null and a
    /// one-line problem, which never repeats the password, when the text is not such a URL.
    /// </summary>
    public static SocksProxy? TryParse(string text, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(text);
        problem = null;
        var trimmed = text.Trim();
        if (!Uri.TryCreate(trimmed, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            problem = $"a proxy is a URL such as {Example}";
            return null;
        }

        if (!uri.Scheme.Equals(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            problem = $"only SOCKS5 proxies that resolve names are supported: write {Scheme}://host:port (e.g. {Example}), not {uri.Scheme}://";
            return null;
        }

        // Unknown schemes have no default port: Uri reports -1 when none was written.
        if (uri.Port is < 1 or > 65535)
        {
            problem = $"the proxy needs a port: {Scheme}://{uri.Host}:PORT (Tor's is 9050)";
            return null;
        }

        if (uri.AbsolutePath is not ("/" or "") || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            problem = $"a proxy URL has no path, query or fragment: {Scheme}://host:port";
            return null;
        }

        NetworkCredential? credential = null;
        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            var user = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            var password = colon < 0 ? string.Empty : Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
            // SOCKS5 user/password authentication carries each in at most 255 bytes (RFC 1929).
            if (user.Length == 0 || System.Text.Encoding.UTF8.GetByteCount(user) > 255 || System.Text.Encoding.UTF8.GetByteCount(password) > 255)
            {
                problem = "the proxy's user name must be 1 to 255 bytes and its password at most 255";
                return null;
            }

            credential = new NetworkCredential(user, password);
        }

        return new SocksProxy(uri.Host, uri.Port, credential);
    }

    /// <summary>Like <see cref="TryParse"/>, throwing an <see cref="ArgumentException"/> with the problem.</summary>
    public static SocksProxy Parse(string text) =>
        TryParse(text, out var problem) ?? throw new ArgumentException(problem, nameof(text));

    /// <summary>Points <paramref name="handler"/> at this proxy for every request, loopback ones included.</summary>
    internal void Apply(SocketsHttpHandler handler)
    {
        handler.UseProxy = true;
        // .NET's SOCKS5 client sends a name as a name (address type 3): the proxy resolves it.
        handler.Proxy = new FixedProxy(new Uri($"socks5://{Host}:{Port}"), Credential);
    }

    /// <summary>What a failure to connect through the proxy means, or null when it happened past the proxy.</summary>
    internal string? Explain(HttpRequestException e) => e.HttpRequestError switch
    {
        HttpRequestError.ProxyTunnelError =>
            $"the proxy {this} refused the connection or could not reach the server ({e.InnerException?.Message ?? e.Message})",
        // Through a proxy the client opens one connection only, to the proxy (and resolves no other name).
        HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError =>
            $"the proxy {this} could not be reached ({(e.InnerException ?? e).Message}); nothing was sent",
        _ => null,
    };

    public override string ToString() => $"{Host}:{Port}";

    public bool Equals(SocksProxy? other) =>
        other is not null && string.Equals(Host, other.Host, StringComparison.OrdinalIgnoreCase) && Port == other.Port
        && Credential?.UserName == other.Credential?.UserName && Credential?.Password == other.Credential?.Password;

    public override bool Equals(object? obj) => Equals(obj as SocksProxy);

    public override int GetHashCode() => HashCode.Combine(Host.ToUpperInvariant(), Port);

    /// <summary>One proxy for every destination; nothing bypasses it, not even loopback.</summary>
    private sealed class FixedProxy(Uri address, ICredentials? credentials) : IWebProxy
    {
        public ICredentials? Credentials
        {
            get => credentials;
            set => throw new NotSupportedException("The proxy's credentials come from its URL.");
        }

        public Uri GetProxy(Uri destination) => address;

        public bool IsBypassed(Uri host) => false;
    }
}
