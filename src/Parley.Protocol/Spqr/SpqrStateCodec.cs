using Parley.Crypto.Kem;
using Parley.Protocol.Ratchet;
using Parley.Protocol.Wire;

namespace Parley.Protocol.Spqr;

/// <summary>
/// The storage encoding of <see cref="SpqrState"/> inside a session record (Parley's own protobuf, not
/// libsignal's <c>PqRatchetState</c>). <see cref="Read"/> also reads stage 1's encoding, as a
/// <see cref="Stage1Braid"/> state. Everything loaded is checked (sizes, counts, the braid state's
/// parts, the chain's epochs), and anything wrong is a <see cref="FormatException"/>.
/// </summary>
internal static class SpqrStateCodec
{
    public static ProtoWriter Write(SpqrState s)
    {
        var w = new ProtoWriter(256);
        w.WriteUInt(1, s.Version);
        w.WriteUInt(2, (uint)s.Direction);
        w.WriteUInt(3, s.MaxJump);
        w.WriteUInt(4, s.Negotiating ? 1u : 0u);
        w.WriteUInt(5, s.MinVersion);
        if (s.AuthKey is { } authKey)
        {
            w.WriteBytes(6, authKey);
        }

        if (s.Chain is { } chain)
        {
            w.WriteMessage(7, WriteChain(chain));
        }

        if (s.Braid is { } braid)
        {
            w.WriteMessage(8, WriteBraid(braid));
        }

        return w;
    }

