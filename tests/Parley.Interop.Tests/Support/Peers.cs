using System.Text;
using System.Text.Json.Nodes;
using Parley.Crypto;
using Parley.Crypto.Kem;
using Parley.Protocol;
using Parley.Protocol.Groups;
using Parley.Protocol.Keys;
using Parley.Protocol.Ratchet;
using Parley.Protocol.Spqr;
using Parley.Protocol.Storage;
using Parley.Protocol.Wire;
using Parley.Testing;

namespace Parley.Interop.Tests.Support;

/// <summary>A message in flight: its type and bytes, whoever made it.</summary>
internal sealed record Envelope(CiphertextMessageType Type, byte[] Body, string Plaintext);

/// <summary>What happened when a party read an envelope: the plaintext, or the kind of failure.</summary>
internal sealed record Outcome(string? Plaintext, string? Failure)
{
    public bool Ok => Plaintext is not null;

    public override string ToString() => Ok ? $"ok({Plaintext})" : $"failed({Failure})";
}

/// <summary>One side of a conversation, Parley or libsignal.</summary>
internal interface IPeer
{
    ProtocolAddress Address { get; }

    Curve25519PublicKey IdentityKey { get; }

    PreKeyBundle NewBundle(bool oneTime = true);

    ProtocolFailure ProcessBundle(IPeer remote, PreKeyBundle bundle);

    IReadOnlyList<Envelope> EncryptMany(IPeer remote, string prefix, int start, int count);

    /// <summary>
    /// Moves the sending state on as if <paramref name="count"/> messages had been sent and lost,
    /// without encrypting them (both ratchets' sending chains step <paramref name="count"/> times).
    /// </summary>
    void SkipSending(IPeer remote, int count);

    IReadOnlyList<Outcome> DecryptMany(IPeer remote, IReadOnlyList<Envelope> envelopes);

    /// <summary>The SPQR braid epoch of the current session with <paramref name="remote"/> (0 without SPQR).</summary>
    ulong SpqrEpoch(IPeer remote);

    string Snapshot();
}

internal sealed class ParleyPeer : IPeer
{
    private uint _nextId = 1;

    public ParleyPeer(string name, uint deviceId = 1)
        : this(new ProtocolAddress(name, deviceId), IdentityKeyPair.Generate(), (uint)Random.Shared.Next(1, 16000))
    {
    }

    /// <summary>A device with a given identity and registration id (a stored device read back).</summary>
    public ParleyPeer(ProtocolAddress address, IdentityKeyPair identity, uint registrationId)
    {
        Address = address;
        Identity = identity;
        Store = new InMemoryProtocolStore(Identity, registrationId);
        Cipher = new SessionCipher(Store, Address);
        Groups = new GroupCipher(Store);
    }

    /// <summary>The same account and stores as <paramref name="device"/>, but claiming another device id.</summary>
    public ParleyPeer(ParleyPeer device, uint otherDeviceId)
    {
        Address = new ProtocolAddress(device.Address.Name, otherDeviceId);
        Identity = device.Identity;
        Store = device.Store;
        Cipher = new SessionCipher(Store, Address);
        Groups = new GroupCipher(Store);
    }

    public ProtocolAddress Address { get; }

    public IdentityKeyPair Identity { get; }

    public Curve25519PublicKey IdentityKey => Identity.PublicKey;

    public InMemoryProtocolStore Store { get; }

    public SessionCipher Cipher { get; }

    public GroupCipher Groups { get; }

    public PreKeyBundle NewBundle(bool oneTime = true)
    {
        var id = _nextId++;
        var now = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var signed = SignedPreKeyRecord.Generate(id, Identity, now);
        var kyber = KyberPreKeyRecord.Generate(id, Identity, now);
        Store.StoreSignedPreKey(id, signed);
        Store.StoreKyberPreKey(id, kyber);
        PreKeyRecord? preKey = null;
        if (oneTime)
        {
            preKey = PreKeyRecord.Generate(id);
            Store.StorePreKey(id, preKey);
        }

        return new PreKeyBundle(Store.GetLocalRegistrationId(), Address.DeviceId, preKey?.Id, preKey?.PublicKey, id, signed.PublicKey, signed.Signature, IdentityKey, id, kyber.PublicKey, kyber.Signature);
    }

    public ProtocolFailure ProcessBundle(IPeer remote, PreKeyBundle bundle) => Cipher.ProcessPreKeyBundle(remote.Address, bundle).Failure;

