using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Parley.Server.Features.Messaging;

/// <summary>
/// The name this server signs into challenges and checks in registration proofs and login answers
/// (docs/messaging-api.md, "Keys and signatures"). It never takes the name a request claims: a relay
/// could otherwise ask for a challenge with <c>Host: relay.example</c>, have a victim who logs in to
/// the relay sign for the relay's name, and replay the answer here. So the name is
/// <c>Parley:Messaging:ServerName</c> when it is set; unset, it is the request's Host only while
/// every address the server listens on is loopback, and only when that Host is a loopback name too.
/// A server on a public address without the setting refuses registration and login (503).
/// </summary>
internal sealed class MessagingServerName(IOptions<MessagingOptions> options, IServer server, IHostApplicationLifetime lifetime,
    ILogger<MessagingServerName> logger) : IHostedService
{
    private readonly string? _configured = string.IsNullOrEmpty(options.Value.ServerName) ? null : options.Value.ServerName;
    private bool? _loopbackOnly;

    /// <summary>503 server-name-required when no name can be trusted on this server, else null.</summary>
    public ProblemHttpResult? Unavailable() =>
        _configured is null && !ListensOnLoopbackOnly() ? MessagingProblems.ServerNameRequired() : null;

    /// <summary>The name to sign and check for <paramref name="request"/>, or null when its Host does not name this server.</summary>
    public string? NameFor(HttpRequest request)
    {
        if (_configured is not null)
        {
            return _configured;
        }

        var host = request.Host;
        return ListensOnLoopbackOnly() && host.HasValue && IsLoopbackName(host.Host) ? host.Value : null;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() =>
        {
            if (_configured is null && !ListensOnLoopbackOnly())
            {
                MessagingLog.ServerNameRequired(logger, string.Join(", ", Addresses()));
            }
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary><c>localhost</c>, a dotted 127.0.0.0/8 address or <c>[::1]</c>: names that reach this machine only.</summary>
    internal static bool IsLoopbackName(string host)
    {
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        // Canonical text only: "127.1" or "2130706433" also parse as loopback, but no client writes them.
        return IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address)
            && (address.AddressFamily == AddressFamily.InterNetwork ? address.ToString() == host : host == "[::1]");
    }

    // Known once the server listens (the addresses do not change after that); before, nothing is trusted.
    private bool ListensOnLoopbackOnly()
    {
        if (_loopbackOnly is { } known)
        {
            return known;
        }

        var addresses = Addresses();
        if (addresses.Count == 0)
        {
            return false;
        }

        _loopbackOnly = addresses.TrueForAll(a => BindingAddress.Parse(a) is { IsUnixPipe: false } b && IsLoopbackName(b.Host));
        return _loopbackOnly.Value;
    }

    private List<string> Addresses() => [.. server.Features.Get<IServerAddressesFeature>()?.Addresses ?? []];
}
