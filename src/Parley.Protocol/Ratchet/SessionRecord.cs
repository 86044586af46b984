using Parley.Crypto;
using Parley.Protocol.Keys;
using Parley.Protocol.Spqr;
using Parley.Protocol.Wire;

namespace Parley.Protocol.Ratchet;

/// <summary>
/// Everything known about sessions with one remote device: the current session and up to
/// <see cref="SessionLimits.ArchivedStatesMaxLength"/> archived ones, newest first (libsignal
/// <c>SessionRecord</c>). Records are values: operations make new records rather than change loaded ones.
/// </summary>
public sealed class SessionRecord
{
    /// <summary>The version of <see cref="Serialize"/>'s format.</summary>
    public const int FormatVersion = 1;

    private readonly List<SessionState> _previous;

    internal SessionRecord(SessionState? current, List<SessionState> previous)
    {
        Current = current;
        _previous = previous;
    }

    /// <summary>A record with no session (before the first bundle or prekey message).</summary>
    public static SessionRecord Empty => new(null, []);

    internal SessionState? Current { get; private set; }

    internal IReadOnlyList<SessionState> Previous => _previous;

    /// <summary>True when there is a current session.</summary>
    public bool HasCurrentSession => Current is not null;

    /// <summary>Number of archived sessions.</summary>
    public int ArchivedSessionCount => _previous.Count;

    /// <summary>The remote identity key of the current session, if any.</summary>
    public Curve25519PublicKey? RemoteIdentityKey => Current?.RemoteIdentity;

    /// <summary>The registration id the remote device told us, if there is a session.</summary>
    public uint? RemoteRegistrationId => Current?.RemoteRegistrationId;

    /// <summary>
    /// Whether the current session can send now: it has a sending chain and, if still unacknowledged,
    /// is younger than <see cref="SessionLimits.MaxUnacknowledgedSessionAge"/>.
    /// </summary>
    public bool HasUsableSenderChain(DateTimeOffset now)
    {
        if (Current?.Sender is null)
        {
            return false;
        }

        return Current.Pending is not { } pending
            || DateTimeOffset.FromUnixTimeSeconds((long)pending.TimestampSeconds) + SessionLimits.MaxUnacknowledgedSessionAge >= now;
    }

    /// <summary>Whether the current session still wraps messages as PreKeySignalMessages (no reply yet).</summary>
    public bool IsAwaitingFirstReply => Current?.Pending is not null;

    internal SessionRecord Copy() => new(Current, [.. _previous]);

    /// <summary>Makes <paramref name="state"/> current, archiving the old current session.</summary>
    internal void Promote(SessionState state)
    {
        ArchiveCurrent();
        Current = state;
    }

    internal void SetCurrent(SessionState state) => Current = state;

    /// <summary>
    /// Moves the current session to the archive (clearing its pending prekey), as libsignal does, so the
    /// next message needs a new bundle. Changes this record: store it afterwards.
    /// </summary>
    public void ArchiveCurrentState() => ArchiveCurrent();

    internal void PromotePrevious(int index, SessionState updated)
    {
        _previous.RemoveAt(index);
        Promote(updated);
    }

    /// <summary>If a session came from the PQXDH run with this base key, make it current (libsignal <c>promote_matching_session</c>).</summary>
    internal bool PromoteMatching(uint version, ReadOnlySpan<byte> aliceBaseKey)
    {
        if (Current is not null && Current.Version == version && Current.AliceBaseKey.AsSpan().SequenceEqual(aliceBaseKey))
        {
            return true;
        }

        for (var i = 0; i < _previous.Count; i++)
        {
            if (_previous[i].Version == version && _previous[i].AliceBaseKey.AsSpan().SequenceEqual(aliceBaseKey))
            {
                PromotePrevious(i, _previous[i]);
                return true;
            }
        }

        return false;
    }

    private void ArchiveCurrent()
    {
        if (Current is null)
        {
            return;
        }

        if (_previous.Count >= SessionLimits.ArchivedStatesMaxLength)
        {
            _previous.RemoveAt(_previous.Count - 1);
        }

        var archived = Current.CloneForSending();
        archived.Pending = null;
        _previous.Insert(0, archived);
        Current = null;
    }

    /// <summary>
    /// The versioned serialized form (format <see cref="FormatVersion"/>): all session secrets, for a
    /// host's encrypted store.
    /// </summary>
    public byte[] Serialize()
    {
        var writer = new ProtoWriter(512);
        writer.WriteUInt(1, FormatVersion);
        if (Current is not null)
        {
            writer.WriteMessage(2, SessionStateCodec.Write(Current));
        }

        foreach (var state in _previous)
        {
            writer.WriteMessage(3, SessionStateCodec.Write(state));
        }

        return writer.ToArray();
    }

