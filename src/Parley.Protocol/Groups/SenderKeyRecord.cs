using System.Security.Cryptography;
using Parley.Crypto;
using Parley.Protocol.Keys;
using Parley.Protocol.Ratchet;
using Parley.Protocol.Wire;

namespace Parley.Protocol.Groups;

/// <summary>One sender chain of a group member (libsignal <c>SenderKeyState</c>).</summary>
internal sealed class SenderKeyState
{
    public SenderKeyState(uint messageVersion, uint chainId, uint iteration, byte[] chainKey, Curve25519PublicKey signingPublic, Curve25519PrivateKey? signingPrivate, List<(uint Iteration, byte[] Seed)>? skipped = null)
    {
        MessageVersion = messageVersion;
        ChainId = chainId;
        Iteration = iteration;
        ChainKey = chainKey;
        SigningPublic = signingPublic;
        SigningPrivate = signingPrivate;
        Skipped = skipped ?? [];
    }

    public uint MessageVersion { get; }

    public uint ChainId { get; }

    public uint Iteration { get; set; }

    public byte[] ChainKey { get; set; }

    public Curve25519PublicKey SigningPublic { get; }

    public Curve25519PrivateKey? SigningPrivate { get; }

    /// <summary>Seeds of skipped iterations, oldest first; at most <see cref="SessionLimits.MaxMessageKeys"/>.</summary>
    public List<(uint Iteration, byte[] Seed)> Skipped { get; }

    public SenderKeyState Clone() => new(MessageVersion, ChainId, Iteration, ChainKey, SigningPublic, SigningPrivate, [.. Skipped]);
}

/// <summary>
/// A group member's sender-key states for one distribution id, newest first, at most
/// <see cref="SessionLimits.MaxSenderKeyStates"/> (libsignal <c>SenderKeyRecord</c>). Records are values:
/// operations store new records rather than change loaded ones.
/// </summary>
public sealed class SenderKeyRecord
{
    /// <summary>The version of <see cref="Serialize"/>'s format.</summary>
    public const int FormatVersion = 1;

    private readonly List<SenderKeyState> _states;

    private SenderKeyRecord(List<SenderKeyState> states) => _states = states;

    internal static SenderKeyRecord Empty() => new([]);

    internal IReadOnlyList<SenderKeyState> States => _states;

    /// <summary>Number of sender chains kept.</summary>
    public int StateCount => _states.Count;

    internal SenderKeyRecord Clone() => new(_states.ConvertAll(s => s.Clone()));

    internal SenderKeyState? ForChain(uint chainId) => _states.Find(s => s.ChainId == chainId);

    /// <summary>libsignal <c>add_sender_key_state</c>: an existing identical chain is kept as it is (not reset).</summary>
    internal void AddState(SenderKeyState state)
    {
        var existingIndex = _states.FindIndex(s => s.ChainId == state.ChainId && s.SigningPublic == state.SigningPublic);
        SenderKeyState? existing = null;
        if (existingIndex >= 0)
        {
            existing = _states[existingIndex];
            _states.RemoveAt(existingIndex);
        }

        _states.RemoveAll(s => s.ChainId == state.ChainId);
        while (_states.Count >= SessionLimits.MaxSenderKeyStates)
        {
            _states.RemoveAt(_states.Count - 1);
        }

        _states.Insert(0, existing ?? state);
    }

    /// <summary>The versioned serialized form, for a host's store. Contains chain keys (and our signing key).</summary>
    public byte[] Serialize()
    {
        var writer = new ProtoWriter(256);
        writer.WriteUInt(1, FormatVersion);
        foreach (var s in _states)
        {
            var w = new ProtoWriter(160 + (s.Skipped.Count * 40));
            w.WriteUInt(1, s.MessageVersion);
            w.WriteUInt(2, s.ChainId);
            w.WriteUInt(3, s.Iteration);
            w.WriteBytes(4, s.ChainKey);
            w.WriteBytes(5, s.SigningPublic.Serialize());
            if (s.SigningPrivate is not null)
            {
                RecordCodec.WritePrivateKey(w, 6, s.SigningPrivate);
            }

            foreach (var (iteration, seed) in s.Skipped)
            {
                var k = new ProtoWriter(40);
                k.WriteUInt(1, iteration);
                k.WriteBytes(2, seed);
                w.WriteMessage(7, k);
            }

            writer.WriteMessage(2, w);
        }

        return writer.ToArray();
    }

