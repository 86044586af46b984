using Parley.Protocol.Ratchet;
using Parley.Protocol.Spqr;
using Parley.Protocol.Tests.Support;

namespace Parley.Protocol.Tests.Spqr;

/// <summary>
/// Sessions stored by Parley's stage 1 (<see cref="Stage1Records"/>): they load, keep talking to a peer
/// that runs the braid, and are written back in the current format, frozen in epoch 1 (stage 1 did not
/// keep the auth key the braid's authenticator needs).
/// </summary>
public sealed class Stage1UpgradeTests
{
    [Fact]
    public void A_stage_one_initiator_session_keeps_talking_to_a_braid_responder()
    {
        var alice = new Party("alice");
        var bob = new Party("bob");
        alice.Cipher.ProcessPreKeyBundle(bob.Address, bob.NewBundle()).IsSuccess.ShouldBeTrue();
        Reload(alice, bob);
        Talk(alice, bob, rounds: 150);
        Epoch(alice, bob).ShouldBe(1ul);
        Epoch(bob, alice).ShouldBe(1ul);
        alice.Store.LoadSession(bob.Address)!.Current!.Spqr.Braid.ShouldBeOfType<Stage1Braid>();
    }

    [Fact]
    public void A_stage_one_responder_session_keeps_talking_to_a_braid_initiator()
    {
        var alice = new Party("alice");
        var bob = new Party("bob");
        alice.Cipher.ProcessPreKeyBundle(bob.Address, bob.NewBundle()).IsSuccess.ShouldBeTrue();
        bob.ReceiveText(alice, alice.Send(bob, "first"));
        Reload(bob, alice);
        Talk(alice, bob, rounds: 150);
        Epoch(alice, bob).ShouldBe(1ul); // Alice sends header chunks that stage 1 ignores
        alice.Store.LoadSession(bob.Address)!.Current!.Spqr.Braid.ShouldBeOfType<KeysSampled>();
    }

    [Fact]
    public void A_stage_one_record_is_stored_in_the_current_format_after_its_next_message()
    {
        var alice = new Party("alice");
        var bob = new Party("bob");
        alice.Cipher.ProcessPreKeyBundle(bob.Address, bob.NewBundle()).IsSuccess.ShouldBeTrue();
        Reload(alice, bob);
        var message = alice.Send(bob, "after the upgrade");
        bob.ReceiveText(alice, message).ShouldBe("after the upgrade");
        var stored = alice.Store.LoadSession(bob.Address)!.Serialize();
        var reloaded = SessionRecord.Deserialize(stored);
        reloaded.Current!.Spqr.Braid.ShouldBeOfType<Stage1Braid>();
        reloaded.Serialize().ShouldBe(stored);
    }

    [Fact]
    public void Sessions_written_by_stage_one_code_load_read_late_messages_on_current_and_archived_states_and_keep_talking()
    {
        // Alice and Bob as stage 1 stored them: Alice's record holds a second session and the first one
        // archived, and Bob had written once more on the first before he heard of the second.
        var stored = Stage1Fixtures.Load("parley-with-parley-archived.json");
        var alice = Restore(stored["alice"]!);
        var bob = Restore(stored["bob"]!);
        var aliceRecord = alice.Store.LoadSession(bob.Address)!;
        aliceRecord.Previous.Count.ShouldBe(1);
        aliceRecord.Current!.Spqr.Braid.ShouldBeOfType<Stage1Braid>();
        aliceRecord.Previous[0].Spqr.Braid.ShouldBeOfType<Stage1Braid>();

        var inFlight = Stage1Fixtures.InFlight(stored);
        inFlight.Count.ShouldBe(5);
        foreach (var message in inFlight)
        {
            var (from, to) = message.From == "alice" ? (alice, bob) : (bob, alice);
            var result = to.Cipher.Decrypt(from.Address, message.Type, message.Body);
            result.IsSuccess.ShouldBeTrue($"{message.Plaintext}: {result.Failure}");
            System.Text.Encoding.UTF8.GetString(result.Value).ShouldBe(message.Plaintext);
            var before = to.Snapshot();
            to.Cipher.Decrypt(from.Address, message.Type, message.Body).Failure.ShouldBe(ProtocolFailure.DuplicateMessage);
            to.Snapshot().ShouldBe(before);
        }

        Talk(alice, bob, rounds: 150);
        Epoch(alice, bob).ShouldBe(1ul);
        Epoch(bob, alice).ShouldBe(1ul);
        var upgraded = alice.Store.LoadSession(bob.Address)!.Serialize();
        SessionRecord.Deserialize(upgraded).Serialize().ShouldBe(upgraded); // now in the current format, archived state included
    }

    private static Party Restore(System.Text.Json.Nodes.JsonNode stored)
    {
        var party = new Party(Stage1Fixtures.Address(stored), Stage1Fixtures.Identity(stored), Stage1Fixtures.RegistrationId(stored));
        Stage1Fixtures.Restore(stored, party.Store);
        return party;
    }

    /// <summary>Replaces <paramref name="party"/>'s session with <paramref name="peer"/> by its stage-1 form, read back.</summary>
    private static void Reload(Party party, Party peer)
    {
        var stage1 = Stage1Records.Downgrade(party.Store.LoadSession(peer.Address)!);
        party.Store.StoreSession(peer.Address, SessionRecord.Deserialize(stage1));
    }

    private static void Talk(Party alice, Party bob, int rounds)
    {
        for (var i = 0; i < rounds; i++)
        {
            bob.ReceiveText(alice, alice.Send(bob, $"a{i}")).ShouldBe($"a{i}");
            alice.ReceiveText(bob, bob.Send(alice, $"b{i}")).ShouldBe($"b{i}");
        }
    }

    private static ulong Epoch(Party party, Party peer) => party.Store.LoadSession(peer.Address)!.Current!.Spqr.Epoch;
}