    public IReadOnlyList<Envelope> EncryptMany(IPeer remote, string prefix, int start, int count)
    {
        var result = new List<Envelope>(count);
        for (var i = start; i < start + count; i++)
        {
            var text = prefix + i;
            var message = Cipher.Encrypt(remote.Address, Encoding.UTF8.GetBytes(text)).Value;
            result.Add(new Envelope(message.Type, message.Serialized, text));
        }

        return result;
    }

    public void SkipSending(IPeer remote, int count)
    {
        // The same derivations Encrypt uses (RatchetKdf, SpqrChain), without the encryption or the braid.
        var record = Store.LoadSession(remote.Address)!.Copy();
        var state = record.Current!.CloneForSending();
        var sender = state.Sender!;
        var chainKey = sender.ChainKey;
        var spqr = state.Spqr;
        var chain = spqr.Chain!.Clone();
        for (var i = 0; i < count; i++)
        {
            chainKey = RatchetKdf.NextChainKey(chainKey);
            chain.SendKey(spqr.Epoch - 1);
        }

        state.Spqr = new SpqrState(spqr.Direction, spqr.MaxJump, spqr.MinVersion, spqr.Negotiating, spqr.AuthKey, spqr.Braid, chain);
        state.Sender = sender with { ChainKey = chainKey, Index = sender.Index + (uint)count };
        record.SetCurrent(state);
        Store.StoreSession(remote.Address, record);
    }

    public IReadOnlyList<Outcome> DecryptMany(IPeer remote, IReadOnlyList<Envelope> envelopes) =>
        envelopes.Select(e =>
        {
            var r = Cipher.Decrypt(remote.Address, e.Type, e.Body);
            return r.IsSuccess ? new Outcome(Encoding.UTF8.GetString(r.Value), null) : new Outcome(null, r.Failure.ToString());
        }).ToList();

    public ulong SpqrEpoch(IPeer remote) => Store.LoadSession(remote.Address)?.Current?.Spqr.Epoch ?? 0;

    public string Snapshot()
    {
        var sessions = Store.Sessions.Snapshot().OrderBy(p => p.Key.ToString(), StringComparer.Ordinal).Select(p => $"{p.Key}:{Convert.ToHexString(p.Value)}");
        var identities = Store.Identities.Snapshot().OrderBy(p => p.Key.ToString(), StringComparer.Ordinal).Select(p => $"{p.Key}:{Convert.ToHexString(p.Value)}");
        return string.Join('\n', sessions.Concat(identities).Append("prekeys " + string.Join(',', Store.PreKeys.Ids.Order()))
            .Append("kyber " + string.Join(',', Store.KyberPreKeys.Ids.Order())));
    }

    public override string ToString() => $"Parley {Address}";
}

internal sealed class LibsignalPeer : IPeer
{
    private readonly NodeHarness _node;

    public LibsignalPeer(NodeHarness node, string name, uint deviceId = 1)
        : this(node, new ProtocolAddress(name, deviceId), node.Call("party.create", new { name, deviceId }))
    {
    }

    /// <summary>A libsignal party as a fixture stored it (tests/interop/ops/protocol.mjs <c>party.restore</c>).</summary>
    public LibsignalPeer(NodeHarness node, JsonNode stored)
        : this(node, new ProtocolAddress(stored["name"]!.GetValue<string>(), stored["deviceId"]!.GetValue<uint>()), node.Call("party.restore", stored))
    {
    }

    private LibsignalPeer(NodeHarness node, ProtocolAddress address, JsonNode created)
    {
        _node = node;
        Address = address;
        IdentityKey = Curve25519PublicKey.Decode(NodeHarness.Bytes(created["identityKey"]));
    }

    public ProtocolAddress Address { get; }

    public Curve25519PublicKey IdentityKey { get; }

    public PreKeyBundle NewBundle(bool oneTime = true)
    {
        var b = _node.Call("party.bundle", new { name = Address.Name, oneTime });
        return new PreKeyBundle(
            b["registrationId"]!.GetValue<uint>(),
            b["deviceId"]!.GetValue<uint>(),
            b["preKeyId"]?.GetValue<uint>(),
            b["preKey"] is { } pk ? Curve25519PublicKey.Decode(NodeHarness.Bytes(pk)) : null,
            b["signedPreKeyId"]!.GetValue<uint>(),
            Curve25519PublicKey.Decode(NodeHarness.Bytes(b["signedPreKey"])),
            NodeHarness.Bytes(b["signedPreKeySignature"]),
            Curve25519PublicKey.Decode(NodeHarness.Bytes(b["identityKey"])),
            b["kyberPreKeyId"]!.GetValue<uint>(),
            KemPublicKey.Decode(NodeHarness.Bytes(b["kyberPreKey"])),
            NodeHarness.Bytes(b["kyberPreKeySignature"]));
    }