    /// <exception cref="FormatException">Not a sender-key record of a known format version.</exception>
    public static SenderKeyRecord Deserialize(ReadOnlySpan<byte> serialized)
    {
        uint? version = null;
        var states = new List<SenderKeyState>();
        var reader = new ProtoReader(serialized);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1: version = reader.ReadUInt32(wire); break;
                case 2: states.Add(ReadState(reader.ReadBytes(wire))); break;
                default: reader.Skip(wire); break;
            }
        }

        RecordCodec.RequireVersion(version, FormatVersion);
        if (states.Count > SessionLimits.MaxSenderKeyStates)
        {
            throw new FormatException("too many sender-key states");
        }

        return new SenderKeyRecord(states);
    }

    private static SenderKeyState ReadState(ReadOnlySpan<byte> data)
    {
        uint messageVersion = MessageVersions.SenderKey, chainId = 0, iteration = 0;
        byte[]? chainKey = null;
        Curve25519PublicKey? signingPublic = null;
        Curve25519PrivateKey? signingPrivate = null;
        var skipped = new List<(uint, byte[])>();
        var reader = new ProtoReader(data);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1: messageVersion = reader.ReadUInt32(wire); break;
                case 2: chainId = reader.ReadUInt32(wire); break;
                case 3: iteration = reader.ReadUInt32(wire); break;
                case 4: chainKey = Key32(reader.ReadBytes(wire)); break;
                case 5: signingPublic = Curve25519PublicKey.TryDecode(reader.ReadBytes(wire), out var k) ? k : throw new FormatException("bad signing key"); break;
                case 6: signingPrivate = RecordCodec.ReadPrivateKey(reader.ReadBytes(wire)); break;
                case 7: skipped.Add(ReadSkipped(reader.ReadBytes(wire))); break;
                default: reader.Skip(wire); break;
            }
        }

        if (skipped.Count > SessionLimits.MaxMessageKeys)
        {
            throw new FormatException("too many skipped keys");
        }

        return new SenderKeyState(messageVersion, chainId, iteration, chainKey ?? throw new FormatException("missing chain key"), signingPublic ?? throw new FormatException("missing signing key"), signingPrivate, skipped);
    }

    private static (uint, byte[]) ReadSkipped(ReadOnlySpan<byte> data)
    {
        uint iteration = 0;
        byte[]? seed = null;
        var reader = new ProtoReader(data);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1: iteration = reader.ReadUInt32(wire); break;
                case 2: seed = Key32(reader.ReadBytes(wire)); break;
                default: reader.Skip(wire); break;
            }
        }

        return (iteration, seed ?? throw new FormatException("missing seed"));
    }

    private static byte[] Key32(ReadOnlySpan<byte> data) =>
        data.Length == 32 ? data.ToArray() : throw new FormatException("bad key length");

    public override string ToString() => $"SenderKeyRecord({StateCount} states)";
}

/// <summary>Sender-key derivations (libsignal <c>sender_keys.rs</c>).</summary>
internal static class SenderKeyKdf
{
    private static ReadOnlySpan<byte> GroupInfo => "WhisperGroup"u8;

    /// <summary>HKDF(salt none, seed, "WhisperGroup", 48) = IV(16) ‖ key(32) — the reverse of the 1:1 order.</summary>
    public static void MessageKeys(ReadOnlySpan<byte> seed, Span<byte> ivAndKey48) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, seed, ivAndKey48[..48], default, GroupInfo);
}
