using System.Security.Cryptography;
using Parley.Crypto;
using Parley.Crypto.Kem;

namespace Parley.Protocol.Spqr;

// The send_ek role of the braid (spqr v1/chunked/send_ek.rs and v1/unchunked/send_ek.rs): generate a
// key pair, send the MACed header until the peer's ct1 shows it arrived, then the encapsulation key
// while collecting ct1, then collect ct2, decapsulate and verify the ciphertext MAC.

/// <summary>Epoch start: nothing sampled yet. The first send generates the key pair.</summary>
internal sealed class KeysUnsampled(ulong epoch, Authenticator auth) : BraidState(epoch, auth)
{
    public override BraidKind Kind => BraidKind.KeysUnsampled;

    public override BraidSend Send(IRandomSource random)
    {
        var (header, encapsulationKey, decapsulationKey) = IncrementalMlKem768.GenerateKeyPair(random);
        var mac = Auth.HeaderMac(Epoch, header);
        var (encoder, chunk) = new ChunkEncoder([.. header, .. mac]).NextChunk();
        return Emit(new KeysSampled(Epoch, Auth, encapsulationKey, decapsulationKey, encoder), SpqrPayload.Hdr, chunk);
    }
}

/// <summary>Sending header chunks (systematic, then parity, indefinitely) until a ct1 chunk arrives.</summary>
internal sealed class KeysSampled(ulong epoch, Authenticator auth, byte[] encapsulationKey, MlKem768DecapsulationKey decapsulationKey, ChunkEncoder headerEncoder)
    : BraidState(epoch, auth)
{
    public override BraidKind Kind => BraidKind.KeysSampled;

    public byte[] EncapsulationKey { get; } = encapsulationKey;

    public MlKem768DecapsulationKey DecapsulationKey { get; } = decapsulationKey;

    public ChunkEncoder HeaderEncoder { get; } = headerEncoder;

    public override BraidSend Send(IRandomSource random)
    {
        var (encoder, chunk) = HeaderEncoder.NextChunk();
        return Emit(new KeysSampled(Epoch, Auth, EncapsulationKey, DecapsulationKey, encoder), SpqrPayload.Hdr, chunk);
    }

    protected override BraidReceive ReceiveInEpoch(in SpqrMessage message) =>
        message.Type == SpqrPayload.Ct1
            ? new(new HeaderSent(Epoch, Auth, DecapsulationKey, new ChunkEncoder(EncapsulationKey), new ChunkDecoder(IncrementalMlKem768.Ciphertext1Size).Add(message.Chunk)), null)
            : new(this, null);
}

/// <summary>Sending the encapsulation key, collecting ct1.</summary>
internal sealed class HeaderSent(ulong epoch, Authenticator auth, MlKem768DecapsulationKey decapsulationKey, ChunkEncoder keyEncoder, ChunkDecoder ct1Decoder)
    : BraidState(epoch, auth)
{
    public override BraidKind Kind => BraidKind.HeaderSent;

    public MlKem768DecapsulationKey DecapsulationKey { get; } = decapsulationKey;

    public ChunkEncoder KeyEncoder { get; } = keyEncoder;

    public ChunkDecoder Ct1Decoder { get; } = ct1Decoder;

    public override BraidSend Send(IRandomSource random)
    {
        var (encoder, chunk) = KeyEncoder.NextChunk();
        return Emit(new HeaderSent(Epoch, Auth, DecapsulationKey, encoder, Ct1Decoder), SpqrPayload.Ek, chunk);
    }

    protected override BraidReceive ReceiveInEpoch(in SpqrMessage message)
    {
        if (message.Type != SpqrPayload.Ct1)
        {
            return new(this, null);
        }

        var decoder = Ct1Decoder.Add(message.Chunk);
        return decoder.Decode() is { } ct1
            ? new(new Ct1Received(Epoch, Auth, DecapsulationKey, ct1, KeyEncoder), null)
            : new(new HeaderSent(Epoch, Auth, DecapsulationKey, KeyEncoder, decoder), null);
    }
}

/// <summary>ct1 is complete: still sending the encapsulation key, now as EkCt1Ack, until ct2 starts.</summary>
internal sealed class Ct1Received(ulong epoch, Authenticator auth, MlKem768DecapsulationKey decapsulationKey, byte[] ciphertext1, ChunkEncoder keyEncoder)
    : BraidState(epoch, auth)
{
    public override BraidKind Kind => BraidKind.Ct1Received;

    public MlKem768DecapsulationKey DecapsulationKey { get; } = decapsulationKey;

    public byte[] Ciphertext1 { get; } = ciphertext1;

    public ChunkEncoder KeyEncoder { get; } = keyEncoder;

    public override BraidSend Send(IRandomSource random)
    {
        var (encoder, chunk) = KeyEncoder.NextChunk();
        return Emit(new Ct1Received(Epoch, Auth, DecapsulationKey, Ciphertext1, encoder), SpqrPayload.EkCt1Ack, chunk);
    }

    protected override BraidReceive ReceiveInEpoch(in SpqrMessage message) =>
        message.Type == SpqrPayload.Ct2
            ? new(new EkSentCt1Received(Epoch, Auth, DecapsulationKey, Ciphertext1, new ChunkDecoder(Ct2PayloadSize).Add(message.Chunk)), null)
            : new(this, null);
}

/// <summary>Collecting ct2 ‖ MAC; acknowledging ct1 meanwhile. Completing it ends the epoch.</summary>
internal sealed class EkSentCt1Received(ulong epoch, Authenticator auth, MlKem768DecapsulationKey decapsulationKey, byte[] ciphertext1, ChunkDecoder ct2Decoder)
    : BraidState(epoch, auth)
{
    public override BraidKind Kind => BraidKind.EkSentCt1Received;

    public MlKem768DecapsulationKey DecapsulationKey { get; } = decapsulationKey;

    public byte[] Ciphertext1 { get; } = ciphertext1;

    public ChunkDecoder Ct2Decoder { get; } = ct2Decoder;

    public override BraidSend Send(IRandomSource random) => Emit(this, SpqrPayload.Ct1Ack);

    protected override BraidReceive ReceiveInEpoch(in SpqrMessage message)
    {
        if (message.Type != SpqrPayload.Ct2)
        {
            return new(this, null);
        }

        var decoder = Ct2Decoder.Add(message.Chunk);
        if (decoder.Decode() is not { } payload)
        {
            return new(new EkSentCt1Received(Epoch, Auth, DecapsulationKey, Ciphertext1, decoder), null);
        }

        // Decapsulate, fold the epoch secret into the authenticator, then verify the ciphertext MAC with it.
        var ct2 = payload.AsSpan(0, IncrementalMlKem768.Ciphertext2Size);
        Span<byte> sharedSecret = stackalloc byte[IncrementalMlKem768.SharedSecretSize];
        IncrementalMlKem768.Decapsulate(DecapsulationKey, Ciphertext1, ct2, sharedSecret);
        var secret = Authenticator.EpochSecret(sharedSecret, Epoch);
        CryptographicOperations.ZeroMemory(sharedSecret);
        var auth = Auth.Update(Epoch, secret);
        if (!auth.VerifyCiphertext(Epoch, Ciphertext1, ct2, payload.AsSpan(IncrementalMlKem768.Ciphertext2Size)))
        {
            CryptographicOperations.ZeroMemory(secret);
            throw MacFailure();
        }

        return new(new NoHeaderReceived(Epoch + 1, auth, new ChunkDecoder(HeaderPayloadSize)), new EpochSecret(Epoch, secret));
    }
}