    public ProtocolFailure ProcessBundle(IPeer remote, PreKeyBundle bundle)
    {
        var response = _node.TryCall("party.processBundle", new
        {
            name = Address.Name,
            remote = remote.Address.Name,
            remoteDevice = remote.Address.DeviceId,
            bundle = ToJson(bundle),
        });
        return response.Ok ? ProtocolFailure.None : Classify(response.ErrorCode!, response.ErrorMessage!);
    }

    public IReadOnlyList<Envelope> EncryptMany(IPeer remote, string prefix, int start, int count)
    {
        var result = _node.Call("party.encryptMany", new { name = Address.Name, remote = remote.Address.Name, remoteDevice = remote.Address.DeviceId, prefix, start, count });
        return result["messages"]!.AsArray().Select((m, i) => new Envelope(
            (CiphertextMessageType)m!["type"]!.GetValue<int>(),
            NodeHarness.Bytes(m["body"]),
            prefix + (start + i))).ToList();
    }

    public void SkipSending(IPeer remote, int count) =>
        _node.Call("party.skipSending", new { name = Address.Name, remote = remote.Address.Name, remoteDevice = remote.Address.DeviceId, count });

    public IReadOnlyList<Outcome> DecryptMany(IPeer remote, IReadOnlyList<Envelope> envelopes)
    {
        var result = _node.Call("party.decryptMany", new
        {
            name = Address.Name,
            remote = remote.Address.Name,
            remoteDevice = remote.Address.DeviceId,
            messages = envelopes.Select(e => new { type = (int)e.Type, body = NodeHarness.B64(e.Body) }).ToArray(),
        });
        return result["results"]!.AsArray().Select(r => r!["plaintext"] is { } p
            ? new Outcome(Encoding.UTF8.GetString(NodeHarness.Bytes(p)), null)
            : new Outcome(null, Classify(r["error"]!["code"]!.ToString(), r["error"]!["message"]!.ToString()).ToString())).ToList();
    }

    public ulong SpqrEpoch(IPeer remote) => SpqrState(remote)["epoch"]?.GetValue<ulong>() ?? 0;

    /// <summary>libsignal's SPQR state for the session with <paramref name="remote"/> (tests/interop/ops/protocol.mjs <c>party.spqrState</c>).</summary>
    public JsonNode SpqrState(IPeer remote) =>
        _node.Call("party.spqrState", new { name = Address.Name, remote = remote.Address.Name, remoteDevice = remote.Address.DeviceId });

    public string Snapshot() => _node.Call("party.snapshot", new { name = Address.Name })["snapshot"]!.ToString();

    public override string ToString() => $"libsignal {Address}";

    /// <summary>
    /// libsignal's error, in Parley's failure vocabulary: the Node error code where it is specific, the
    /// message text where libsignal reports several kinds under one code.
    /// </summary>
    public static ProtocolFailure Classify(string code, string message) => code switch
    {
        "DuplicatedMessage" => ProtocolFailure.DuplicateMessage,
        "UntrustedIdentity" => ProtocolFailure.UntrustedIdentity,
        "InvalidSenderKeySession" => ProtocolFailure.InvalidSenderKeySession,
        _ when message.Contains("signature", StringComparison.OrdinalIgnoreCase) => ProtocolFailure.SignatureValidationFailed,
        _ when message.Contains("session not found", StringComparison.OrdinalIgnoreCase) || message.Contains("no session", StringComparison.OrdinalIgnoreCase) => ProtocolFailure.SessionNotFound,
        _ when message.Contains("no sender key state", StringComparison.OrdinalIgnoreCase) => ProtocolFailure.NoSenderKeyState,
        _ => ProtocolFailure.InvalidMessage,
    };

    private static JsonObject ToJson(PreKeyBundle b) => new()
    {
        ["registrationId"] = b.RegistrationId,
        ["deviceId"] = b.DeviceId,
        ["preKeyId"] = b.PreKeyId,
        ["preKey"] = b.PreKeyPublic is null ? null : NodeHarness.B64(b.PreKeyPublic.Serialize()),
        ["signedPreKeyId"] = b.SignedPreKeyId,
        ["signedPreKey"] = NodeHarness.B64(b.SignedPreKeyPublic.Serialize()),
        ["signedPreKeySignature"] = NodeHarness.B64(b.SignedPreKeySignature),
        ["identityKey"] = NodeHarness.B64(b.IdentityKey.Serialize()),
        ["kyberPreKeyId"] = b.KyberPreKeyId,
        ["kyberPreKey"] = NodeHarness.B64(b.KyberPreKeyPublic.Serialize()),
        ["kyberPreKeySignature"] = NodeHarness.B64(b.KyberPreKeySignature),
    };
}
