using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Parley.Contracts.Webhooks;

namespace Parley.Testing;

/// <summary>How a <see cref="WebhookReceiver"/> answers.</summary>
public enum ReceiverAnswer
{
    /// <summary>204 at once.</summary>
    Accept,

    /// <summary>307 to another path of the receiver.</summary>
    Redirect,

    /// <summary>Never answers (until the caller gives up).</summary>
    Hang,

    /// <summary>200, then a body that never ends.</summary>
    Endless,
}

/// <summary>One webhook call as the receiver saw it.</summary>
public sealed record ReceivedWebhook(string Id, string Timestamp, string Signature, byte[] Body)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    public string Type => Json.GetProperty("type").GetString()!;

    public bool SignatureValid(string signingKey) =>
        WebhookSignature.TryParseKey(signingKey, out var key)
        && long.TryParse(Timestamp, out var t)
        && WebhookSignature.Verify(key, Id, t, Body, Signature);
}

/// <summary>
/// A real HTTP receiver on a loopback port (Kestrel), recording every call. It can be stopped and
/// started again on the same port, to play a receiver that is down for a while.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private WebApplication? _app;
    private int _redirectsFollowed;

    private WebhookReceiver(int port)
    {
        Port = port;
    }

    public int Port { get; }

    /// <summary>How the receiver answers each call (it records the call first, whatever the answer).</summary>
    public ReceiverAnswer Answer { get; set; }

    /// <summary>Calls that arrived at the redirect's target: a sender that follows no redirects makes none.</summary>
    public int RedirectsFollowed => Volatile.Read(ref _redirectsFollowed);

    /// <summary>The URL to give as a webhook, on 127.0.0.1 (or on <paramref name="host"/>).</summary>
    public string Url(string host = "127.0.0.1") => $"http://{host}:{Port}/hooks/parley?token=receiver-own-token";

    public IReadOnlyList<ReceivedWebhook> Received => [.. _received];

    /// <summary>A receiver on a free port, listening unless <paramref name="listening"/> is false.</summary>
    public static async Task<WebhookReceiver> StartAsync(bool listening = true)
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var receiver = new WebhookReceiver(port);
        if (listening)
        {
            await receiver.ListenAsync();
        }

        return receiver;
    }

    public async Task ListenAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{Port}");
        var app = builder.Build();
        app.MapPost("/hooks/parley", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            var h = context.Request.Headers;
            _received.Enqueue(new ReceivedWebhook(h[WebhookEventTypes.IdHeader].ToString(), h[WebhookEventTypes.TimestampHeader].ToString(),
                h[WebhookEventTypes.SignatureHeader].ToString(), body.ToArray()));
            switch (Answer)
            {
                case ReceiverAnswer.Redirect:
                    return Results.Redirect("/hooks/elsewhere", permanent: false, preserveMethod: true);
                case ReceiverAnswer.Hang:
                    await Task.Delay(TimeSpan.FromMinutes(5), context.RequestAborted).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    return Results.NoContent();
                case ReceiverAnswer.Endless:
                    context.Response.StatusCode = StatusCodes.Status200OK;
                    var chunk = new byte[64 * 1024];
                    while (!context.RequestAborted.IsCancellationRequested)
                    {
                        await context.Response.Body.WriteAsync(chunk, context.RequestAborted).AsTask().ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    }

                    return Results.Empty;
                default:
                    return Results.NoContent();
            }
        });
        app.MapPost("/hooks/elsewhere", () =>
        {
            Interlocked.Increment(ref _redirectsFollowed);
            return Results.NoContent();
        });
        await app.StartAsync();
        _app = app;
    }

    public async Task StopAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> calls arrived; the calls so far when it gives up.</summary>
    public async Task<IReadOnlyList<ReceivedWebhook>> WaitForAsync(int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (_received.Count < count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        return Received;
    }

    public ValueTask DisposeAsync() => new(StopAsync());
}
