using Parley.Client.Messaging;
using Parley.Contracts.Messaging;

namespace Parley.Messaging.Tests.Support;

/// <summary>A registered (and usually logged-in) account on a test server, with its keys and REST client.</summary>
public sealed class TestUser : IAsyncDisposable
{
    private readonly List<RelayClient> _relays = [];

    private TestUser(Uri server, string name, AccountKeys keys, HttpMessageHandler? handler)
    {
        Server = server;
        Name = name;
        Keys = keys;
        Api = new MessagingApi(server, handler);
    }

    public Uri Server { get; }

    public string Name { get; }

    public AccountKeys Keys { get; }

    public MessagingApi Api { get; }

    public string Token => Api.Token ?? throw new InvalidOperationException("not logged in");

    public static string NewName(string prefix = "u") => prefix + Guid.NewGuid().ToString("N")[..12];

    public static async Task<TestUser> CreateAsync(Uri server, string? name = null, int preKeys = 0, int kyberPreKeys = 0, bool login = true,
        string? inviteCode = null, HttpMessageHandler? handler = null)
    {
        var user = new TestUser(server, name ?? NewName(), AccountKeys.Generate(), handler);
        await user.Api.RegisterAsync(user.Keys.RegisterRequest(user.Name, user.Api.ServerName, preKeys, kyberPreKeys, inviteCode));
        if (login)
        {
            await user.Api.LoginAsync(user.Name, user.Keys.Identity);
        }

        return user;
    }

    public static Task<TestUser> CreateAsync(ParleyTestServer server, string? name = null, int preKeys = 0, int kyberPreKeys = 0, bool login = true) =>
        CreateAsync(server.BaseAddress, name, preKeys, kyberPreKeys, login);

    public async Task<RelayClient> ConnectAsync()
    {
        var relay = await RelayClient.ConnectAsync(Server, Token);
        _relays.Add(relay);
        return relay;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var r in _relays)
        {
            await r.DisposeAsync();
        }

        Api.Dispose();
        Keys.Dispose();
    }
}

internal static class RelayExtensions
{
    /// <summary>The next <paramref name="count"/> envelopes, or a failure after <paramref name="timeout"/>.</summary>
    public static async Task<List<HubEnvelope>> ReceiveAsync(this RelayClient relay, int count, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        var result = new List<HubEnvelope>(count);
        while (result.Count < count)
        {
            result.Add(await relay.Envelopes.ReadAsync(cts.Token));
        }

        return result;
    }

    /// <summary>True when nothing arrives within <paramref name="wait"/>.</summary>
    public static async Task<bool> StaysQuietAsync<T>(this System.Threading.Channels.ChannelReader<T> reader, TimeSpan wait)
    {
        using var cts = new CancellationTokenSource(wait);
        try
        {
            await reader.WaitToReadAsync(cts.Token);
            return !reader.TryPeek(out _);
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }

    public static async Task<T> NextAsync<T>(this System.Threading.Channels.ChannelReader<T> reader, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        return await reader.ReadAsync(cts.Token);
    }
}
