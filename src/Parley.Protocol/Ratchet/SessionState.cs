using Parley.Crypto;
using Parley.Protocol.Spqr;

namespace Parley.Protocol.Ratchet;

/// <summary>Our sending chain: the current ratchet key pair and chain key.</summary>
internal sealed record SenderChain(Curve25519PrivateKey RatchetKey, byte[] ChainKey, uint Index);

/// <summary>A receiving chain: the peer's ratchet key, the chain key at <see cref="Index"/>, and skipped message seeds.</summary>
internal sealed class ReceiverChain(Curve25519PublicKey ratchetKey, byte[] chainKey, uint index, List<(uint Index, byte[] Seed)> skipped)
{
    public Curve25519PublicKey RatchetKey { get; } = ratchetKey;

    public byte[] ChainKey { get; set; } = chainKey;

    public uint Index { get; set; } = index;

    /// <summary>Seeds of skipped messages, oldest first; at most <see cref="SessionLimits.MaxMessageKeys"/>.</summary>
    public List<(uint Index, byte[] Seed)> Skipped { get; } = skipped;

    public ReceiverChain Clone() => new(RatchetKey, ChainKey, Index, [.. Skipped]);
}

/// <summary>
/// What the initiator remembers until the first reply: everything needed to wrap each outgoing
/// message in a PreKeySignalMessage.
/// </summary>
internal sealed record PendingPreKey(
    uint? PreKeyId,
    uint SignedPreKeyId,
    Curve25519PublicKey BaseKey,
    ulong TimestampSeconds,
    uint KyberPreKeyId,
    byte[] KyberCiphertext);

/// <summary>libsignal's limits (<c>consts.rs</c>).</summary>
public static class SessionLimits
{
    /// <summary>Receiving chains kept per session.</summary>
    public const int MaxReceiverChains = 5;

    /// <summary>Skipped message keys kept per receiving chain (and per sender-key state).</summary>
    public const int MaxMessageKeys = 2000;

    /// <summary>How far ahead a message may be in one chain.</summary>
    public const int MaxForwardJumps = 25_000;

    /// <summary>Archived (previous) sessions kept per record.</summary>
    public const int ArchivedStatesMaxLength = 40;

    /// <summary>Sender-key states kept per (sender, distribution).</summary>
    public const int MaxSenderKeyStates = 5;

    /// <summary>How long an unacknowledged session may keep sending PreKeySignalMessages.</summary>
    public static readonly TimeSpan MaxUnacknowledgedSessionAge = TimeSpan.FromDays(30);
}

/// <summary>One Double Ratchet session with its SPQR state (libsignal <c>SessionState</c>).</summary>
internal sealed class SessionState
{
    public uint Version { get; init; }

    public required Curve25519PublicKey LocalIdentity { get; init; }

    public required Curve25519PublicKey RemoteIdentity { get; init; }

    public required byte[] RootKey { get; set; }

    public uint PreviousCounter { get; set; }

    public SenderChain? Sender { get; set; }

    public List<ReceiverChain> ReceiverChains { get; init; } = [];

    public PendingPreKey? Pending { get; set; }

    public uint LocalRegistrationId { get; set; }

    public uint RemoteRegistrationId { get; set; }

    /// <summary>The initiator's base key, serialized (33 bytes): identifies the PQXDH run that made this session.</summary>
    public required byte[] AliceBaseKey { get; init; }

    public required SpqrState Spqr { get; set; }

    /// <summary>A session with oneself (note to self): forward jumps are unbounded, as in libsignal.</summary>
    public bool SelfSession { get; init; }

    public int MaxForwardJumps => SelfSession ? int.MaxValue : SessionLimits.MaxForwardJumps;

    /// <summary>A copy whose mutable parts (chains, skipped keys) are independent of this one.</summary>
    public SessionState Clone() => Copy(ReceiverChains.ConvertAll(c => c.Clone()));

    /// <summary>A copy for encrypting: only the sender chain and SPQR state (replaced, never changed) change there, so the receiving chains are shared.</summary>
    public SessionState CloneForSending() => Copy(ReceiverChains);

    private SessionState Copy(List<ReceiverChain> receiverChains) => new()
    {
        Version = Version,
        LocalIdentity = LocalIdentity,
        RemoteIdentity = RemoteIdentity,
        RootKey = RootKey,
        PreviousCounter = PreviousCounter,
        Sender = Sender,
        ReceiverChains = receiverChains,
        Pending = Pending,
        LocalRegistrationId = LocalRegistrationId,
        RemoteRegistrationId = RemoteRegistrationId,
        AliceBaseKey = AliceBaseKey,
        Spqr = Spqr, // immutable: every SPQR step makes a new state
        SelfSession = SelfSession,
    };

    public ReceiverChain? FindReceiverChain(Curve25519PublicKey ratchetKey)
    {
        foreach (var chain in ReceiverChains)
        {
            if (chain.RatchetKey == ratchetKey)
            {
                return chain;
            }
        }

        return null;
    }

    public void AddReceiverChain(ReceiverChain chain)
    {
        ReceiverChains.Add(chain);
        while (ReceiverChains.Count > SessionLimits.MaxReceiverChains)
        {
            ReceiverChains.RemoveAt(0);
        }
    }
}
