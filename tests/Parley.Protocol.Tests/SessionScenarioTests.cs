using Parley.Protocol.Keys;
using Parley.Protocol.Tests.Support;
using Parley.Protocol.Wire;

namespace Parley.Protocol.Tests;

/// <summary>libsignal's public behaviour list, Parley talking to Parley (rust/protocol/tests/session.rs).</summary>
public sealed class SessionScenarioTests
{
    private static (Party Alice, Party Bob) Pair()
    {
        var alice = new Party("alice");
        var bob = new Party("bob");
        alice.Cipher.ProcessPreKeyBundle(bob.Address, bob.NewBundle()).IsSuccess.ShouldBeTrue();
        return (alice, bob);
    }

    private static (Party Alice, Party Bob) Established()
    {
        var (alice, bob) = Pair();
        bob.ReceiveText(alice, alice.Send(bob, "hello")).ShouldBe("hello");
        alice.ReceiveText(bob, bob.Send(alice, "hi")).ShouldBe("hi");
        return (alice, bob);
    }

    [Fact]
    public void Initiator_sends_prekey_messages_until_the_first_reply()
    {
        var (alice, bob) = Pair();
        var first = alice.Send(bob, "one");
        var second = alice.Send(bob, "two");
        first.Type.ShouldBe(CiphertextMessageType.PreKey);
        second.Type.ShouldBe(CiphertextMessageType.PreKey);
        first.Serialized[0].ShouldBe((byte)0x44);

        bob.ReceiveText(alice, first).ShouldBe("one");
        bob.ReceiveText(alice, second).ShouldBe("two");
        var reply = bob.Send(alice, "back");
        reply.Type.ShouldBe(CiphertextMessageType.Whisper);
        alice.Store.LoadSession(bob.Address)!.IsAwaitingFirstReply.ShouldBeTrue();
        alice.ReceiveText(bob, reply).ShouldBe("back");
        alice.Store.LoadSession(bob.Address)!.IsAwaitingFirstReply.ShouldBeFalse();
        alice.Send(bob, "three").Type.ShouldBe(CiphertextMessageType.Whisper);
    }

    [Fact]
    public void Prekey_message_consumes_the_one_time_prekey_and_the_kyber_prekey()
    {
        var (alice, bob) = Pair();
        bob.Store.PreKeys.Ids.Count.ShouldBe(1);
        bob.Store.KyberPreKeys.Ids.Count.ShouldBe(1);
        bob.ReceiveText(alice, alice.Send(bob, "x"));
        bob.Store.PreKeys.Ids.ShouldBeEmpty();
        bob.Store.KyberPreKeys.Ids.ShouldBeEmpty();
        bob.Store.SignedPreKeys.Ids.Count.ShouldBe(1);
    }

    [Fact]
    public void Session_without_a_one_time_prekey_works()
    {
        var alice = new Party("alice");
        var bob = new Party("bob");
        alice.Cipher.ProcessPreKeyBundle(bob.Address, bob.NewBundle(withOneTimePreKey: false)).IsSuccess.ShouldBeTrue();
        bob.ReceiveText(alice, alice.Send(bob, "no opk")).ShouldBe("no opk");
        alice.ReceiveText(bob, bob.Send(alice, "fine")).ShouldBe("fine");
    }

    [Fact]
    public void Out_of_order_messages_decrypt_once()
    {
        var (alice, bob) = Established();
        var messages = Enumerable.Range(0, 20).Select(i => alice.Send(bob, $"m{i}")).ToList();
        var order = Enumerable.Range(0, 20).Reverse().ToList();
        foreach (var i in order)
        {
            bob.ReceiveText(alice, messages[i]).ShouldBe($"m{i}");
        }

        foreach (var i in order)
        {
            bob.Receive(alice, messages[i]).Failure.ShouldBe(ProtocolFailure.DuplicateMessage);
        }
    }

    [Fact]
    public void Lost_messages_do_not_block_later_ones()
    {
        var (alice, bob) = Established();
        for (var round = 0; round < 10; round++)
        {
            alice.Send(bob, "lost");
            alice.Send(bob, "lost too");
            bob.ReceiveText(alice, alice.Send(bob, $"arrives {round}")).ShouldBe($"arrives {round}");
            bob.Send(alice, "lost reply");
            alice.ReceiveText(bob, bob.Send(alice, $"reply {round}")).ShouldBe($"reply {round}");
        }
    }

