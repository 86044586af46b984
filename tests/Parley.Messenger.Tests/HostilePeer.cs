using Parley.Client.Messaging;
using Parley.Client.Messenger;
using Parley.Contracts.Messaging;
using Parley.Crypto;
using Parley.Crypto.Kem;
using Parley.Protocol;
using Parley.Protocol.Groups;
using Parley.Protocol.Keys;
using Parley.Protocol.Storage;
using Parley.Protocol.Wire;

namespace Parley.Messenger.Tests;

/// <summary>
/// A registered account driven by hand with Parley.Protocol: it can encrypt any plaintext it likes in
/// a real session with a victim, so the tests can hand the victim's messenger well-encrypted lies.
/// </summary>
internal sealed class HostilePeer : IDisposable
{
    private readonly AccountKeys _keys;
    private readonly InMemoryProtocolStore _store;
    private readonly SessionCipher _cipher;

    private HostilePeer(string name, AccountKeys keys, MessagingApi api)
    {
        Name = name;
        _keys = keys;
        Api = api;
        Address = new ProtocolAddress(name, 1);
        _store = new InMemoryProtocolStore(new IdentityKeyPair(keys.Identity), keys.RegistrationId);
        _cipher = new SessionCipher(_store, Address);
        Groups = new GroupCipher(_store);
    }

    public string Name { get; }

    public MessagingApi Api { get; }

    public ProtocolAddress Address { get; }

    public GroupCipher Groups { get; }

    public static async Task<HostilePeer> RegisterAsync(Uri server, string name)
    {
        var keys = AccountKeys.Generate();
        var api = new MessagingApi(server);
        await api.RegisterAsync(keys.RegisterRequest(name, api.ServerName, 5, 5));
        await api.LoginAsync(name, keys.Identity);
        return new HostilePeer(name, keys, api);
    }

    /// <summary>Starts a session with <paramref name="victim"/> from a bundle the server hands out.</summary>
    public async Task StartSessionAsync(string victim)
    {
        var r = await Api.GetBundleAsync(victim);
        static byte[] B(string s) => System.Buffers.Text.Base64Url.DecodeFromChars(s);
        var bundle = new PreKeyBundle(r.RegistrationId, r.DeviceId, r.PreKey?.Id, r.PreKey is null ? null : Curve25519PublicKey.Decode(B(r.PreKey.PublicKey)),
            r.SignedPreKey.Id, Curve25519PublicKey.Decode(B(r.SignedPreKey.PublicKey)), B(r.SignedPreKey.Signature),
            Curve25519PublicKey.Decode(B(r.IdentityKey)), r.KyberPreKey.Id, KemPublicKey.Decode(B(r.KyberPreKey.PublicKey)), B(r.KyberPreKey.Signature));
        _cipher.ProcessPreKeyBundle(new ProtocolAddress(victim, 1), bundle).IsSuccess.ShouldBeTrue();
    }

    /// <summary>Encrypts exactly these plaintext bytes for <paramref name="victim"/> in the session.</summary>
    public CiphertextMessage Encrypt(string victim, byte[] plaintext) => _cipher.Encrypt(new ProtocolAddress(victim, 1), plaintext).Value;

    public CiphertextMessage Encrypt(string victim, MessageContent content) => Encrypt(victim, content.Encode());

    /// <summary>The envelope the server would deliver for <paramref name="message"/>.</summary>
    public IncomingEnvelope Envelope(long id, CiphertextMessage message, string? groupId = null) =>
        new(id, Name, (int)message.Type, groupId, DateTimeOffset.UtcNow, message.Serialized);

    public void Dispose()
    {
        Api.Dispose();
        _keys.Dispose();
    }
}
