namespace Parley.Client.Network;

/// <summary>
/// The HTTP handlers behind the client's REST calls and hub connections: a direct connection, or every
/// connection through a <see cref="SocksProxy"/> whose failures surface as <see cref="ProxyException"/>s.
/// </summary>
public static class ClientHandlers
{
    /// <summary>How long opening a connection may take directly.</summary>
    public static readonly TimeSpan DirectConnectTimeout = TimeSpan.FromSeconds(15);

    /// <summary>How long through a proxy: Tor builds a circuit first, and an onion service takes several.</summary>
    public static readonly TimeSpan ProxiedConnectTimeout = TimeSpan.FromSeconds(60);

    /// <summary>A handler for REST calls: no redirects followed, no cookies kept; through <paramref name="proxy"/> when given.</summary>
    public static HttpMessageHandler Create(SocksProxy? proxy = null) =>
        Through(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }, proxy);

    /// <summary>Routes <paramref name="handler"/> through <paramref name="proxy"/> (nothing bypasses it); unchanged without one.</summary>
    public static HttpMessageHandler Through(SocketsHttpHandler handler, SocksProxy? proxy)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (proxy is null)
        {
            handler.ConnectTimeout = DirectConnectTimeout;
            return handler;
        }

        handler.ConnectTimeout = ProxiedConnectTimeout;
        proxy.Apply(handler);
        return new ProxyFailures(proxy, handler);
    }

    /// <summary>Turns a failure at the proxy into a <see cref="ProxyException"/> that says so.</summary>
    private sealed class ProxyFailures(SocksProxy proxy, HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            try
            {
                return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e) when (e is not ProxyException && proxy.Explain(e) is { } text)
            {
                throw new ProxyException(text, e);
            }
        }

        protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            try
            {
                return base.Send(request, cancellationToken);
            }
            catch (HttpRequestException e) when (e is not ProxyException && proxy.Explain(e) is { } text)
            {
                throw new ProxyException(text, e);
            }
        }
    }
}
