using Parley.Contracts.Messaging;
using Parley.Crypto;
using Parley.Crypto.Kem;
using B64 = System.Buffers.Text.Base64Url;

namespace Parley.Client.Messaging;

/// <summary>
/// Fresh key material for an account and the requests that publish it: an identity key, a signed
/// prekey, a signed Kyber last-resort prekey and batches of one-time EC and Kyber prekeys. Holds the
/// private halves a client must keep; disposing zeroes them.
/// </summary>
public sealed class AccountKeys : IDisposable
{
    private uint _nextId = 1;

    private AccountKeys(Curve25519PrivateKey identity, uint registrationId)
    {
        Identity = identity;
        RegistrationId = registrationId;
    }

    public Curve25519PrivateKey Identity { get; }

    public uint RegistrationId { get; }

    /// <summary>Private halves of every prekey published so far, by kind and id.</summary>
    public Dictionary<uint, Curve25519PrivateKey> EcPreKeys { get; } = [];

    public Dictionary<uint, KemKeyPair> KyberPreKeys { get; } = [];

    public static AccountKeys Generate(IRandomSource? random = null)
    {
        Span<byte> r = stackalloc byte[2];
        (random ?? SystemRandomSource.Instance).Fill(r);
        var registrationId = (uint)(((r[0] << 8) | r[1]) % 16380) + 1;
        return new AccountKeys(Curve25519PrivateKey.Generate(random), registrationId);
    }

    public static string B64u(ReadOnlySpan<byte> bytes) => B64.EncodeToString(bytes);

    public SignedPreKey NewSignedPreKey()
    {
        var id = _nextId++;
        var key = Curve25519PrivateKey.Generate();
        EcPreKeys[id] = key;
        var serialized = key.PublicKey.Serialize();
        return new SignedPreKey(id, B64u(serialized), B64u(Identity.Sign(serialized)));
    }

    public SignedPreKey NewKyberPreKey()
    {
        var id = _nextId++;
        var pair = Kyber1024.Instance.GenerateKeyPair();
        KyberPreKeys[id] = pair;
        var serialized = pair.PublicKey.Serialize();
        return new SignedPreKey(id, B64u(serialized), B64u(Identity.Sign(serialized)));
    }

    public OneTimePreKey NewOneTimePreKey()
    {
        var id = _nextId++;
        var key = Curve25519PrivateKey.Generate();
        EcPreKeys[id] = key;
        return new OneTimePreKey(id, B64u(key.PublicKey.Serialize()));
    }

    /// <summary>The registration request for <paramref name="username"/> on <paramref name="serverName"/>.</summary>
    public RegisterRequest RegisterRequest(string username, string serverName, int preKeys = 0, int kyberPreKeys = 0, string? inviteCode = null) =>
        new(username, B64u(Identity.PublicKey.Serialize()), RegistrationId,
            B64u(MessagingSignatures.SignRegistration(Identity, serverName, username)),
            NewSignedPreKey(), NewKyberPreKey(),
            [.. Enumerable.Range(0, preKeys).Select(_ => NewOneTimePreKey())],
            [.. Enumerable.Range(0, kyberPreKeys).Select(_ => NewKyberPreKey())],
            inviteCode);

    public void Dispose()
    {
        Identity.Dispose();
        foreach (var k in EcPreKeys.Values)
        {
            k.Dispose();
        }

        foreach (var k in KyberPreKeys.Values)
        {
            k.SecretKey.Dispose();
        }
    }

    public override string ToString() => $"AccountKeys({Identity.PublicKey})";
}