    public static SpqrState Read(ReadOnlySpan<byte> data)
    {
        uint version = 0, direction = 0, maxJump = SpqrState.DefaultMaxJump, minVersion = 0;
        var negotiating = false;
        byte[]? authKey = null;
        SpqrChain? chain = null;
        BraidState? braid = null;
        var reader = new ProtoReader(data);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1: version = reader.ReadUInt32(wire); break;
                case 2: direction = reader.ReadUInt32(wire); break;
                case 3: maxJump = reader.ReadUInt32(wire); break;
                case 4: negotiating = reader.ReadUInt32(wire) != 0; break;
                case 5: minVersion = reader.ReadUInt32(wire); break;
                case 6: authKey = Key32(reader.ReadBytes(wire)); break;
                case 7: chain = ReadChain(reader.ReadBytes(wire), Direction(direction)); break;
                case 8: braid = ReadBraid(reader.ReadBytes(wire)); break;
                default: reader.Skip(wire); break;
            }
        }

        var valid = version switch
        {
            SpqrState.Version0 => braid is null && chain is null && authKey is null && !negotiating,
            SpqrState.Version1 => braid is not null && minVersion <= version
                && (chain is not null || (negotiating && authKey is not null))
                && (chain is null || chain.CurrentEpoch <= braid.Epoch),
            _ => false,
        };
        if (!valid || maxJump == 0)
        {
            throw new FormatException("bad SPQR state");
        }

        return new SpqrState(Direction(direction), maxJump, (byte)minVersion, negotiating, authKey, braid, chain);
    }

    /// <summary>Stage 1's encoding (session field 12): direction, negotiating, max jump and chain epoch 0.</summary>
    public static SpqrState ReadStage1(ReadOnlySpan<byte> data)
    {
        uint direction = 0, maxJump = SpqrState.DefaultMaxJump;
        var negotiating = false;
        byte[]? nextRoot = null;
        SpqrChainDirection? send = null, receive = null;
        var reader = new ProtoReader(data);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1: direction = reader.ReadUInt32(wire); break;
                case 2: negotiating = reader.ReadUInt32(wire) != 0; break;
                case 3: maxJump = reader.ReadUInt32(wire); break;
                case 4: nextRoot = Key32(reader.ReadBytes(wire)); break;
                case 5: send = ReadDirection(reader.ReadBytes(wire)); break;
                case 6: receive = ReadDirection(reader.ReadBytes(wire)); break;
                default: reader.Skip(wire); break;
            }
        }

        if (nextRoot is null || send is null || receive is null || maxJump == 0)
        {
            throw new FormatException("bad stage-1 SPQR state");
        }

        var chain = new SpqrChain(Direction(direction), 0, 0, [new SpqrChainLink(send, receive)], nextRoot);
        return new SpqrState(Direction(direction), maxJump, SpqrState.Version1, negotiating, null, new Stage1Braid(), chain);
    }

    private static ProtoWriter WriteChain(SpqrChain chain)
    {
        var w = new ProtoWriter(128);
        w.WriteUInt(1, chain.CurrentEpoch);
        w.WriteUInt(2, chain.SendEpoch);
        w.WriteBytes(3, chain.NextRoot);
        foreach (var link in chain.Links)
        {
            var l = new ProtoWriter(96);
            l.WriteMessage(1, WriteDirection(link.Send));
            l.WriteMessage(2, WriteDirection(link.Receive));
            w.WriteMessage(4, l);
        }

        return w;
    }

    private static SpqrChain ReadChain(ReadOnlySpan<byte> data, SpqrDirection direction)
    {
        ulong current = 0, send = 0;
        byte[]? nextRoot = null;
        var links = new List<SpqrChainLink>();
        var reader = new ProtoReader(data);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1: current = reader.ReadUInt64(wire); break;
                case 2: send = reader.ReadUInt64(wire); break;
                case 3: nextRoot = Key32(reader.ReadBytes(wire)); break;
                case 4:
                    if (links.Count == SpqrChain.MaxLinks)
                    {
                        throw new FormatException("too many SPQR chain epochs");
                    }

                    links.Add(ReadLink(reader.ReadBytes(wire)));
                    break;
                default: reader.Skip(wire); break;
            }
        }

        // The links are epochs current − count + 1 … current, and the send epoch is among them.
        if (nextRoot is null || links.Count == 0 || (ulong)links.Count > current + 1 || send > current || current - send >= (ulong)links.Count)
        {
            throw new FormatException("bad SPQR chain");
        }

        return new SpqrChain(direction, current, send, links, nextRoot);
    }

    private static SpqrChainLink ReadLink(ReadOnlySpan<byte> data)
    {
        SpqrChainDirection? send = null, receive = null;
        var reader = new ProtoReader(data);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1: send = ReadDirection(reader.ReadBytes(wire)); break;
                case 2: receive = ReadDirection(reader.ReadBytes(wire)); break;
                default: reader.Skip(wire); break;
            }
        }

        return new SpqrChainLink(send ?? throw new FormatException("missing SPQR send chain"), receive ?? throw new FormatException("missing SPQR receive chain"));
    }

    /// <summary>Stage 1 wrote directions the same way (next, counter, history), so both formats share this.</summary>
    public static ProtoWriter WriteDirection(SpqrChainDirection d)
    {
        var w = new ProtoWriter(40 + (d.History.Count * 40));
        w.WriteBytes(1, d.Next);
        w.WriteUInt(2, d.Counter);
        foreach (var (index, key) in d.History)
        {
            var k = new ProtoWriter(40);
            k.WriteUInt(1, index);
            k.WriteBytes(2, key);
            w.WriteMessage(3, k);
        }

        return w;
    }

    private static SpqrChainDirection ReadDirection(ReadOnlySpan<byte> data)
    {
        byte[]? next = null;
        uint counter = 0;
        var history = new List<(uint, byte[])>();
        var reader = new ProtoReader(data);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1:
                    var bytes = reader.ReadBytes(wire);
                    next = bytes.IsEmpty ? [] : Key32(bytes); // empty: a wiped sending chain
                    break;
                case 2: counter = reader.ReadUInt32(wire); break;
                case 3:
                    if (history.Count > (SpqrState.MaxOutOfOrderKeys * 11 / 10))
                    {
                        throw new FormatException("SPQR history too long");
                    }

                    history.Add(SessionStateCodec.ReadIndexedKey(reader.ReadBytes(wire)));
                    break;
                default: reader.Skip(wire); break;
            }
        }

        return new SpqrChainDirection(next ?? throw new FormatException("missing SPQR chain key"), counter, history);
    }

    private static ProtoWriter WriteBraid(BraidState b)
    {
        var w = new ProtoWriter(512);
        w.WriteUInt(1, (uint)b.Kind);
        w.WriteUInt(2, b.Epoch);
        w.WriteBytes(3, b.Auth.RootKey);
        w.WriteBytes(4, b.Auth.MacKey);
        var parts = BraidParts.Of(b);
        if (parts.EncapsulationKey is { } ek)
        {
            w.WriteBytes(5, ek);
        }

        if (parts.DecapsulationKey is { } dk)
        {
            var bytes = new byte[dk.Length];
            dk.Export(bytes);
            w.WriteBytes(6, bytes);
            Array.Clear(bytes);
        }

        if (parts.Header is { } header)
        {
            w.WriteBytes(7, header);
        }

        if (parts.Encapsulation is { } es)
        {
            var bytes = new byte[es.Length];
            es.Export(bytes);
            w.WriteBytes(8, bytes);
            Array.Clear(bytes);
        }

        if (parts.Ciphertext1 is { } ct1)
        {
            w.WriteBytes(9, ct1);
        }

        if (parts.Encoder is { } encoder)
        {
            var e = new ProtoWriter(encoder.Payload.Length + 16);
            e.WriteBytes(1, encoder.Payload);
            e.WriteUInt(2, encoder.Counter);
            w.WriteMessage(10, e);
        }

        if (parts.Decoder is { } decoder)
        {
            var d = new ProtoWriter(16 + (decoder.Chunks.Count * 40));
            d.WriteUInt(1, (uint)decoder.PayloadLength);
            foreach (var chunk in decoder.Chunks)
            {
                var c = new ProtoWriter(40);
                c.WriteUInt(1, chunk.Index);
                c.WriteBytes(2, chunk.Data);
                d.WriteMessage(2, c);
            }

            w.WriteMessage(11, d);
        }

        return w;
    }

    private static BraidState ReadBraid(ReadOnlySpan<byte> data)
    {
        uint kind = 0;
        ulong epoch = 0;
        byte[]? root = null, mac = null;
        var parts = new BraidParts();
        var reader = new ProtoReader(data);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1: kind = reader.ReadUInt32(wire); break;
                case 2: epoch = reader.ReadUInt64(wire); break;
                case 3: root = Key32(reader.ReadBytes(wire)); break;
                case 4: mac = Key32(reader.ReadBytes(wire)); break;
                case 5:
                    var key = reader.ReadBytes(wire);
                    parts.EncapsulationKey = IncrementalMlKem768.IsValidEncapsulationKey(key) ? key.ToArray() : throw new FormatException("bad SPQR encapsulation key");
                    break;
                case 6: parts.DecapsulationKey = DecapsulationKey(reader.ReadBytes(wire)); break;
                case 7: parts.Header = Exact(reader.ReadBytes(wire), IncrementalMlKem768.HeaderSize); break;
                case 8: parts.Encapsulation = new MlKem768EncapsulationState(Exact(reader.ReadBytes(wire), IncrementalMlKem768.EncapsulationStateSize)); break;
                case 9: parts.Ciphertext1 = Exact(reader.ReadBytes(wire), IncrementalMlKem768.Ciphertext1Size); break;
                case 10: parts.Encoder = ReadEncoder(reader.ReadBytes(wire)); break;
                case 11: parts.Decoder = ReadDecoder(reader.ReadBytes(wire)); break;
                default: reader.Skip(wire); break;
            }
        }

        if (epoch == 0 || root is null || mac is null)
        {
            throw new FormatException("bad SPQR braid state");
        }

        return parts.Build((BraidKind)kind, epoch, new Authenticator(root, mac));
    }

    private static ChunkEncoder ReadEncoder(ReadOnlySpan<byte> data)
    {
        byte[]? payload = null;
        uint counter = 0;
        var reader = new ProtoReader(data);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1: payload = reader.ReadBytes(wire).ToArray(); break;
                case 2: counter = reader.ReadUInt32(wire); break;
                default: reader.Skip(wire); break;
            }
        }

        return payload is not null && ErasureCode.IsCodedSize(payload.Length) ? new ChunkEncoder(payload, counter) : throw new FormatException("bad SPQR chunk encoder");
    }

    private static ChunkDecoder ReadDecoder(ReadOnlySpan<byte> data)
    {
        var length = 0u;
        var chunks = new List<Chunk>();
        var reader = new ProtoReader(data);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1: length = reader.ReadUInt32(wire); break;
                case 2:
                    if (chunks.Count >= 2 * (IncrementalMlKem768.EncapsulationKeySize / Chunk.Size))
                    {
                        throw new FormatException("too many SPQR chunks");
                    }

                    chunks.Add(ReadChunk(reader.ReadBytes(wire)));
                    break;
                default: reader.Skip(wire); break;
            }
        }

        return length <= int.MaxValue && ChunkDecoder.TryRestore((int)length, chunks, out var decoder) ? decoder! : throw new FormatException("bad SPQR chunk decoder");
    }

    private static Chunk ReadChunk(ReadOnlySpan<byte> data)
    {
        uint index = 0;
        byte[]? bytes = null;
        var reader = new ProtoReader(data);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1: index = reader.ReadUInt32(wire); break;
                case 2: bytes = Exact(reader.ReadBytes(wire), Chunk.Size); break;
                default: reader.Skip(wire); break;
            }
        }

        return index <= ushort.MaxValue && bytes is not null ? new Chunk((ushort)index, bytes) : throw new FormatException("bad SPQR chunk");
    }

    private static MlKem768DecapsulationKey DecapsulationKey(ReadOnlySpan<byte> data) =>
        IncrementalMlKem768.IsValidDecapsulationKey(data) ? new MlKem768DecapsulationKey(data) : throw new FormatException("bad SPQR decapsulation key");

    private static SpqrDirection Direction(uint value) => value <= 1 ? (SpqrDirection)value : throw new FormatException("bad SPQR direction");

    private static byte[] Key32(ReadOnlySpan<byte> data) => Exact(data, 32);

    private static byte[] Exact(ReadOnlySpan<byte> data, int length) =>
        data.Length == length ? data.ToArray() : throw new FormatException("bad SPQR field length");
}