    [Fact]
    public void Replayed_message_is_a_duplicate_and_changes_nothing()
    {
        var (alice, bob) = Established();
        var message = alice.Send(bob, "once");
        bob.ReceiveText(alice, message).ShouldBe("once");
        var before = bob.Snapshot();
        bob.Receive(alice, message).Failure.ShouldBe(ProtocolFailure.DuplicateMessage);
        bob.Snapshot().ShouldBe(before);
    }

    [Fact]
    public void Repeated_bundle_message_reuses_the_session()
    {
        var (alice, bob) = Pair();
        var first = alice.Send(bob, "first");
        var second = alice.Send(bob, "second");
        // the second PreKeySignalMessage arrives first; the first one then finds the same base key
        bob.ReceiveText(alice, second).ShouldBe("second");
        bob.ReceiveText(alice, first).ShouldBe("first");
        bob.Store.LoadSession(alice.Address)!.ArchivedSessionCount.ShouldBe(0);
        bob.Receive(alice, first).Failure.ShouldBe(ProtocolFailure.DuplicateMessage);
    }

    [Fact]
    public void Simultaneous_initiation_converges()
    {
        var alice = new Party("alice");
        var bob = new Party("bob");
        alice.Cipher.ProcessPreKeyBundle(bob.Address, bob.NewBundle()).IsSuccess.ShouldBeTrue();
        bob.Cipher.ProcessPreKeyBundle(alice.Address, alice.NewBundle()).IsSuccess.ShouldBeTrue();

        var fromAlice = alice.Send(bob, "hi bob");
        var fromBob = bob.Send(alice, "hi alice");
        fromAlice.Type.ShouldBe(CiphertextMessageType.PreKey);
        fromBob.Type.ShouldBe(CiphertextMessageType.PreKey);

        bob.ReceiveText(alice, fromAlice).ShouldBe("hi bob");
        alice.ReceiveText(bob, fromBob).ShouldBe("hi alice");

        // Each now has a current session made from the other's PreKey message and its own archived.
        alice.ReceiveText(bob, bob.Send(alice, "after")).ShouldBe("after");
        bob.ReceiveText(alice, alice.Send(bob, "after too")).ShouldBe("after too");
        for (var i = 0; i < 5; i++)
        {
            bob.ReceiveText(alice, alice.Send(bob, $"a{i}")).ShouldBe($"a{i}");
            alice.ReceiveText(bob, bob.Send(alice, $"b{i}")).ShouldBe($"b{i}");
        }

        alice.Send(bob, "settled").Type.ShouldBe(CiphertextMessageType.Whisper);
        bob.Send(alice, "settled").Type.ShouldBe(CiphertextMessageType.Whisper);
    }

    [Fact]
    public void Archived_session_still_decrypts_its_messages()
    {
        var (alice, bob) = Established();
        var late = alice.Send(bob, "sent before the new session");

        // Alice starts over with a fresh bundle: Bob's side archives the old session when the new one arrives.
        alice.Cipher.ProcessPreKeyBundle(bob.Address, bob.NewBundle()).IsSuccess.ShouldBeTrue();
        bob.ReceiveText(alice, alice.Send(bob, "new session")).ShouldBe("new session");
        bob.Store.LoadSession(alice.Address)!.ArchivedSessionCount.ShouldBe(1);

        bob.ReceiveText(alice, late).ShouldBe("sent before the new session");
        bob.Store.LoadSession(alice.Address)!.ArchivedSessionCount.ShouldBe(1); // promoted, the other archived
    }

    [Fact]
    public void Chain_jump_over_the_limit_is_rejected_and_at_the_limit_accepted()
    {
        // Both ratchets cap the jump at 25,000: the Double Ratchet per chain, SPQR over every message of
        // the session. After Established, Bob has read SPQR index 1, so index 25,001 is the last he accepts.
        var (alice, bob) = Established();
        for (var i = 0; i < 25_000 - 1; i++)
        {
            alice.Send(bob, "skipped");
        }

        var atLimit = alice.Send(bob, "at the limit");
        var overLimit = alice.Send(bob, "over the limit");
        var before = bob.Snapshot();
        bob.Receive(alice, overLimit).Failure.ShouldBe(ProtocolFailure.InvalidMessage);
        bob.Snapshot().ShouldBe(before);
        bob.ReceiveText(alice, atLimit).ShouldBe("at the limit");
        bob.ReceiveText(alice, overLimit).ShouldBe("over the limit");
    }

