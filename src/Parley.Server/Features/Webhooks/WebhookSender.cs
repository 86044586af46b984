using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Parley.Contracts.Webhooks;

namespace Parley.Server.Features.Webhooks;

/// <summary>
/// Sends one signed delivery. The connection is opened by <see cref="ConnectAsync"/>, which resolves
/// the host itself and checks every address it got before connecting to one of them, so a name cannot
/// pass a check and then resolve elsewhere (DNS rebinding). No proxy, no redirects, no cookies, short
/// timeouts, and at most a few KiB of the answer are read.
/// </summary>
internal sealed class WebhookSender : IDisposable
{
    private const int MaxResponseBytes = 4 * 1024;
    private readonly bool _allowPrivateTargets;
    private readonly TimeSpan _requestTimeout;
    private readonly HttpClient _client;

    public WebhookSender(IOptions<WebhookOptions> options)
    {
        var o = options.Value;
        _allowPrivateTargets = o.AllowPrivateTargets;
        _requestTimeout = o.RequestTimeout;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = o.ConnectTimeout,
            MaxResponseHeadersLength = 8,
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
            ConnectCallback = ConnectAsync,
        };
        _client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _client.DefaultRequestHeaders.UserAgent.ParseAdd("Parley-Webhooks/1");
    }

    public async Task<DeliveryOutcome> SendAsync(PendingDelivery delivery, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (WebhookUrl.Parse(delivery.Url, _allowPrivateTargets, out _) is not { } url)
        {
            return DeliveryOutcome.Refused;
        }

        var timestamp = now.ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(delivery.Body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add(WebhookEventTypes.IdHeader, delivery.MessageId);
        request.Headers.Add(WebhookEventTypes.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookEventTypes.SignatureHeader, WebhookSignature.Sign(delivery.SigningKey, delivery.MessageId, timestamp, delivery.Body));
        // One deadline for the whole attempt, body included: a receiver that trickles its answer is cut off too.
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(_requestTimeout);
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, attempt.Token);
            await DrainAsync(response, attempt.Token);
            return response.IsSuccessStatusCode ? DeliveryOutcome.Delivered : DeliveryOutcome.Failed;
        }
        catch (HttpRequestException e) when (e.InnerException is ForbiddenTargetException)
        {
            return DeliveryOutcome.Refused;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return DeliveryOutcome.Failed;
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            return DeliveryOutcome.Failed;
        }
    }

    /// <summary>
    /// Reads a short answer to its end (so the connection can be reused) and no more than that. The
    /// status line is the acknowledgement: a body that is long, slow or broken changes nothing.
    /// </summary>
    private static async Task DrainAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength is > MaxResponseBytes)
        {
            return;
        }

        try
        {
            await ReadSomeAsync(response, cancellationToken);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException)
        {
        }
    }

    private static async Task ReadSomeAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[MaxResponseBytes];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = await body.ReadAsync(buffer.AsMemory(total), cancellationToken)) > 0)
        {
            total += read;
        }
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host.Trim('[', ']');
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
        if (addresses.Length == 0)
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }

        // One forbidden address refuses the name: which of them the connect would use is not ours to guess.
        if (!_allowPrivateTargets && addresses.Any(WebhookAddressRules.IsForbidden))
        {
            throw new ForbiddenTargetException();
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Dispose() => _client.Dispose();

    /// <summary>The receiver's host resolved to an address webhooks may not reach.</summary>
    private sealed class ForbiddenTargetException() : IOException("The webhook target resolves to a forbidden address.");
}

internal enum DeliveryOutcome
{
    Delivered,

    /// <summary>Worth another try: the receiver was down, slow, or answered other than 2xx.</summary>
    Failed,

    /// <summary>Never worth another try: the URL or the address it resolves to is not allowed.</summary>
    Refused,
}
