using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Parley.Client.Messaging;

namespace Parley.Messaging.Tests.Support;

/// <summary>
/// A hostile server in front of a real one, on loopback: every request it gets (method, path, query,
/// body, Content-Type, Authorization) goes on to the real server and the answer comes back, so a client
/// that logs in "to the relay" really talks to the real server. It forwards under the Host it was
/// reached by (<c>keepHost</c>) or under the real server's own. It records what the real server answered.
/// </summary>
internal sealed class ForwardingRelay : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _upstream;

    private ForwardingRelay(WebApplication app, HttpClient upstream, int port)
    {
        _app = app;
        _upstream = upstream;
        Port = port;
    }

    public int Port { get; }

    /// <summary>Path and status of every answer the real server gave through the relay.</summary>
    public ConcurrentQueue<(string Path, HttpStatusCode Status)> Answers { get; } = new();

    public static async Task<ForwardingRelay> StartAsync(Uri target, bool keepHost)
    {
        var upstream = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = target };
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        ForwardingRelay? relay = null;
        app.Run(async context =>
        {
            using var forward = new HttpRequestMessage(new HttpMethod(context.Request.Method),
                new Uri(context.Request.Path.Value!.TrimStart('/') + context.Request.QueryString, UriKind.Relative));
            if (context.Request.ContentType is { } contentType)
            {
                forward.Content = new StreamContent(context.Request.Body);
                forward.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }

            if (context.Request.Headers.Authorization is { Count: > 0 } authorization)
            {
                forward.Headers.TryAddWithoutValidation("Authorization", authorization.ToString());
            }

            if (keepHost)
            {
                forward.Headers.Host = context.Request.Host.Value;
            }

            using var answer = await upstream.SendAsync(forward, context.RequestAborted);
            relay!.Answers.Enqueue((context.Request.Path.Value!, answer.StatusCode));
            context.Response.StatusCode = (int)answer.StatusCode;
            if (answer.Content.Headers.ContentType is { } type)
            {
                context.Response.ContentType = type.ToString();
            }

            await answer.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        relay = new ForwardingRelay(app, upstream, new Uri(address).Port);
        return relay;
    }

    /// <summary>A client that believes it talks to <c>http://{name}:{port}/</c>; its connections reach this relay.</summary>
    public MessagingApi ClientFor(string name)
    {
        var port = Port;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), ct);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        return new MessagingApi(new Uri($"http://{name}:{port}/"), handler);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _upstream.Dispose();
    }
}