    [Fact]
    public void Only_the_newest_2000_skipped_keys_are_kept()
    {
        var (alice, bob) = Established();
        var messages = Enumerable.Range(0, 2002).Select(i => alice.Send(bob, $"m{i}")).ToList();
        bob.ReceiveText(alice, messages[^1]).ShouldBe("m2001");
        bob.Receive(alice, messages[0]).Failure.ShouldBe(ProtocolFailure.DuplicateMessage); // evicted
        bob.ReceiveText(alice, messages[1]).ShouldBe("m1");
        bob.ReceiveText(alice, messages[2000]).ShouldBe("m2000");
    }

    [Fact]
    public void Only_five_receiving_chains_are_kept()
    {
        var (alice, bob) = Established();
        CiphertextMessage? stale = null, oldestKept = null;
        for (var i = 0; i < 6; i++)
        {
            // Each round Alice sends on a new ratchet key, so Bob gains a receiving chain.
            if (i == 0)
            {
                stale = alice.Send(bob, "from a chain six turns old");
            }

            if (i == 1)
            {
                oldestKept = alice.Send(bob, "from a chain five turns old");
            }

            bob.ReceiveText(alice, alice.Send(bob, "turn")).ShouldBe("turn");
            alice.ReceiveText(bob, bob.Send(alice, "turn")).ShouldBe("turn");
        }

        // Bob has the five newest of Alice's six chains: the oldest is gone, the next still works.
        var before = bob.Snapshot();
        bob.Receive(alice, stale!).Failure.ShouldBe(ProtocolFailure.InvalidMessage);
        bob.Snapshot().ShouldBe(before);
        bob.ReceiveText(alice, oldestKept!).ShouldBe("from a chain five turns old");
    }

    [Fact]
    public void Previous_counter_is_the_last_index_of_the_sending_chain_before_the_turn()
    {
        var (alice, bob) = Pair();
        var first = Enumerable.Range(0, 3).Select(i => alice.Send(bob, $"a{i}")).ToList();
        first.Select(m => Inner(m).Counter).ShouldBe([0u, 1u, 2u]);
        first.ShouldAllBe(m => Inner(m).PreviousCounter == 0);
        first.ForEach(m => bob.ReceiveText(alice, m));

        // Bob's first chain (his signed prekey's) sent nothing: 0, by libsignal's saturating subtraction.
        var replies = Enumerable.Range(0, 2).Select(i => bob.Send(alice, $"b{i}")).ToList();
        replies.Select(m => (Inner(m).Counter, Inner(m).PreviousCounter)).ShouldBe([(0u, 0u), (1u, 0u)]);
        replies.ForEach(m => alice.ReceiveText(bob, m));

        // Alice sent indices 0..2 on her old chain, Bob 0..1 on his.
        var next = alice.Send(bob, "a3");
        (Inner(next).Counter, Inner(next).PreviousCounter).ShouldBe((0u, 2u));
        bob.ReceiveText(alice, next);
        var back = bob.Send(alice, "b2");
        (Inner(back).Counter, Inner(back).PreviousCounter).ShouldBe((0u, 1u));

        // After a chain that sent one message (index 0), 0 again.
        alice.ReceiveText(bob, back);
        bob.ReceiveText(alice, alice.Send(bob, "a4"));
        alice.ReceiveText(bob, bob.Send(alice, "b3"));
        var afterOne = alice.Send(bob, "a5");
        Inner(afterOne).PreviousCounter.ShouldBe(0u);
    }

