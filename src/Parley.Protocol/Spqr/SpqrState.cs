using System.Security.Cryptography;
using Parley.Crypto;

namespace Parley.Protocol.Spqr;

/// <summary>What one SPQR send produced: the next state, the message for <c>pq_ratchet</c>, and the message key (or none).</summary>
internal readonly record struct SpqrSend(SpqrState State, byte[] Message, byte[]? Key);

/// <summary>What one SPQR receive produced: the next state and the message key (or none).</summary>
internal readonly record struct SpqrReceive(SpqrState State, byte[]? Key);

/// <summary>
/// SPQR, the Sparse Post-Quantum Ratchet, as libsignal 0.103 runs it (spqr 1.5 <c>lib.rs</c>): version
/// negotiation, the ML-KEM braid (<see cref="BraidState"/>) and the symmetric chain
/// (<see cref="SpqrChain"/>). Every message carries the sender's braid epoch e and a key from chain
/// epoch e − 1; the braid's epoch secrets add chain epochs, which gives the ratchet post-quantum
/// forward secrecy and post-compromise security. Immutable: <see cref="Send"/> and
/// <see cref="Receive"/> return the next state, so a failed decryption leaves the stored one as it was.
/// </summary>
internal sealed class SpqrState
{
    /// <summary>libsignal's <c>MAX_FORWARD_JUMPS</c> (u32::MAX for a session with oneself).</summary>
    public const uint DefaultMaxJump = 25_000;

    /// <summary>libsignal's <c>MAX_MESSAGE_KEYS</c>: SPQR's out-of-order window.</summary>
    public const uint MaxOutOfOrderKeys = 2_000;

    public const byte Version0 = 0;
    public const byte Version1 = 1;

    public SpqrState(SpqrDirection direction, uint maxJump, byte minVersion, bool negotiating, byte[]? authKey, BraidState? braid, SpqrChain? chain)
    {
        Direction = direction;
        MaxJump = maxJump;
        MinVersion = minVersion;
        Negotiating = negotiating;
        AuthKey = authKey;
        Braid = braid;
        Chain = chain;
    }

    public SpqrDirection Direction { get; }

    public uint MaxJump { get; }

    /// <summary>The lowest version this side accepts while negotiating (V1 in libsignal and Parley sessions).</summary>
    public byte MinVersion { get; }

    /// <summary>True until the first message is received: spqr's version negotiation is still open.</summary>
    public bool Negotiating { get; }

    /// <summary>
    /// The PQXDH auth key, kept only while negotiating with minimum version V0, when the chain is made
    /// on the first receive (spqr's <c>version_negotiation.auth_key</c>); otherwise null.
    /// </summary>
    public byte[]? AuthKey { get; }

    /// <summary>The braid (V1), or null for V0, where SPQR is off.</summary>
    public BraidState? Braid { get; }

    public SpqrChain? Chain { get; }

    public byte Version => Braid is null ? Version0 : Version1;

    /// <summary>The braid's epoch (0 for V0).</summary>
    public ulong Epoch => Braid?.Epoch ?? 0;

    /// <summary>An epoch secret is needed only to add its chain epoch: wiped as soon as that is done (or failed).</summary>
    private static void WipeSecret(EpochSecret? secret)
    {
        if (secret is not null)
        {
            CryptographicOperations.ZeroMemory(secret.Secret);
        }
    }

    private static SpqrState Disabled(SpqrDirection direction, uint maxJump) => new(direction, maxJump, Version0, false, null, null, null);

    /// <summary>A new V1 session's state, as libsignal makes it: minimum version V1, the chain made now.</summary>
    public static SpqrState Create(ReadOnlySpan<byte> authKey, SpqrDirection direction, bool selfSession) =>
        Create(authKey, direction, selfSession ? uint.MaxValue : DefaultMaxJump, Version1, Version1);

    /// <summary>spqr <c>initial_state</c> with any versions (V0: SPQR off).</summary>
    public static SpqrState Create(ReadOnlySpan<byte> authKey, SpqrDirection direction, uint maxJump, byte version, byte minVersion)
    {
        if (version > Version1 || minVersion > version)
        {
            throw new ArgumentException("Unsupported SPQR versions.");
        }

        if (version == Version0)
        {
            return Disabled(direction, maxJump);
        }

        var chain = minVersion > Version0 ? SpqrChain.Create(authKey, direction) : null;
        return new SpqrState(direction, maxJump, minVersion, true, chain is null ? authKey.ToArray() : null, BraidState.Initial(direction, authKey), chain);
    }

    /// <summary>The next outgoing message and its key (spqr <c>send</c>).</summary>
    public SpqrSend Send(IRandomSource random)
    {
        if (Braid is null)
        {
            return new SpqrSend(this, [], null);
        }

        var sent = Braid.Send(random);
        var index = 0u;
        byte[]? key = null;
        SpqrChain? chain = null;
        try
        {
            if (Chain is not null)
            {
                chain = Chain.Clone();
                if (sent.Secret is { } secret)
                {
                    chain.AddEpoch(secret.Epoch, secret.Secret);
                }

                (index, key) = chain.SendKey(Braid.Epoch - 1);
            }
            else if (sent.Secret is not null)
            {
                throw new ProtocolFailureException(ProtocolFailure.InvalidState, "SPQR has an epoch secret but no chain");
            }
        }
        finally
        {
            WipeSecret(sent.Secret);
        }

        var message = new SpqrMessage(Braid.Epoch, index, sent.Type, sent.Chunk).Encode();
        return new SpqrSend(new SpqrState(Direction, MaxJump, MinVersion, Negotiating, AuthKey, sent.State, chain), message, key);
    }

    /// <summary>
    /// Processes an incoming message (spqr <c>recv</c>): its key, or null when it yields none (an
    /// unknown future version, SPQR off, or the "no chain yet" index 0). Failures throw a protocol failure.
    /// </summary>
    public SpqrReceive Receive(ReadOnlySpan<byte> message)
    {
        var version = message.IsEmpty ? Version0 : message[0];
        if (version > Version1)
        {
            return new SpqrReceive(this, null); // a version from the future: ignored, no key
        }

        if (version < Version)
        {
            if (!Negotiating)
            {
                throw ProtocolFailureException.InvalidMessage("SPQR version mismatch");
            }

            if (version < MinVersion)
            {
                throw ProtocolFailureException.InvalidMessage("SPQR minimum version");
            }

            return new SpqrReceive(Disabled(Direction, MaxJump), null); // negotiated down to V0
        }

        if (Braid is null)
        {
            return new SpqrReceive(this, null); // V0 ignores V1 messages
        }

        if (!SpqrMessage.TryDecode(message, out var decoded))
        {
            throw ProtocolFailureException.InvalidMessage("SPQR message malformed");
        }

        var received = Braid.Receive(decoded);
        SpqrChain chain;
        try
        {
            chain = Chain?.Clone()
                ?? (AuthKey is { } authKey ? SpqrChain.Create(authKey, Direction) : throw new ProtocolFailureException(ProtocolFailure.InvalidState, "SPQR chain not available"));
            if (received.Secret is { } secret)
            {
                chain.AddEpoch(secret.Epoch, secret.Secret);
            }
        }
        finally
        {
            WipeSecret(received.Secret);
        }

        var keyEpoch = decoded.Epoch - 1;
        var key = keyEpoch == 0 && decoded.Index == 0 ? null : chain.ReceiveKey(keyEpoch, decoded.Index, MaxJump, MaxOutOfOrderKeys);
        return new SpqrReceive(new SpqrState(Direction, MaxJump, MinVersion, negotiating: false, authKey: null, received.State, chain), key);
    }
}
