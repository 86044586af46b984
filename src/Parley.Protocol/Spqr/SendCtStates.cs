using System.Security.Cryptography;
using Parley.Crypto;
using Parley.Crypto.Kem;

namespace Parley.Protocol.Spqr;

// The send_ct role of the braid (spqr v1/chunked/send_ct.rs and v1/unchunked/send_ct.rs): collect and
// verify the header, encapsulate to it at once (ct1 and the epoch secret), send ct1 while collecting
// the encapsulation key, then finish with ct2 ‖ MAC, which is sent until the peer's next epoch shows.

/// <summary>Waiting for the peer's header; sends None meanwhile.</summary>
internal sealed class NoHeaderReceived(ulong epoch, Authenticator auth, ChunkDecoder headerDecoder) : BraidState(epoch, auth)
{
    public override BraidKind Kind => BraidKind.NoHeaderReceived;

    public ChunkDecoder HeaderDecoder { get; } = headerDecoder;

    public override BraidSend Send(IRandomSource random) => Emit(this, SpqrPayload.None);

    protected override BraidReceive ReceiveInEpoch(in SpqrMessage message)
    {
        if (message.Type != SpqrPayload.Hdr)
        {
            return new(this, null);
        }

        var decoder = HeaderDecoder.Add(message.Chunk);
        if (decoder.Decode() is not { } payload)
        {
            return new(new NoHeaderReceived(Epoch, Auth, decoder), null);
        }

        var header = payload[..IncrementalMlKem768.HeaderSize];
        if (!Auth.VerifyHeader(Epoch, header, payload.AsSpan(IncrementalMlKem768.HeaderSize)))
        {
            throw MacFailure();
        }

        return new(new HeaderReceived(Epoch, Auth, header, new ChunkDecoder(IncrementalMlKem768.EncapsulationKeySize)), null);
    }
}

/// <summary>The header is verified; the next send encapsulates (the epoch's secret is known from then on).</summary>
internal sealed class HeaderReceived(ulong epoch, Authenticator auth, byte[] header, ChunkDecoder keyDecoder) : BraidState(epoch, auth)
{
    public override BraidKind Kind => BraidKind.HeaderReceived;

    public byte[] Header { get; } = header;

    public ChunkDecoder KeyDecoder { get; } = keyDecoder;

    public override BraidSend Send(IRandomSource random)
    {
        var ct1 = new byte[IncrementalMlKem768.Ciphertext1Size];
        Span<byte> sharedSecret = stackalloc byte[IncrementalMlKem768.SharedSecretSize];
        var state = IncrementalMlKem768.Encapsulate1(Header, random, ct1, sharedSecret);
        var secret = Authenticator.EpochSecret(sharedSecret, Epoch);
        CryptographicOperations.ZeroMemory(sharedSecret);
        var auth = Auth.Update(Epoch, secret);
        var (encoder, chunk) = new ChunkEncoder(ct1).NextChunk();
        return Emit(new Ct1Sampled(Epoch, auth, Header, state, encoder, KeyDecoder), SpqrPayload.Ct1, chunk, new EpochSecret(Epoch, secret));
    }
}

/// <summary>Sending ct1, collecting the encapsulation key.</summary>
internal sealed class Ct1Sampled(ulong epoch, Authenticator auth, byte[] header, MlKem768EncapsulationState encapsulation, ChunkEncoder ct1Encoder, ChunkDecoder keyDecoder)
    : BraidState(epoch, auth)
{
    public override BraidKind Kind => BraidKind.Ct1Sampled;

    public byte[] Header { get; } = header;

    public MlKem768EncapsulationState Encapsulation { get; } = encapsulation;

    public ChunkEncoder Ct1Encoder { get; } = ct1Encoder;

    public ChunkDecoder KeyDecoder { get; } = keyDecoder;

    public override BraidSend Send(IRandomSource random)
    {
        var (encoder, chunk) = Ct1Encoder.NextChunk();
        return Emit(new Ct1Sampled(Epoch, Auth, Header, Encapsulation, encoder, KeyDecoder), SpqrPayload.Ct1, chunk);
    }

    protected override BraidReceive ReceiveInEpoch(in SpqrMessage message)
    {
        // A bare Ct1Ack is ignored here; only key chunks count, EkCt1Ack ones also acknowledging ct1.
        if (message.Type is not (SpqrPayload.Ek or SpqrPayload.EkCt1Ack))
        {
            return new(this, null);
        }

        var acknowledged = message.Type == SpqrPayload.EkCt1Ack;
        var decoder = KeyDecoder.Add(message.Chunk);
        var ct1 = Ct1Encoder.Payload.ToArray();
        if (decoder.Decode() is { } key)
        {
            Ciphertext.RequireMatchingKey(Header, key);
            return acknowledged
                ? new(Ciphertext.Finish(Epoch, Auth, Encapsulation, key, ct1), null)
                : new(new EkReceivedCt1Sampled(Epoch, Auth, Encapsulation, key, Ct1Encoder), null);
        }

        return acknowledged
            ? new(new Ct1Acknowledged(Epoch, Auth, Header, Encapsulation, ct1, decoder), null)
            : new(new Ct1Sampled(Epoch, Auth, Header, Encapsulation, Ct1Encoder, decoder), null);
    }
}

