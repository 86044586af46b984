using System.Text.Json;
using Parley.Crypto.Kem;
using Parley.Protocol.Spqr;
using Parley.Testing;

namespace Parley.Protocol.Tests.Spqr;

/// <summary>
/// Known-answer values from libsignal 0.103 itself (tests/vectors/spqr/libsignal-0.103-lockstep.json,
/// written by tests/interop/spqr-vectors.mjs from two libsignal parties' stored records and messages):
/// each SPQR component must give libsignal's bytes from libsignal's inputs, without Node.
/// </summary>
public sealed class SpqrKnownAnswerTests
{
    private static readonly JsonElement Vectors = Load();

    private static JsonElement Epoch1 => Vectors.GetProperty("epoch1");

    private static JsonElement AfterEpoch1 => Vectors.GetProperty("afterEpoch1");

    private static byte[] AuthKey => Hex(Vectors, "authKey");

    [Fact]
    public void Authenticator_starts_from_the_auth_key_as_libsignal_does()
    {
        var auth = Authenticator.Create(AuthKey);
        auth.RootKey.ToArray().ShouldBe(Hex(Epoch1, "authRoot"));
        auth.MacKey.ToArray().ShouldBe(Hex(Epoch1, "authMac"));
    }

    [Fact]
    public void Chain_start_and_six_send_steps_give_libsignals_chain()
    {
        var chain = SpqrChain.Create(AuthKey, SpqrDirection.A2B);
        var steps = Epoch1.GetProperty("a2bSendCounter").GetInt32();
        steps.ShouldBe(6);
        for (var i = 1; i <= steps; i++)
        {
            chain.SendKey(0).Index.ShouldBe((uint)i);
        }

        chain.NextRoot.ShouldBe(Hex(Epoch1, "chainNextRoot"));
        chain.Links[0].Send.Next.ToArray().ShouldBe(Hex(Epoch1, "a2bSendNext"));
        chain.Links[0].Receive.Next.ToArray().ShouldBe(Hex(Epoch1, "a2bReceiveNext"));
    }

    [Fact]
    public void Header_is_rho_and_the_hash_of_the_encapsulation_key_and_carries_libsignals_mac()
    {
        // FIPS 203 dk = dk_pke (1,152) ‖ ek (1,152 vector ‖ 32 ρ) ‖ H(ek) (32) ‖ z (32).
        var dk = Hex(Epoch1, "decapsulationKey");
        IncrementalMlKem768.IsValidDecapsulationKey(dk).ShouldBeTrue();
        var payload = HeaderPayload();
        payload[..32].ShouldBe(dk[2304..2336]); // ρ
        payload[32..64].ShouldBe(dk[2336..2368]); // SHA3-256(ek), which the key check recomputed
        IncrementalMlKem768.EncapsulationKeyMatchesHeader(payload[..64], dk[1152..2304]).ShouldBeTrue();
        Authenticator.Create(AuthKey).VerifyHeader(1, payload[..64], payload[64..]).ShouldBeTrue();
        Authenticator.Create(AuthKey).VerifyHeader(2, payload[..64], payload[64..]).ShouldBeFalse(); // the epoch is in the MAC
    }

    [Fact]
    public void Reed_solomon_parity_chunks_are_libsignals()
    {
        var chunks = Epoch1.GetProperty("headerChunks").EnumerateArray().Select(c => (Index: c.GetProperty("index").GetInt32(), Data: Hex(c, "data"))).ToList();
        chunks.Select(c => c.Index).ShouldBe([0, 1, 2, 3, 4, 5]);
        var encoder = new ChunkEncoder(HeaderPayload());
        foreach (var (index, data) in chunks)
        {
            (encoder, var ours) = encoder.NextChunk();
            ours.Index.ShouldBe((ushort)index);
            ours.Data.ShouldBe(data, $"chunk {index}");
        }

        // and any three of them decode to the payload, parity-only included
        var decoder = new ChunkDecoder(96);
        foreach (var (index, data) in chunks.Skip(3))
        {
            decoder = decoder.Add(new Chunk((ushort)index, data));
        }

        decoder.Decode().ShouldBe(HeaderPayload());
    }