    /// <exception cref="FormatException">Not a session record, or one of an unknown format version.</exception>
    public static SessionRecord Deserialize(ReadOnlySpan<byte> serialized)
    {
        uint? version = null;
        SessionState? current = null;
        var previous = new List<SessionState>();
        var reader = new ProtoReader(serialized);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1: version = reader.ReadUInt32(wire); break;
                case 2: current = SessionStateCodec.Read(reader.ReadBytes(wire)); break;
                case 3: previous.Add(SessionStateCodec.Read(reader.ReadBytes(wire))); break;
                default: reader.Skip(wire); break;
            }
        }

        RecordCodec.RequireVersion(version, FormatVersion);
        if (previous.Count > SessionLimits.ArchivedStatesMaxLength)
        {
            throw new FormatException("too many archived sessions");
        }

        return new SessionRecord(current, previous);
    }

    public override string ToString() => $"SessionRecord(current: {HasCurrentSession}, archived: {ArchivedSessionCount})";
}

/// <summary>The storage encoding of one <see cref="SessionState"/> (Parley's own, versioned by the record).</summary>
internal static class SessionStateCodec
{
    public static ProtoWriter Write(SessionState s)
    {
        var w = new ProtoWriter(256);
        w.WriteUInt(1, s.Version);
        w.WriteBytes(2, s.LocalIdentity.Serialize());
        w.WriteBytes(3, s.RemoteIdentity.Serialize());
        w.WriteBytes(4, s.RootKey);
        w.WriteUInt(5, s.PreviousCounter);
        if (s.Sender is { } sender)
        {
            var c = new ProtoWriter(80);
            RecordCodec.WritePrivateKey(c, 1, sender.RatchetKey);
            c.WriteBytes(2, sender.ChainKey);
            c.WriteUInt(3, sender.Index);
            w.WriteMessage(6, c);
        }

        foreach (var chain in s.ReceiverChains)
        {
            var c = new ProtoWriter(96 + (chain.Skipped.Count * 40));
            c.WriteBytes(1, chain.RatchetKey.Serialize());
            c.WriteBytes(2, chain.ChainKey);
            c.WriteUInt(3, chain.Index);
            foreach (var (index, seed) in chain.Skipped)
            {
                var k = new ProtoWriter(40);
                k.WriteUInt(1, index);
                k.WriteBytes(2, seed);
                c.WriteMessage(4, k);
            }

            w.WriteMessage(7, c);
        }

        if (s.Pending is { } p)
        {
            var c = new ProtoWriter(1700);
            if (p.PreKeyId is { } id)
            {
                c.WriteUInt(1, id);
            }

            c.WriteUInt(2, p.SignedPreKeyId);
            c.WriteBytes(3, p.BaseKey.Serialize());
            c.WriteUInt(4, p.TimestampSeconds);
            c.WriteUInt(5, p.KyberPreKeyId);
            c.WriteBytes(6, p.KyberCiphertext);
            w.WriteMessage(8, c);
        }

        w.WriteUInt(9, s.LocalRegistrationId);
        w.WriteUInt(10, s.RemoteRegistrationId);
        w.WriteBytes(11, s.AliceBaseKey);
        w.WriteMessage(14, SpqrStateCodec.Write(s.Spqr));
        w.WriteUInt(13, s.SelfSession ? 1u : 0u);
        return w;
    }

