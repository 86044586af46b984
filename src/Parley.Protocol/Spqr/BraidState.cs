using Parley.Crypto;
using Parley.Crypto.Kem;

namespace Parley.Protocol.Spqr;

/// <summary>An epoch's secret from the braid, for the chain.</summary>
internal sealed record EpochSecret(ulong Epoch, byte[] Secret);

/// <summary>What a braid send produced: the next state, the payload to send, and perhaps an epoch secret.</summary>
internal readonly record struct BraidSend(BraidState State, SpqrPayload Type, Chunk Chunk, EpochSecret? Secret);

/// <summary>What a braid receive produced: the next state, and perhaps an epoch secret.</summary>
internal readonly record struct BraidReceive(BraidState State, EpochSecret? Secret);

/// <summary>The braid's states, numbered as spqr's <c>V1State.inner_state</c> (and Parley's stage-1 state).</summary>
internal enum BraidKind
{
    KeysUnsampled = 1,
    KeysSampled = 2,
    HeaderSent = 3,
    Ct1Received = 4,
    EkSentCt1Received = 5,
    NoHeaderReceived = 6,
    HeaderReceived = 7,
    Ct1Sampled = 8,
    EkReceivedCt1Sampled = 9,
    Ct1Acknowledged = 10,
    Ct2Sampled = 11,

    /// <summary>A session stored by Parley's stage 1: it stays in epoch 1 (see <see cref="Stage1Braid"/>).</summary>
    Stage1 = 100,
}

/// <summary>
/// One state of SPQR V1's ML-KEM braid (spqr <c>v1/chunked</c>), immutable: every send and receive
/// returns the next state. In each epoch one side generates an ML-KEM-768 key pair and sends its
/// header then its encapsulation key (the send_ek role) while the other encapsulates to the header and
/// sends ct1 then ct2 (the send_ct role); both derive the epoch's secret, and the roles swap. The
/// A2B side (the PQXDH initiator) starts as send_ek, the B2A side as send_ct, both in epoch 1.
/// </summary>
internal abstract class BraidState(ulong epoch, Authenticator auth)
{
    public const int HeaderPayloadSize = IncrementalMlKem768.HeaderSize + Authenticator.MacSize;
    public const int Ct2PayloadSize = IncrementalMlKem768.Ciphertext2Size + Authenticator.MacSize;

    public ulong Epoch { get; } = epoch;

    public Authenticator Auth { get; } = auth;

    public abstract BraidKind Kind { get; }

    public static BraidState Initial(SpqrDirection direction, ReadOnlySpan<byte> authKey)
    {
        var auth = Authenticator.Create(authKey);
        return direction == SpqrDirection.A2B ? new KeysUnsampled(1, auth) : new NoHeaderReceived(1, auth, new ChunkDecoder(HeaderPayloadSize));
    }

    /// <summary>The payload of the next message, stamped with this state's epoch.</summary>
    public abstract BraidSend Send(IRandomSource random);

    /// <summary>
    /// A message of a later epoch is an error (EpochOutOfRange), an earlier one is ignored, and one of
    /// this epoch goes to the state's own rule; payloads a state has no rule for are ignored.
    /// </summary>
    public virtual BraidReceive Receive(in SpqrMessage message)
    {
        if (message.Epoch > Epoch)
        {
            throw ProtocolFailureException.InvalidMessage("SPQR epoch out of range");
        }

        return message.Epoch < Epoch ? new BraidReceive(this, null) : ReceiveInEpoch(message);
    }

    protected virtual BraidReceive ReceiveInEpoch(in SpqrMessage message) => new(this, null);

    protected BraidSend Emit(BraidState next, SpqrPayload type, Chunk chunk = default, EpochSecret? secret = null) => new(next, type, chunk, secret);

    protected static ProtocolFailureException MacFailure() => ProtocolFailureException.InvalidMessage("SPQR MAC verification failed");
}