    [Fact]
    public void Decapsulating_libsignals_ciphertext_gives_its_epoch_secret_authenticator_and_chain()
    {
        var ct1 = Hex(Epoch1, "ciphertext1");
        var ct2 = Hex(Epoch1, "ciphertext2");
        using var dk = new MlKem768DecapsulationKey(Hex(Epoch1, "decapsulationKey"));
        var shared = new byte[32];
        IncrementalMlKem768.Decapsulate(dk, ct1, ct2, shared);
        var secret = Authenticator.EpochSecret(shared, 1);

        // send_ek updates the authenticator with the secret, then checks MAC_ct with it
        var auth = Authenticator.Create(AuthKey).Update(1, secret);
        auth.VerifyCiphertext(1, ct1, ct2, Hex(Epoch1, "ciphertextMac")).ShouldBeTrue();
        auth.RootKey.ToArray().ShouldBe(Hex(AfterEpoch1, "authRoot"));
        auth.MacKey.ToArray().ShouldBe(Hex(AfterEpoch1, "authMac"));

        var chain = SpqrChain.Create(AuthKey, SpqrDirection.A2B);
        chain.AddEpoch(1, secret);
        chain.NextRoot.ShouldBe(Hex(AfterEpoch1, "chainNextRoot"));
        chain.Links[1].Send.Next.ToArray().ShouldBe(Hex(AfterEpoch1, "a2bSendNext"));
        chain.Links[1].Receive.Next.ToArray().ShouldBe(Hex(AfterEpoch1, "a2bReceiveNext"));

        // one flipped bit of ct2: implicit rejection gives another secret, and the MAC fails
        ct2[5] ^= 1;
        IncrementalMlKem768.Decapsulate(dk, ct1, ct2, shared);
        var wrong = Authenticator.EpochSecret(shared, 1);
        wrong.ShouldNotBe(secret);
        Authenticator.Create(AuthKey).Update(1, wrong).VerifyCiphertext(1, ct1, ct2, Hex(Epoch1, "ciphertextMac")).ShouldBeFalse();
    }

    [Fact]
    public void Lock_step_transcript_is_libsignals_message_for_message()
    {
        // Alice sends six unanswered messages, Bob reads them, then they alternate from Bob on, as
        // the two libsignal parties did; every pq_ratchet (epoch, index, type, chunk) must be theirs.
        var theirs = Vectors.GetProperty("transcript").EnumerateArray().Select(e => e.GetString()!).ToList();
        var net = new BraidNetwork(1);
        var ours = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            ours.Add("a:" + Describe(net.Send(0).Message));
        }

        net.Deliver(0);
        while (ours.Count < theirs.Count)
        {
            ours.Add("b:" + Describe(net.Send(1).Message));
            net.Deliver(1);
            ours.Add("a:" + Describe(net.Send(0).Message));
            net.Deliver(0);
        }

        theirs.Count.ShouldBeGreaterThan(170); // three epochs
        theirs[^1].ShouldStartWith("a:e3/");
        ours.ShouldBe(theirs);
    }

    /// <summary>A pq_ratchet message as the transcript writes it: e&lt;epoch&gt;/i&lt;index&gt;/&lt;type&gt;[#&lt;chunk&gt;].</summary>
    private static string Describe(byte[] message)
    {
        SpqrMessage.TryDecode(message, out var m).ShouldBeTrue();
        var chunk = SpqrMessage.CarriesChunk(m.Type) ? $"#{m.Chunk.Index}" : string.Empty;
        return $"e{m.Epoch}/i{m.Index}/{m.Type}{chunk}";
    }

    private static byte[] HeaderPayload() =>
        Epoch1.GetProperty("headerChunks").EnumerateArray().Take(3).SelectMany(c => Hex(c, "data")).ToArray();

    private static byte[] Hex(JsonElement element, string name) => Convert.FromHexString(element.GetProperty(name).GetString()!);

    private static JsonElement Load()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(RepoPaths.Combine("tests", "vectors", "spqr", "libsignal-0.103-lockstep.json")));
        return doc.RootElement.Clone();
    }
}
