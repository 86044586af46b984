using Parley.Protocol.Spqr;

namespace Parley.Protocol.Tests.Spqr;

/// <summary>The pq_ratchet wire encoding (spqr <c>v1/chunked/states/serialize.rs</c>).</summary>
public sealed class SpqrMessageTests
{
    [Fact]
    public void None_and_chunk_messages_have_the_observed_encodings()
    {
        // Source: libsignal 0.103 transcripts: a bare None is 4 bytes "01 01 01 00", a chunk message 37.
        new SpqrMessage(1, 1, SpqrPayload.None, default).Encode().ShouldBe([0x01, 0x01, 0x01, 0x00]);
        new SpqrMessage(1, 300, SpqrPayload.None, default).Encode().ShouldBe([0x01, 0x01, 0xAC, 0x02, 0x00]);
        new SpqrMessage(1, 4, SpqrPayload.Ct1Ack, default).Encode().ShouldBe([0x01, 0x01, 0x04, 0x04]);
        var chunk = new SpqrMessage(2, 3, SpqrPayload.Ct1, new Chunk(29, Enumerable.Range(0, 32).Select(i => (byte)i).ToArray())).Encode();
        chunk.Length.ShouldBe(37);
        chunk[..5].ShouldBe([0x01, 0x02, 0x03, 0x05, 29]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("02010100")] // not V1 at this layer
    [InlineData("01000100")] // epoch 0
    [InlineData("010101")] // no type byte
    [InlineData("01010107")] // type 7
    [InlineData("0101010100")] // Hdr chunk without data
    [InlineData("01010101ffff0400")] // chunk index over 65535
    [InlineData("0101ffffffff1f00")] // index over u32
    [InlineData("01ffffffffffffffffffff")] // epoch varint longer than 10 bytes
    public void Malformed_messages_do_not_decode(string hex)
    {
        SpqrMessage.TryDecode(Convert.FromHexString(hex), out _).ShouldBeFalse();
    }

    [Fact]
    public void Chunks_non_minimal_varints_and_trailing_bytes_decode()
    {
        SpqrMessage.TryDecode([0x01, 0x01, 0x05, 0x01, 0x00, .. new byte[32]], out var hdr).ShouldBeTrue();
        hdr.Index.ShouldBe(5u);
        hdr.Type.ShouldBe(SpqrPayload.Hdr);
        hdr.Chunk.Index.ShouldBe((ushort)0);
        SpqrMessage.TryDecode([0x01, 0x81, 0x00, 0x02, 0x00, 0xEE, 0xEE], out var nonMinimal).ShouldBeTrue();
        nonMinimal.Epoch.ShouldBe(1ul);
        nonMinimal.Index.ShouldBe(2u);
        SpqrMessage.TryDecode([0x01, 0x01, 0x02, 0x04], out var ack).ShouldBeTrue();
        ack.Type.ShouldBe(SpqrPayload.Ct1Ack);
    }
}
