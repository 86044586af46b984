using Parley.Protocol.Spqr;

namespace Parley.Protocol.Tests;

public sealed class SpqrTests
{
    private static readonly byte[] AuthKey = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();

    [Fact]
    public void None_message_has_the_observed_four_byte_encoding()
    {
        // Source: docs/protocol.md "SPQR, stage 1": the bytes libsignal 0.103 sends, "01 01 01 00".
        SpqrMessage.EncodeNone(1, 1).ShouldBe([0x01, 0x01, 0x01, 0x00]);
        SpqrMessage.EncodeNone(1, 300).ShouldBe([0x01, 0x01, 0xAC, 0x02, 0x00]);
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
    public void Chunk_messages_and_trailing_bytes_decode()
    {
        SpqrMessage.TryDecode([0x01, 0x01, 0x05, 0x01, 0x00, .. new byte[32]], out var hdr).ShouldBeTrue();
        hdr.Index.ShouldBe(5u);
        hdr.Type.ShouldBe((byte)1);
        SpqrMessage.TryDecode([0x01, 0x81, 0x00, 0x02, 0x00, 0xEE, 0xEE], out var nonMinimal).ShouldBeTrue();
        nonMinimal.Epoch.ShouldBe(1ul);
        nonMinimal.Index.ShouldBe(2u);
    }

    [Fact]
    public void Both_sides_derive_the_same_keys_in_order_and_out_of_order()
    {
        var alice = SpqrState.Create(AuthKey, SpqrDirection.A2B, selfSession: false);
        var bob = SpqrState.Create(AuthKey, SpqrDirection.B2A, selfSession: false);
        var sent = Enumerable.Range(0, 10).Select(_ => alice.Send()).ToList();
        foreach (var i in new[] { 3, 0, 9, 1, 2, 8, 4, 5, 7, 6 })
        {
            bob.Receive(sent[i].Message).ShouldBe(sent[i].Key);
        }

        var reply = bob.Send();
        alice.Receive(reply.Message).ShouldBe(reply.Key);
        reply.Key.ShouldNotBe(sent[0].Key); // the directions use different chains
    }

    [Fact]
    public void A_key_is_handed_out_once()
    {
        var alice = SpqrState.Create(AuthKey, SpqrDirection.A2B, false);
        var bob = SpqrState.Create(AuthKey, SpqrDirection.B2A, false);
        var first = alice.Send();
        var second = alice.Send();
        bob.Receive(second.Message);
        bob.Receive(first.Message);
        Should.Throw<ProtocolFailureException>(() => bob.Receive(first.Message));
        Should.Throw<ProtocolFailureException>(() => bob.Receive(second.Message));
    }

    [Fact]
    public void Jumps_beyond_25000_and_keys_older_than_the_window_are_refused()
    {
        var bob = SpqrState.Create(AuthKey, SpqrDirection.B2A, false);
        Should.Throw<ProtocolFailureException>(() => bob.Receive(SpqrMessage.EncodeNone(1, 25_001)));
        bob.Receive(SpqrMessage.EncodeNone(1, 25_000)).ShouldNotBeNull();
        // 25,000 − 2,000 − 1 is outside the out-of-order window
        Should.Throw<ProtocolFailureException>(() => bob.Receive(SpqrMessage.EncodeNone(1, 22_999)));
        bob.Receive(SpqrMessage.EncodeNone(1, 23_000)).ShouldNotBeNull();
    }

    [Fact]
    public void A_self_session_may_jump_any_distance()
    {
        var self = SpqrState.Create(AuthKey, SpqrDirection.B2A, selfSession: true);
        self.Receive(SpqrMessage.EncodeNone(1, 30_000)).ShouldNotBeNull();
    }

    [Fact]
    public void Version_zero_is_refused_and_unknown_future_versions_give_no_key()
    {
        var bob = SpqrState.Create(AuthKey, SpqrDirection.B2A, false);
        Should.Throw<ProtocolFailureException>(() => bob.Receive([]));
        Should.Throw<ProtocolFailureException>(() => bob.Receive([0x00, 0x01]));
        bob.Receive([0x02, 0x01, 0x01, 0x00]).ShouldBeNull();
        Should.Throw<ProtocolFailureException>(() => bob.Receive(SpqrMessage.EncodeNone(2, 1))); // epoch the braid never reached
        bob.Negotiating.ShouldBeTrue();
        bob.Receive(SpqrMessage.EncodeNone(1, 1)).ShouldNotBeNull();
        bob.Negotiating.ShouldBeFalse();
    }

    [Fact]
    public void Peer_chunks_are_accepted_without_advancing_the_braid()
    {
        var alice = SpqrState.Create(AuthKey, SpqrDirection.A2B, false);
        var bob = SpqrState.Create(AuthKey, SpqrDirection.B2A, false);
        var first = alice.Send();
        // a libsignal A2B peer sends Hdr chunks at epoch 1, index 2; Parley takes the key, ignores the chunk
        byte[] hdrChunk = [0x01, 0x01, 0x02, 0x01, 0x00, .. new byte[32]];
        bob.Receive(first.Message).ShouldBe(first.Key);
        var second = alice.Send();
        bob.Receive(hdrChunk).ShouldBe(second.Key);
        bob.Send().Message[1].ShouldBe((byte)1); // still epoch 1
    }
}