    public static SessionState Read(ReadOnlySpan<byte> data)
    {
        uint version = 0, previousCounter = 0, localReg = 0, remoteReg = 0;
        Curve25519PublicKey? local = null, remote = null;
        byte[]? rootKey = null, aliceBaseKey = null;
        SenderChain? sender = null;
        var receivers = new List<ReceiverChain>();
        PendingPreKey? pending = null;
        SpqrState? spqr = null;
        var selfSession = false;
        var reader = new ProtoReader(data);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1: version = reader.ReadUInt32(wire); break;
                case 2: local = PublicKey(reader.ReadBytes(wire)); break;
                case 3: remote = PublicKey(reader.ReadBytes(wire)); break;
                case 4: rootKey = Key32(reader.ReadBytes(wire)); break;
                case 5: previousCounter = reader.ReadUInt32(wire); break;
                case 6: sender = ReadSender(reader.ReadBytes(wire)); break;
                case 7: receivers.Add(ReadReceiver(reader.ReadBytes(wire))); break;
                case 8: pending = ReadPending(reader.ReadBytes(wire)); break;
                case 9: localReg = reader.ReadUInt32(wire); break;
                case 10: remoteReg = reader.ReadUInt32(wire); break;
                case 11: aliceBaseKey = reader.ReadBytes(wire).ToArray(); break;
                case 12:
                    var stage1 = SpqrStateCodec.ReadStage1(reader.ReadBytes(wire)); // a record written by stage 1
                    spqr ??= stage1;
                    break;
                case 14: spqr = SpqrStateCodec.Read(reader.ReadBytes(wire)); break;
                case 13: selfSession = reader.ReadUInt32(wire) != 0; break;
                default: reader.Skip(wire); break;
            }
        }

        if (receivers.Count > SessionLimits.MaxReceiverChains)
        {
            throw new FormatException("too many receiver chains");
        }

        return new SessionState
        {
            Version = version,
            LocalIdentity = local ?? throw new FormatException("missing local identity"),
            RemoteIdentity = remote ?? throw new FormatException("missing remote identity"),
            RootKey = rootKey ?? throw new FormatException("missing root key"),
            PreviousCounter = previousCounter,
            Sender = sender,
            ReceiverChains = receivers,
            Pending = pending,
            LocalRegistrationId = localReg,
            RemoteRegistrationId = remoteReg,
            AliceBaseKey = aliceBaseKey ?? throw new FormatException("missing base key"),
            Spqr = spqr ?? throw new FormatException("missing SPQR state"),
            SelfSession = selfSession,
        };
    }

    private static SenderChain ReadSender(ReadOnlySpan<byte> data)
    {
        Curve25519PrivateKey? key = null;
        byte[]? chainKey = null;
        uint index = 0;
        var reader = new ProtoReader(data);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1: key = RecordCodec.ReadPrivateKey(reader.ReadBytes(wire)); break;
                case 2: chainKey = Key32(reader.ReadBytes(wire)); break;
                case 3: index = reader.ReadUInt32(wire); break;
                default: reader.Skip(wire); break;
            }
        }

        return new SenderChain(key ?? throw new FormatException("missing sender key"), chainKey ?? throw new FormatException("missing sender chain key"), index);
    }

    private static ReceiverChain ReadReceiver(ReadOnlySpan<byte> data)
    {
        Curve25519PublicKey? key = null;
        byte[]? chainKey = null;
        uint index = 0;
        var skipped = new List<(uint, byte[])>();
        var reader = new ProtoReader(data);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1: key = PublicKey(reader.ReadBytes(wire)); break;
                case 2: chainKey = Key32(reader.ReadBytes(wire)); break;
                case 3: index = reader.ReadUInt32(wire); break;
                case 4: skipped.Add(ReadIndexedKey(reader.ReadBytes(wire))); break;
                default: reader.Skip(wire); break;
            }
        }

        if (skipped.Count > SessionLimits.MaxMessageKeys)
        {
            throw new FormatException("too many skipped keys");
        }

        return new ReceiverChain(key ?? throw new FormatException("missing receiver key"), chainKey ?? throw new FormatException("missing receiver chain key"), index, skipped);
    }

    private static PendingPreKey ReadPending(ReadOnlySpan<byte> data)
    {
        uint? preKeyId = null;
        uint signedId = 0, kyberId = 0;
        ulong timestamp = 0;
        Curve25519PublicKey? baseKey = null;
        byte[]? ciphertext = null;
        var reader = new ProtoReader(data);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1: preKeyId = reader.ReadUInt32(wire); break;
                case 2: signedId = reader.ReadUInt32(wire); break;
                case 3: baseKey = PublicKey(reader.ReadBytes(wire)); break;
                case 4: timestamp = reader.ReadUInt64(wire); break;
                case 5: kyberId = reader.ReadUInt32(wire); break;
                case 6: ciphertext = reader.ReadBytes(wire).ToArray(); break;
                default: reader.Skip(wire); break;
            }
        }

        if (timestamp > (ulong)DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            throw new FormatException("pending prekey time out of range");
        }

        return new PendingPreKey(preKeyId, signedId, baseKey ?? throw new FormatException("missing base key"), timestamp, kyberId, ciphertext ?? throw new FormatException("missing Kyber ciphertext"));
    }

    /// <summary>An (index, 32-byte key) entry: skipped Double Ratchet seeds and SPQR's skipped keys.</summary>
    public static (uint, byte[]) ReadIndexedKey(ReadOnlySpan<byte> data)
    {
        uint index = 0;
        byte[]? key = null;
        var reader = new ProtoReader(data);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1: index = reader.ReadUInt32(wire); break;
                case 2: key = Key32(reader.ReadBytes(wire)); break;
                default: reader.Skip(wire); break;
            }
        }

        return (index, key ?? throw new FormatException("missing key"));
    }

    private static Curve25519PublicKey PublicKey(ReadOnlySpan<byte> data) =>
        data.Length == Curve25519PublicKey.SerializedSize && Curve25519PublicKey.TryDecode(data, out var key) ? key! : throw new FormatException("bad public key");

    private static byte[] Key32(ReadOnlySpan<byte> data) =>
        data.Length == 32 ? data.ToArray() : throw new FormatException("bad key length");
}
