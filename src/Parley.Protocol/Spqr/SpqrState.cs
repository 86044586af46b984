namespace Parley.Protocol.Spqr;

/// <summary>
/// SPQR (the Sparse Post-Quantum Ratchet) at "stage 1": its symmetric chain and wire framing only.
/// Parley always sends a V1 message of type None at epoch 1, derives per-message keys from the epoch-0
/// chain exactly as spqr 1.5 does (they salt the Double Ratchet's message keys), and accepts the
/// peer's messages — chunks included — without ever advancing the ML-KEM braid. libsignal 0.103
/// requires this framing; it gives no post-quantum ratchet security: the only post-quantum protection
/// is PQXDH's Kyber1024 at session start.
/// </summary>
internal sealed class SpqrState
{
    /// <summary>libsignal's <c>MAX_FORWARD_JUMPS</c> (u32::MAX for a session with oneself).</summary>
    public const uint DefaultMaxJump = 25_000;

    /// <summary>libsignal's <c>MAX_MESSAGE_KEYS</c>: SPQR's out-of-order window.</summary>
    public const uint MaxOutOfOrderKeys = 2_000;

    /// <summary>The only epoch stage 1 is ever in.</summary>
    public const ulong Epoch = 1;

    public SpqrState(SpqrDirection direction, bool negotiating, uint maxJump, SpqrChain chain)
    {
        Direction = direction;
        Negotiating = negotiating;
        MaxJump = maxJump;
        Chain = chain;
    }

    public SpqrDirection Direction { get; }

    /// <summary>True until the first message is received: spqr's version negotiation is still open.</summary>
    public bool Negotiating { get; private set; }

    public uint MaxJump { get; }

    public SpqrChain Chain { get; }

    public static SpqrState Create(ReadOnlySpan<byte> authKey, SpqrDirection direction, bool selfSession) =>
        new(direction, negotiating: true, selfSession ? uint.MaxValue : DefaultMaxJump, SpqrChain.Create(authKey, direction));

    public SpqrState Clone() => new(Direction, Negotiating, MaxJump, Chain.Clone());

    /// <summary>The next outgoing SPQR message (always type None) and its 32-byte message key.</summary>
    public (byte[] Message, byte[] Key) Send()
    {
        var (index, key) = Chain.Send.NextKey();
        return (SpqrMessage.EncodeNone(Epoch, index), key);
    }

    /// <summary>
    /// Processes an incoming SPQR message: returns its message key, or null when it yields none
    /// (an unknown future version, or the "no chain yet" index 0). Errors throw a protocol failure.
    /// </summary>
    public byte[]? Receive(ReadOnlySpan<byte> message)
    {
        var version = message.IsEmpty ? 0 : message[0];
        if (version > 1)
        {
            return null; // a version from the future: ignored, no key (spqr msg_version)
        }

        if (version == 0)
        {
            // V0 is below libsignal's minimum version: MinimumVersion while negotiating, VersionMismatch after.
            throw ProtocolFailureException.InvalidMessage(Negotiating ? "SPQR minimum version" : "SPQR version mismatch");
        }

        if (!SpqrMessage.TryDecode(message, out var decoded))
        {
            throw ProtocolFailureException.InvalidMessage("SPQR message malformed");
        }

        // The braid never leaves epoch 1; a later epoch cannot be in range.
        if (decoded.Epoch > Epoch)
        {
            throw ProtocolFailureException.InvalidMessage("SPQR epoch out of range");
        }

        Negotiating = false;
        if (decoded.Epoch - 1 == 0 && decoded.Index == 0)
        {
            return null;
        }

        return Chain.Receive.KeyAt(decoded.Index, MaxJump, MaxOutOfOrderKeys);
    }
}

/// <summary>
/// SPQR's message encoding (spqr <c>v1/chunked/states/serialize.rs</c>, not protobuf):
/// <c>0x01 ‖ varint epoch ‖ varint index ‖ type [‖ varint chunk index ‖ chunk(32)]</c>.
/// </summary>
internal static class SpqrMessage
{
    public const byte TypeNone = 0;
    public const byte TypeCt2 = 6;

    public readonly record struct Decoded(ulong Epoch, uint Index, byte Type);

    public static byte[] EncodeNone(ulong epoch, uint index)
    {
        Span<byte> buffer = stackalloc byte[1 + 10 + 10 + 1];
        var n = 0;
        buffer[n++] = 0x01;
        n += WriteVarint(buffer[n..], epoch);
        n += WriteVarint(buffer[n..], index);
        buffer[n++] = TypeNone;
        return buffer[..n].ToArray();
    }

    public static bool TryDecode(ReadOnlySpan<byte> message, out Decoded decoded)
    {
        decoded = default;
        if (message.IsEmpty || message[0] != 0x01)
        {
            return false;
        }

        var position = 1;
        if (!TryReadVarint(message, ref position, out var epoch) || epoch == 0)
        {
            return false;
        }

        if (!TryReadVarint(message, ref position, out var index) || index > uint.MaxValue)
        {
            return false;
        }

        if (position >= message.Length)
        {
            return false;
        }

        var type = message[position++];
        if (type > TypeCt2)
        {
            return false;
        }

        if (type is 1 or 2 or 3 or 5 or 6)
        {
            if (!TryReadVarint(message, ref position, out var chunkIndex) || chunkIndex > ushort.MaxValue)
            {
                return false;
            }

            if (message.Length - position < 32)
            {
                return false;
            }
        }

        // Trailing bytes are allowed (reserved for upgrades).
        decoded = new Decoded(epoch, (uint)index, type);
        return true;
    }

    private static int WriteVarint(Span<byte> destination, ulong value)
    {
        var n = 0;
        while (value >= 0x80)
        {
            destination[n++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[n++] = (byte)value;
        return n;
    }

    /// <summary>LEB128, at most 10 bytes; non-minimal forms accepted, bits past 64 dropped.</summary>
    private static bool TryReadVarint(ReadOnlySpan<byte> data, ref int position, out ulong value)
    {
        value = 0;
        for (var i = 0; i < 10; i++)
        {
            if (position >= data.Length)
            {
                return false;
            }

            var b = data[position++];
            var shift = 7 * i;
            if (shift < 64)
            {
                value |= (ulong)(b & 0x7F) << shift;
            }

            if ((b & 0x80) == 0)
            {
                return true;
            }
        }

        return false;
    }
}
