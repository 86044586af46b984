using System.Security.Cryptography;
using Parley.Client.Messaging;
using Parley.Client.Profiles;
using Parley.Contracts.Messaging;
using Parley.Crypto;
using Parley.Protocol;
using Parley.Protocol.Groups;
using Parley.Protocol.Keys;

namespace Parley.Client.Messenger;

/// <summary>
/// The messenger core: one unlocked profile and its account on a server. It registers and logs in,
/// starts sessions, encrypts and sends (REST, or the hub when connected), receives, decrypts and
/// stores — committing the new session state together with the message before the envelope is
/// acknowledged — and keeps contacts, groups, sender keys and prekeys in order. The CLI's commands
/// and the chat screen both drive this one class. Calls are serialized: one operation at a time.
/// </summary>
public sealed partial class Messenger : IAsyncDisposable
{
    /// <summary>Parley accounts have one device; every address uses this device id.</summary>
    public const uint DeviceId = 1;

    private readonly ProfileStore _profile;
    private readonly IdentityKeyPair _identity;
    private readonly ProfileProtocolStore _protocol;
    private readonly SessionCipher _sessions;
    private readonly GroupCipher _groups;
    private readonly ServerLink _server;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly int _preKeyBatch;
    private AccountRecord _account;
    private bool _disposed;

    private Messenger(ProfileStore profile, AccountRecord account, Curve25519PrivateKey identity, MessengerOptions options)
    {
        var time = options.Time;
        _preKeyBatch = options.PreKeyBatch;
        _profile = profile;
        _account = account;
        _time = time;
        _identity = new IdentityKeyPair(identity);
        _protocol = new ProfileProtocolStore(_identity, account.RegistrationId, time);
        Self = new ProtocolAddress(account.Username, DeviceId);
        _sessions = new SessionCipher(_protocol, Self, time);
        _groups = new GroupCipher(_protocol);
        _server = new ServerLink(profile, new Uri(account.Server), account.Username, identity, time, options.HttpHandler, options.Proxy);
    }

    public string Username => _account.Username;

    public uint RegistrationId => _account.RegistrationId;

    public Uri Server => _server.Server;

    public ProfileStore Profile => _profile;

    public ProtocolAddress Self { get; }

    /// <summary>The REST client (logged in on first use), for what the messenger does not wrap.</summary>
    public MessagingApi Api => _server.Api;

    public Curve25519PublicKey IdentityKey => _identity.PublicKey;

    /// <summary>
    /// Creates profile <paramref name="profileName"/>, makes an identity and prekeys, and registers
    /// <paramref name="username"/> on <paramref name="server"/>. When the server refuses, the new
    /// profile is deleted again: nothing is left behind.
    /// </summary>
    public static async Task<Messenger> RegisterAsync(string profileName, string passphrase, Uri server, string username, string? inviteCode = null,
        MessengerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new MessengerOptions();
        var canonical = ConversationId.CanonicalUsername(username)
            ?? throw new MessengerException(MessengerFailure.InvalidArgument,
                "a username is 3 to 32 letters, digits, '_', '.' or '-', starts with a letter, and has no two marks in a row");
        var profile = ProfileStore.Create(profileName, passphrase, options.ProfilesRoot, options.KdfMemoryKiB, options.KdfIterations);
        Messenger? messenger = null;
        try
        {
            var time = options.Time;
            var now = time.GetUtcNow();
            var identity = Curve25519PrivateKey.Generate();
            var registrationId = (uint)RandomNumberGenerator.GetInt32(1, 16381);
            var account = new AccountRecord(NormalizeServer(server), canonical, registrationId, now, false, 1, 0, now, 0, now);
            var write = profile.BeginWrite();
            write.Put(ItemKind.Identity, "self", identity, ProfileCodecs.Identity);
            write.Put(ItemKind.Account, AccountRecord.Name, account, ProfileCodecs.Account);
            write.Commit();

            messenger = new Messenger(profile, account, identity, options);
            await messenger.RegisterOnServerAsync(inviteCode, cancellationToken).ConfigureAwait(false);
            return messenger;
        }
        catch
        {
            if (messenger is not null)
            {
                await messenger.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                profile.Dispose();
            }

            ProfileDirectory.Delete(profileName, options.ProfilesRoot);
            throw;
        }
    }

    /// <summary>Opens and unlocks a profile that holds a registered account.</summary>
    public static Messenger Open(string profileName, string passphrase, MessengerOptions? options = null)
    {
        options ??= new MessengerOptions();
        var profile = ProfileStore.Open(profileName, passphrase, options.ProfilesRoot, options.LockWait, StartupWarmup.Run);
        try
        {
            var account = profile.Get(ItemKind.Account, AccountRecord.Name, ProfileCodecs.Account);
            var identity = profile.Get(ItemKind.Identity, "self", ProfileCodecs.Identity);
            if (account is null || identity is null || !account.Registered)
            {
                throw new MessengerException(MessengerFailure.NotRegistered,
                    $"profile '{profileName}' holds no registered account (register again with 'parley register <username>')");
            }

            var messenger = new Messenger(profile, account, identity, options);
            messenger.ExpireDue(); // disappearing messages whose time came while no parley ran go before anything reads them
            return messenger;
        }
        catch
        {
            profile.Dispose();
            throw;
        }
    }