    [Fact]
    public void Forty_archived_sessions_are_kept_and_the_oldest_dropped()
    {
        var alice = new Party("alice");
        var bob = new Party("bob");
        var late = new List<CiphertextMessage>();
        // libsignal consts.rs ARCHIVED_STATES_MAX_LENGTH = 40 (a literal here, so a changed constant fails).
        for (var session = 0; session < 42; session++)
        {
            // Each new session from Alice archives Bob's previous one.
            alice.Cipher.ProcessPreKeyBundle(bob.Address, bob.NewBundle(withOneTimePreKey: false)).IsSuccess.ShouldBeTrue();
            bob.ReceiveText(alice, alice.Send(bob, "start"));
            alice.ReceiveText(bob, bob.Send(alice, "ok"));
            late.Add(alice.Send(bob, $"late in session {session}"));
        }

        bob.Store.LoadSession(alice.Address)!.ArchivedSessionCount.ShouldBe(40);
        var before = bob.Snapshot();
        bob.Receive(alice, late[0]).Failure.ShouldBe(ProtocolFailure.InvalidMessage);
        bob.Snapshot().ShouldBe(before);
        bob.ReceiveText(alice, late[1]).ShouldBe("late in session 1");
        bob.Store.LoadSession(alice.Address)!.ArchivedSessionCount.ShouldBe(40);
    }

    [Fact]
    public void Tampered_mac_is_rejected_and_changes_nothing()
    {
        var (alice, bob) = Established();
        var message = alice.Send(bob, "authentic");
        var tampered = message.Serialized.ToArray();
        tampered[^1] ^= 0x01;
        var before = bob.Snapshot();
        bob.Receive(alice, message with { Serialized = tampered }).Failure.ShouldBe(ProtocolFailure.InvalidMessage);
        bob.Snapshot().ShouldBe(before);
        bob.ReceiveText(alice, message).ShouldBe("authentic");
    }

    [Fact]
    public void Failed_prekey_decrypt_does_not_update_stores()
    {
        var (alice, bob) = Pair();
        var message = alice.Send(bob, "hello");
        var tampered = message.Serialized.ToArray();
        tampered[^1] ^= 0x01; // the inner SignalMessage's MAC is at the very end
        var before = bob.Snapshot();
        bob.Receive(alice, message with { Serialized = tampered }).Failure.ShouldBe(ProtocolFailure.InvalidMessage);
        bob.Snapshot().ShouldBe(before);
        bob.Store.LoadSession(alice.Address).ShouldBeNull();
        bob.ReceiveText(alice, message).ShouldBe("hello");
    }

    [Fact]
    public void Unknown_identity_is_untrusted_and_changes_nothing()
    {
        var (alice, bob) = Established();
        var mallory = new Party("mallory");
        // Bob knows alice's key; a new identity claiming alice's address is refused
        var impostor = new Party("alice", random: new DeterministicRandom("impostor"));
        impostor.Cipher.ProcessPreKeyBundle(bob.Address, bob.NewBundle()).IsSuccess.ShouldBeTrue();
        var before = bob.Snapshot();
        bob.Receive(impostor, impostor.Send(bob, "trust me")).Failure.ShouldBe(ProtocolFailure.UntrustedIdentity);
        bob.Snapshot().ShouldBe(before);
        mallory.Cipher.ProcessPreKeyBundle(alice.Address, ChangeIdentity(alice.NewBundle(), mallory)).Failure
            .ShouldBe(ProtocolFailure.SignatureValidationFailed);
    }

    [Fact]
    public void Bad_signed_prekey_signature_is_rejected()
    {
        var alice = new Party("alice");
        var bob = new Party("bob");
        var bundle = bob.NewBundle();
        var badSignature = bundle.SignedPreKeySignature.ToArray();
        badSignature[5] ^= 1;
        alice.Cipher.ProcessPreKeyBundle(bob.Address, bundle with { SignedPreKeySignature = badSignature }).Failure
            .ShouldBe(ProtocolFailure.SignatureValidationFailed);
        var badKyberSignature = bundle.KyberPreKeySignature.ToArray();
        badKyberSignature[5] ^= 1;
        alice.Cipher.ProcessPreKeyBundle(bob.Address, bundle with { KyberPreKeySignature = badKyberSignature }).Failure
            .ShouldBe(ProtocolFailure.SignatureValidationFailed);
        alice.Store.LoadSession(bob.Address).ShouldBeNull();
        alice.Store.GetIdentity(bob.Address).ShouldBeNull();
    }