/// <summary>The encapsulation key is here; still sending ct1 until the peer acknowledges it.</summary>
internal sealed class EkReceivedCt1Sampled(ulong epoch, Authenticator auth, MlKem768EncapsulationState encapsulation, byte[] encapsulationKey, ChunkEncoder ct1Encoder)
    : BraidState(epoch, auth)
{
    public override BraidKind Kind => BraidKind.EkReceivedCt1Sampled;

    public MlKem768EncapsulationState Encapsulation { get; } = encapsulation;

    public byte[] EncapsulationKey { get; } = encapsulationKey;

    public ChunkEncoder Ct1Encoder { get; } = ct1Encoder;

    public override BraidSend Send(IRandomSource random)
    {
        var (encoder, chunk) = Ct1Encoder.NextChunk();
        return Emit(new EkReceivedCt1Sampled(Epoch, Auth, Encapsulation, EncapsulationKey, encoder), SpqrPayload.Ct1, chunk);
    }

    protected override BraidReceive ReceiveInEpoch(in SpqrMessage message) =>
        message.Type is SpqrPayload.Ct1Ack or SpqrPayload.EkCt1Ack
            ? new(Ciphertext.Finish(Epoch, Auth, Encapsulation, EncapsulationKey, Ct1Encoder.Payload.ToArray()), null)
            : new(this, null);
}

/// <summary>ct1 is acknowledged; collecting the rest of the encapsulation key, sending None.</summary>
internal sealed class Ct1Acknowledged(ulong epoch, Authenticator auth, byte[] header, MlKem768EncapsulationState encapsulation, byte[] ciphertext1, ChunkDecoder keyDecoder)
    : BraidState(epoch, auth)
{
    public override BraidKind Kind => BraidKind.Ct1Acknowledged;

    public byte[] Header { get; } = header;

    public MlKem768EncapsulationState Encapsulation { get; } = encapsulation;

    public byte[] Ciphertext1 { get; } = ciphertext1;

    public ChunkDecoder KeyDecoder { get; } = keyDecoder;

    public override BraidSend Send(IRandomSource random) => Emit(this, SpqrPayload.None);

    protected override BraidReceive ReceiveInEpoch(in SpqrMessage message)
    {
        if (message.Type is not (SpqrPayload.Ek or SpqrPayload.EkCt1Ack))
        {
            return new(this, null);
        }

        var decoder = KeyDecoder.Add(message.Chunk);
        if (decoder.Decode() is not { } key)
        {
            return new(new Ct1Acknowledged(Epoch, Auth, Header, Encapsulation, Ciphertext1, decoder), null);
        }

        Ciphertext.RequireMatchingKey(Header, key);
        return new(Ciphertext.Finish(Epoch, Auth, Encapsulation, key, Ciphertext1), null);
    }
}

/// <summary>Sending ct2 ‖ MAC until a message of the next epoch shows the peer has it; then send_ek.</summary>
internal sealed class Ct2Sampled(ulong epoch, Authenticator auth, ChunkEncoder ct2Encoder) : BraidState(epoch, auth)
{
    public override BraidKind Kind => BraidKind.Ct2Sampled;

    public ChunkEncoder Ct2Encoder { get; } = ct2Encoder;

    public override BraidSend Send(IRandomSource random)
    {
        var (encoder, chunk) = Ct2Encoder.NextChunk();
        return Emit(new Ct2Sampled(Epoch, Auth, encoder), SpqrPayload.Ct2, chunk);
    }

    public override BraidReceive Receive(in SpqrMessage message)
    {
        if (message.Epoch <= Epoch)
        {
            return new(this, null);
        }

        return message.Epoch == Epoch + 1
            ? new(new KeysUnsampled(Epoch + 1, Auth), null)
            : throw ProtocolFailureException.InvalidMessage("SPQR epoch out of range");
    }
}

/// <summary>The send_ct role's second encapsulation half and ciphertext MAC.</summary>
internal static class Ciphertext
{
    /// <summary>The key must hash to the header and be reduced mod q (spqr ErroneousDataReceived otherwise).</summary>
    public static void RequireMatchingKey(byte[] header, byte[] key)
    {
        if (!IncrementalMlKem768.EncapsulationKeyMatchesHeader(header, key))
        {
            throw ProtocolFailureException.InvalidMessage("SPQR encapsulation key does not match its header");
        }
    }

    /// <summary>ct2 from the key, MAC over ct1 ‖ ct2 with the authenticator that already holds this epoch's secret.</summary>
    public static Ct2Sampled Finish(ulong epoch, Authenticator auth, MlKem768EncapsulationState encapsulation, byte[] key, byte[] ct1)
    {
        var ct2 = new byte[IncrementalMlKem768.Ciphertext2Size];
        IncrementalMlKem768.Encapsulate2(encapsulation, key, ct2);
        var mac = auth.CiphertextMac(epoch, ct1, ct2);
        return new Ct2Sampled(epoch, auth, new ChunkEncoder([.. ct2, .. mac]));
    }
}