    private async Task RegisterOnServerAsync(string? inviteCode, CancellationToken cancellationToken)
    {
        var config = await _server.Api.GetConfigAsync(cancellationToken).ConfigureAwait(false);
        var count = Math.Min(_preKeyBatch, config.MaxPreKeysPerUpload);
        var write = _profile.BeginWrite();
        _protocol.Write = write;
        var keys = NewPreKeys(count, signed: true, lastResort: true);
        write.Commit();

        var proof = MessagingSignatures.SignRegistration(_identity.PrivateKey, MessagingSignatures.ServerNameOf(_server.Server), Username);
        var request = new RegisterRequest(Username, AccountKeys.B64u(_identity.PublicKey.Serialize()), _account.RegistrationId, AccountKeys.B64u(proof),
            keys.Upload.SignedPreKey!, keys.Upload.KyberLastResortPreKey!, keys.Upload.PreKeys, keys.Upload.KyberPreKeys, inviteCode);
        try
        {
            await _server.Api.RegisterAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (MessagingApiException e) when (e.Status is >= 400 and < 500)
        {
            throw new MessengerException(MessengerFailure.Refused, RefusalText(e), e);
        }

        _account = _account with { Registered = true };
        write = _profile.BeginWrite();
        write.Put(ItemKind.Account, AccountRecord.Name, _account, ProfileCodecs.Account);
        write.Commit();
    }

    /// <summary>Logs in now (a fresh token), e.g. to check that the account still exists.</summary>
    public async Task LoginAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _server.LoginAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Revokes the token on the server and forgets it; the profile and its keys stay.</summary>
    public async Task LogoutAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_profile.Get(ItemKind.Token, TokenRecord.Name, ProfileCodecs.Token) is { } token && token.ExpiresAt > _time.GetUtcNow())
            {
                _server.Api.Token = token.Token;
                try
                {
                    await _server.Api.LogoutAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (MessagingApiException e) when (e.Status == 401)
                {
                    // already expired or revoked
                }
            }

            _server.Api.Token = null;
            var write = _profile.BeginWrite();
            write.Delete(ItemKind.Token, TokenRecord.Name);
            write.Commit();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Deletes the account on the server (keys, queue, memberships) and then this profile. The username
    /// becomes free; contacts who register it again later see a new safety number.
    /// </summary>
    public async Task UnregisterAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _server.CallAsync((api, ct) => api.DeleteAccountAsync(ct), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }

        var name = _profile.Name;
        var root = Path.GetDirectoryName(_profile.Folder);
        await DisposeAsync().ConfigureAwait(false);
        ProfileDirectory.Delete(name, root);
    }

    /// <summary>Runs <paramref name="work"/> alone (one operation at a time on the profile).</summary>
    private async Task<T> ExclusiveAsync<T>(Func<Task<T>> work, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await work().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private T Exclusive<T>(Func<T> work)
    {
        _gate.Wait();
        try
        {
            return work();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The server's own words for a refusal, without the problem type.</summary>
    internal static string RefusalText(MessagingApiException e) => e.Detail ?? e.Type;

    private static string NormalizeServer(Uri server) => server.GetLeftPart(UriPartial.Authority);

    private ProtocolAddress AddressOf(string username) => new(username, DeviceId);

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            FlushAcknowledged();
            await _server.DisposeAsync().ConfigureAwait(false);
            _identity.Dispose();
            _profile.Dispose();
        }
        finally
        {
            _gate.Release();
        }
    }

    public override string ToString() => $"Messenger({Username} on {Server})";
}

/// <summary>Settings of a <see cref="Messenger"/> (tests and benchmarks change them; people rarely need to).</summary>
public sealed class MessengerOptions
{
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The folder that holds the profiles; null: <see cref="ProfileDirectory.Root"/> (XDG data directory).</summary>
    public string? ProfilesRoot { get; init; }

    /// <summary>How long opening waits for another process to release the profile.</summary>
    public TimeSpan LockWait { get; init; } = ProfileStore.DefaultLockWait;

    /// <summary>One-time prekeys of each kind uploaded at registration and at each refill (capped by the server's limit).</summary>
    public int PreKeyBatch { get; init; } = 100;

    public int KdfMemoryKiB { get; init; } = ProfileKeyring.DefaultMemoryKiB;

    public int KdfIterations { get; init; } = ProfileKeyring.DefaultIterations;

    /// <summary>
    /// The HTTP handler for REST calls and the relay socket's upgrade; null: <see cref="Network.ClientHandlers.Create"/>
    /// (through <see cref="Proxy"/> when set).
    /// </summary>
    public HttpMessageHandler? HttpHandler { get; init; }

    /// <summary>A SOCKS5 proxy for every connection, REST and hub, names resolved by the proxy; null: direct connections.</summary>
    public Network.SocksProxy? Proxy { get; init; }
}