    [Fact]
    public void Unacknowledged_session_goes_stale_after_thirty_days()
    {
        var (alice, bob) = Pair();
        alice.Send(bob, "still fresh").Type.ShouldBe(CiphertextMessageType.PreKey);
        alice.Time.Advance(TimeSpan.FromDays(30));
        alice.Store.LoadSession(bob.Address)!.HasUsableSenderChain(alice.Time.GetUtcNow()).ShouldBeTrue();
        var lastDay = alice.Send(bob, "thirty days exactly");
        lastDay.Type.ShouldBe(CiphertextMessageType.PreKey);

        alice.Time.Advance(TimeSpan.FromSeconds(1));
        alice.Store.LoadSession(bob.Address)!.HasUsableSenderChain(alice.Time.GetUtcNow()).ShouldBeFalse();
        var before = alice.Snapshot();
        alice.Cipher.Encrypt(bob.Address, "stale"u8).Failure.ShouldBe(ProtocolFailure.SessionNotFound);
        alice.Snapshot().ShouldBe(before);

        // A reply acknowledges the session: it is no longer pending and never goes stale.
        bob.ReceiveText(alice, lastDay);
        alice.ReceiveText(bob, bob.Send(alice, "got it"));
        alice.Time.Advance(TimeSpan.FromDays(400));
        alice.Send(bob, "a year later").Type.ShouldBe(CiphertextMessageType.Whisper);
    }

    [Fact]
    public void Encrypting_or_decrypting_without_a_session_fails_cleanly()
    {
        var (alice, bob) = Established();
        var carol = new Party("carol");
        carol.Cipher.Encrypt(bob.Address, "x"u8).Failure.ShouldBe(ProtocolFailure.SessionNotFound);

        // A genuine message from Alice reaches Carol, who has no session with her.
        var before = carol.Snapshot();
        carol.Receive(alice, alice.Send(bob, "for bob")).Failure.ShouldBe(ProtocolFailure.SessionNotFound);
        carol.Snapshot().ShouldBe(before);
    }

    [Fact]
    public void Missing_prekeys_are_reported_by_kind()
    {
        var (alice, bob) = Pair();
        var message = alice.Send(bob, "x");
        bob.Store.PreKeys.RemovePreKey(1);
        bob.Receive(alice, message).Failure.ShouldBe(ProtocolFailure.InvalidPreKeyId);

        var (alice2, bob2) = Pair();
        var message2 = alice2.Send(bob2, "x");
        bob2.Store.KyberPreKeys.MarkKyberPreKeyUsed(1, 1, alice2.Identity.PublicKey);
        bob2.Receive(alice2, message2).Failure.ShouldBe(ProtocolFailure.InvalidKyberPreKeyId);
    }

    [Fact]
    public void Session_survives_serialization_mid_conversation()
    {
        var (alice, bob) = Established();
        var pending = Enumerable.Range(0, 5).Select(i => alice.Send(bob, $"p{i}")).ToList();
        bob.ReceiveText(alice, pending[4]).ShouldBe("p4");

        var restored = Parley.Protocol.Ratchet.SessionRecord.Deserialize(bob.Store.LoadSession(alice.Address)!.Serialize());
        bob.Store.StoreSession(alice.Address, restored);
        restored.Serialize().ShouldBe(bob.Store.LoadSession(alice.Address)!.Serialize());

        bob.ReceiveText(alice, pending[1]).ShouldBe("p1");
        alice.ReceiveText(bob, bob.Send(alice, "still works")).ShouldBe("still works");
    }

    [Fact]
    public void Long_conversations_with_ratchet_turns_stay_in_step()
    {
        var (alice, bob) = Established();
        var random = new System.Random(7);
        for (var i = 0; i < 300; i++)
        {
            var (from, to) = random.Next(2) == 0 ? (alice, bob) : (bob, alice);
            var burst = random.Next(1, 4);
            for (var j = 0; j < burst; j++)
            {
                to.ReceiveText(from, from.Send(to, $"{i}.{j}")).ShouldBe($"{i}.{j}");
            }
        }
    }

    /// <summary>The SignalMessage of a Whisper message, or the one inside a PreKey message.</summary>
    private static SignalMessage Inner(CiphertextMessage message)
    {
        if (message.Type == CiphertextMessageType.PreKey)
        {
            PreKeySignalMessage.TryParse(message.Serialized, out var preKey, out _).ShouldBeTrue();
            return preKey!.Message;
        }

        SignalMessage.TryParse(message.Serialized, out var signal, out _).ShouldBeTrue();
        return signal!;
    }

    private static PreKeyBundle ChangeIdentity(PreKeyBundle bundle, Party other) => bundle with { IdentityKey = other.Identity.PublicKey };
}
