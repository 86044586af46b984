using Parley.Client.Messaging;
using Parley.Client.Network;
using Parley.Client.Profiles;
using Parley.Contracts.Messaging;
using Parley.Crypto;

namespace Parley.Client.Messenger;

/// <summary>
/// The messenger's way to the server: the REST client with a bearer token kept in the profile, a
/// login by challenge whenever the token is missing, about to expire or refused, and — when the
/// caller wants live delivery — a hub connection.
/// </summary>
internal sealed class ServerLink(ProfileStore profile, Uri server, string username, Curve25519PrivateKey identity, TimeProvider time,
    HttpMessageHandler? handler, SocksProxy? proxy) : IAsyncDisposable
{
    private static readonly TimeSpan RenewBefore = TimeSpan.FromMinutes(2);

    public MessagingApi Api { get; } = new(server, handler ?? (proxy is null ? null : ClientHandlers.Create(proxy)));

    private RelayClient? _hub;

    /// <summary>The live hub connection; null when there is none or it has closed (callers then use REST).</summary>
    public RelayClient? Hub => _hub is { State: RelayClientState.Connected } hub ? hub : null;

    public Uri Server => Api.Server;

    /// <summary>Makes sure a token that will last a while is set, logging in when needed.</summary>
    public async Task EnsureLoggedInAsync(CancellationToken cancellationToken)
    {
        if (Api.Token is null)
        {
            var stored = profile.Get(ItemKind.Token, TokenRecord.Name, ProfileCodecs.Token);
            if (stored is not null && stored.ExpiresAt - RenewBefore > time.GetUtcNow())
            {
                Api.Token = stored.Token;
                return;
            }
        }
        else
        {
            return;
        }

        await LoginAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task LoginAsync(CancellationToken cancellationToken)
    {
        LoginResponse login;
        try
        {
            login = await Api.LoginAsync(username, identity, cancellationToken).ConfigureAwait(false);
        }
        catch (MessagingApiException e) when (e.Status == 401)
        {
            throw new MessengerException(MessengerFailure.LoginFailed,
                $"the server did not accept this profile's key for '{username}' (the account may have been deleted or replaced)", e);
        }

        var write = profile.BeginWrite();
        write.Put(ItemKind.Token, TokenRecord.Name, new TokenRecord(login.Token, login.ExpiresAt), ProfileCodecs.Token);
        write.Commit();
    }

    /// <summary>Runs a REST call; a refused token (expired, revoked) means one fresh login and one more try.</summary>
    public async Task<T> CallAsync<T>(Func<MessagingApi, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        await EnsureLoggedInAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await call(Api, cancellationToken).ConfigureAwait(false);
        }
        catch (MessagingApiException e) when (e.Status == 401)
        {
            await LoginAsync(cancellationToken).ConfigureAwait(false);
            return await call(Api, cancellationToken).ConfigureAwait(false);
        }
    }

    public Task CallAsync(Func<MessagingApi, CancellationToken, Task> call, CancellationToken cancellationToken) =>
        CallAsync<bool>(async (api, ct) =>
        {
            await call(api, ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    /// <summary>Opens the hub connection (the queue drains into it first, then live envelopes follow).</summary>
    public async Task<RelayClient> ConnectHubAsync(RelayClientOptions? options, CancellationToken cancellationToken)
    {
        await DisconnectHubAsync().ConfigureAwait(false);
        await EnsureLoggedInAsync(cancellationToken).ConfigureAwait(false);
        if ((proxy is not null && options?.Proxy is null) || (handler is not null && options?.Handler is null))
        {
            // The hub goes where REST goes: through the messenger's proxy, or its own HTTP handler.
            options = new RelayClientOptions
            {
                LocalAddress = options?.LocalAddress,
                CallTimeout = options?.CallTimeout ?? new RelayClientOptions().CallTimeout,
                Proxy = options?.Proxy ?? proxy,
                Handler = options?.Handler ?? handler,
            };
        }

        try
        {
            _hub = await RelayClient.ConnectAsync(Server, Api.Token!, options, cancellationToken).ConfigureAwait(false);
        }
        catch (MessagingApiException)
        {
            // The upgrade is refused when the token is no longer valid: log in once more.
            await LoginAsync(cancellationToken).ConfigureAwait(false);
            _hub = await RelayClient.ConnectAsync(Server, Api.Token!, options, cancellationToken).ConfigureAwait(false);
        }

        return _hub;
    }

    /// <summary>
    /// Runs <paramref name="overHub"/> on the live hub connection, or <paramref name="overRest"/> when there is
    /// none, or when the connection closed under the call (its node draining or dying). The REST call may then
    /// repeat what the node had already done before it went: only idempotent work (acknowledgements), or
    /// sends whose copies the receiver drops (a repeated envelope carries the same message id), belong here.
    /// </summary>
    public async Task<T> OverHubOrRestAsync<T>(Func<RelayClient, CancellationToken, Task<T>> overHub,
        Func<MessagingApi, CancellationToken, Task<T>> overRest, CancellationToken cancellationToken)
    {
        if (Hub is { } hub)
        {
            try
            {
                return await overHub(hub, cancellationToken).ConfigureAwait(false);
            }
            catch (MessagingApiException e) when (e.Type == MessagingApiException.NetworkType && hub.State == RelayClientState.Disconnected)
            {
                // the socket went away mid-call: the same work goes over REST, to whichever node answers
            }
        }

        return await CallAsync(overRest, cancellationToken).ConfigureAwait(false);
    }

    public async Task DisconnectHubAsync()
    {
        if (_hub is { } hub)
        {
            _hub = null;
            await hub.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await DisconnectHubAsync().ConfigureAwait(false);
        Api.Dispose();
    }
}
