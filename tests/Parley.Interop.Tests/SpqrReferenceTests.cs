using System.Text.Json.Nodes;
using Parley.Crypto.Kem;
using Parley.Interop.Tests.Support;
using Parley.Protocol;
using Parley.Protocol.Spqr;
using Parley.Protocol.Wire;
using Parley.Testing;

namespace Parley.Interop.Tests;

/// <summary>
/// Reference values read from libsignal 0.103 itself: its stored SPQR state (tests/interop/ops/protocol.mjs
/// <c>party.spqrState</c>) and its first six messages, which carry the braid's header chunks #0–#5.
/// Parley's authenticator, chain, incremental ML-KEM header and Reed–Solomon parity must reproduce them
/// byte for byte.
/// </summary>
public sealed class SpqrReferenceTests(HarnessFixture fixture)
{
    [Fact]
    public void Parley_reproduces_libsignals_authenticator_chain_header_and_parity_chunks()
    {
        var parley = new ParleyPeer(fixture.UniqueName("parley"));
        var libsignal = new LibsignalPeer(fixture.Harness, fixture.UniqueName("libsignal"));
        libsignal.ProcessBundle(parley, parley.NewBundle()).ShouldBe(ProtocolFailure.None);
        var envelopes = libsignal.EncryptMany(parley, "ref", 0, 6);
        var state = libsignal.SpqrState(parley); // still negotiating: the auth key is in the state
        var chunks = envelopes.Select(e =>
        {
            PreKeySignalMessage.TryParse(e.Body, out var message, out _).ShouldBeTrue();
            SpqrMessage.TryDecode(message!.Message.PqRatchet, out var spqr).ShouldBeTrue();
            spqr.Type.ShouldBe(SpqrPayload.Hdr);
            return spqr.Chunk;
        }).ToList();

        state["state"]!.GetValue<int>().ShouldBe((int)BraidKind.KeysSampled);
        state["epoch"]!.GetValue<int>().ShouldBe(1);
        var authKey = Bytes(state, "authKey");
        authKey.Length.ShouldBe(32);

        // Authenticator init: zero keys updated with the auth key at epoch 1.
        var auth = Authenticator.Create(authKey);
        auth.RootKey.ToArray().ShouldBe(Bytes(state, "authRoot"));
        auth.MacKey.ToArray().ShouldBe(Bytes(state, "authMac"));

        // Chain start and six steps of the A2B send chain.
        var chain = SpqrChain.Create(authKey, SpqrDirection.A2B);
        for (var i = 0; i < 6; i++)
        {
            chain.SendKey(0);
        }

        var theirChain = state["chain"]!;
        chain.NextRoot.ShouldBe(NodeHarness.Bytes(theirChain["nextRoot"]));
        var link = theirChain["links"]!.AsArray().Single()!;
        link["send"]!["ctr"]!.GetValue<int>().ShouldBe(6);
        chain.Links[0].Send.Next.ToArray().ShouldBe(NodeHarness.Bytes(link["send"]!["next"]));
        chain.Links[0].Receive.Next.ToArray().ShouldBe(NodeHarness.Bytes(link["recv"]!["next"]));

        // The header is ρ ‖ SHA3-256(ek) of libsignal's standard decapsulation key.
        var dk = Bytes(state, "dk");
        var ek = Bytes(state, "ek");
        IncrementalMlKem768.IsValidDecapsulationKey(dk).ShouldBeTrue();
        ek.ShouldBe(dk[1152..2304]);
        var header = (byte[])[.. dk[2304..2336], .. dk[2336..2368]];
        IncrementalMlKem768.EncapsulationKeyMatchesHeader(header, ek).ShouldBeTrue();

        // Chunks #0–#2 are hdr ‖ MAC; the MAC is libsignal's authenticator's; #3–#5 are Parley's parity.
        var payload = chunks.Take(3).SelectMany(c => c.Data).ToArray();
        payload[..64].ShouldBe(header);
        auth.VerifyHeader(1, header, payload[64..]).ShouldBeTrue();
        var encoder = new ChunkEncoder(payload);
        for (var k = 0; k < 6; k++)
        {
            (encoder, var ours) = encoder.NextChunk();
            ours.Index.ShouldBe(chunks[k].Index);
            ours.Data.ShouldBe(chunks[k].Data, $"chunk {k}");
        }

        // And Parley reads all six with the same SPQR keys.
        parley.ShouldRead(libsignal, envelopes);
    }

    private static byte[] Bytes(JsonNode state, string name) => NodeHarness.Bytes(state[name]);
}
