namespace Parley.Messaging.Tests.Support;

/// <summary>Sends every request with this <c>Host</c> header, as a relaying server would when it forwards under its own name.</summary>
internal sealed class HostHeaderHandler(string host) : DelegatingHandler(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false })
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Host = host;
        return base.SendAsync(request, cancellationToken);
    }
}
