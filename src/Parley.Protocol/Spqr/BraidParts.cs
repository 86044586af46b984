using Parley.Crypto.Kem;

namespace Parley.Protocol.Spqr;

/// <summary>
/// A braid state taken apart for storage, and put back together with every part its kind needs, each
/// of the right size (<see cref="FormatException"/> otherwise). Used by <see cref="SpqrStateCodec"/> only.
/// </summary>
internal sealed class BraidParts
{
    public byte[]? EncapsulationKey { get; set; }

    public MlKem768DecapsulationKey? DecapsulationKey { get; set; }

    public byte[]? Header { get; set; }

    public MlKem768EncapsulationState? Encapsulation { get; set; }

    public byte[]? Ciphertext1 { get; set; }

    public ChunkEncoder? Encoder { get; set; }

    public ChunkDecoder? Decoder { get; set; }

    public static BraidParts Of(BraidState state) => state switch
    {
        KeysSampled s => new() { EncapsulationKey = s.EncapsulationKey, DecapsulationKey = s.DecapsulationKey, Encoder = s.HeaderEncoder },
        HeaderSent s => new() { DecapsulationKey = s.DecapsulationKey, Encoder = s.KeyEncoder, Decoder = s.Ct1Decoder },
        Ct1Received s => new() { DecapsulationKey = s.DecapsulationKey, Ciphertext1 = s.Ciphertext1, Encoder = s.KeyEncoder },
        EkSentCt1Received s => new() { DecapsulationKey = s.DecapsulationKey, Ciphertext1 = s.Ciphertext1, Decoder = s.Ct2Decoder },
        NoHeaderReceived s => new() { Decoder = s.HeaderDecoder },
        HeaderReceived s => new() { Header = s.Header, Decoder = s.KeyDecoder },
        Ct1Sampled s => new() { Header = s.Header, Encapsulation = s.Encapsulation, Encoder = s.Ct1Encoder, Decoder = s.KeyDecoder },
        EkReceivedCt1Sampled s => new() { Encapsulation = s.Encapsulation, EncapsulationKey = s.EncapsulationKey, Encoder = s.Ct1Encoder },
        Ct1Acknowledged s => new() { Header = s.Header, Encapsulation = s.Encapsulation, Ciphertext1 = s.Ciphertext1, Decoder = s.KeyDecoder },
        Ct2Sampled s => new() { Encoder = s.Ct2Encoder },
        _ => new(),
    };

    public BraidState Build(BraidKind kind, ulong epoch, Authenticator auth) => kind switch
    {
        BraidKind.KeysUnsampled => new KeysUnsampled(epoch, auth),
        BraidKind.KeysSampled => new KeysSampled(epoch, auth, Need(EncapsulationKey), Need(DecapsulationKey), Encoding(BraidState.HeaderPayloadSize)),
        BraidKind.HeaderSent => new HeaderSent(epoch, auth, Need(DecapsulationKey), Encoding(IncrementalMlKem768.EncapsulationKeySize), Decoding(IncrementalMlKem768.Ciphertext1Size)),
        BraidKind.Ct1Received => new Ct1Received(epoch, auth, Need(DecapsulationKey), Need(Ciphertext1), Encoding(IncrementalMlKem768.EncapsulationKeySize)),
        BraidKind.EkSentCt1Received => new EkSentCt1Received(epoch, auth, Need(DecapsulationKey), Need(Ciphertext1), Decoding(BraidState.Ct2PayloadSize)),
        BraidKind.NoHeaderReceived => new NoHeaderReceived(epoch, auth, Decoding(BraidState.HeaderPayloadSize)),
        BraidKind.HeaderReceived => new HeaderReceived(epoch, auth, Need(Header), Decoding(IncrementalMlKem768.EncapsulationKeySize)),
        BraidKind.Ct1Sampled => new Ct1Sampled(epoch, auth, Need(Header), Need(Encapsulation), Encoding(IncrementalMlKem768.Ciphertext1Size), Decoding(IncrementalMlKem768.EncapsulationKeySize)),
        BraidKind.EkReceivedCt1Sampled => new EkReceivedCt1Sampled(epoch, auth, Need(Encapsulation), Need(EncapsulationKey), Encoding(IncrementalMlKem768.Ciphertext1Size)),
        BraidKind.Ct1Acknowledged => new Ct1Acknowledged(epoch, auth, Need(Header), Need(Encapsulation), Need(Ciphertext1), Decoding(IncrementalMlKem768.EncapsulationKeySize)),
        BraidKind.Ct2Sampled => new Ct2Sampled(epoch, auth, Encoding(BraidState.Ct2PayloadSize)),
        BraidKind.Stage1 when epoch == 1 => new Stage1Braid(),
        _ => throw new FormatException("unknown SPQR braid state"),
    };

    private static T Need<T>(T? part)
        where T : class => part ?? throw new FormatException("SPQR braid state is missing a part");

    private ChunkEncoder Encoding(int payloadLength) =>
        Encoder is { } e && e.Payload.Length == payloadLength ? e : throw new FormatException("SPQR braid state has the wrong chunk encoder");

    private ChunkDecoder Decoding(int payloadLength) =>
        Decoder is { } d && d.PayloadLength == payloadLength ? d : throw new FormatException("SPQR braid state has the wrong chunk decoder");
}
