using Parley.Crypto;
using Parley.Interop.Tests.Support;
using Parley.Protocol;
using Parley.Protocol.Wire;

namespace Parley.Interop.Tests;

/// <summary>
/// Each bad input gets the same outcome from Parley and from libsignal, and leaves the receiver's
/// stores exactly as they were. Every case runs twice: Parley receiving from libsignal, and libsignal
/// receiving from Parley.
/// </summary>
public sealed class NegativeCaseTests(HarnessFixture fixture)
{
    public static TheoryData<string> Receivers => ["parley", "libsignal"];

    [Theory]
    [MemberData(nameof(Receivers))]
    public void Tampered_mac_is_rejected_by_both_and_changes_nothing(string receiverKind)
    {
        var (sender, receiver) = Established(receiverKind);
        var message = sender.EncryptMany(receiver, "m", 0, 1)[0];
        var tampered = message with { Body = Flip(message.Body, message.Body.Length - 1) };
        ExpectRejected(receiver, sender, tampered, ProtocolFailure.InvalidMessage);
        receiver.DecryptMany(sender, [message])[0].Plaintext.ShouldBe("m0");
    }

    [Theory]
    [MemberData(nameof(Receivers))]
    public void Tampered_prekey_message_is_rejected_by_both_and_creates_no_session(string receiverKind)
    {
        var (sender, receiver) = Pair(receiverKind);
        var message = sender.EncryptMany(receiver, "m", 0, 1)[0];
        message.Type.ShouldBe(CiphertextMessageType.PreKey);
        ExpectRejected(receiver, sender, message with { Body = Flip(message.Body, message.Body.Length - 1) }, ProtocolFailure.InvalidMessage);
        receiver.DecryptMany(sender, [message])[0].Plaintext.ShouldBe("m0");
    }

    [Theory]
    [MemberData(nameof(Receivers))]
    public void Replayed_old_counter_is_a_duplicate_for_both(string receiverKind)
    {
        var (sender, receiver) = Established(receiverKind);
        var messages = sender.EncryptMany(receiver, "m", 0, 3);
        receiver.ShouldRead(sender, messages);
        ExpectRejected(receiver, sender, messages[1], ProtocolFailure.DuplicateMessage);
        ExpectRejected(receiver, sender, messages[0], ProtocolFailure.DuplicateMessage);
    }

    [Theory]
    [MemberData(nameof(Receivers))]
    public void Unknown_identity_is_untrusted_by_both(string receiverKind)
    {
        var (sender, receiver) = Established(receiverKind);
        // A new identity claiming the sender's address starts a fresh session with the receiver.
        var impostor = receiverKind == "parley" ? Libsignal("impostor") : (IPeer)new ParleyPeer(fixture.UniqueName("impostor"));
        impostor.ProcessBundle(receiver, receiver.NewBundle()).ShouldBe(ProtocolFailure.None);
        var forged = impostor.EncryptMany(receiver, "forged", 0, 1)[0];
        ExpectRejected(receiver, sender, forged, ProtocolFailure.UntrustedIdentity);
    }

    [Theory]
    [MemberData(nameof(Receivers))]
    public void Jump_over_the_limit_is_rejected_by_both_and_the_limit_itself_accepted(string receiverKind)
    {
        var (sender, receiver) = Established(receiverKind);
        // After Established the receiver has read SPQR index 1 of this direction; 25,000 further is the
        // limit (both the Double Ratchet and SPQR cap jumps at 25,000). The sender skips 24,999
        // messages (lost on the way) without encrypting them, then really encrypts the next two.
        const int limit = 25_000;
        sender.SkipSending(receiver, limit - 1);
        var kept = sender.EncryptMany(receiver, "far", limit - 1, 2);
        ExpectRejected(receiver, sender, kept[1], ProtocolFailure.InvalidMessage);
        receiver.DecryptMany(sender, [kept[0]])[0].Plaintext.ShouldBe($"far{limit - 1}");
        receiver.DecryptMany(sender, [kept[1]])[0].Plaintext.ShouldBe($"far{limit}");
    }

    [Theory]
    [MemberData(nameof(Receivers))]
    public void Bad_signed_prekey_signature_is_refused_by_both(string initiatorKind)
    {
        // Here the named side processes the other's bundle.
        var initiator = initiatorKind == "parley" ? (IPeer)new ParleyPeer(fixture.UniqueName("parley")) : Libsignal("libsignal");
        var responder = initiatorKind == "parley" ? Libsignal("libsignal") : (IPeer)new ParleyPeer(fixture.UniqueName("parley"));
        var bundle = responder.NewBundle();
        var bad = bundle with { SignedPreKeySignature = Flip(bundle.SignedPreKeySignature, 10) };
        var before = initiator.Snapshot();
        initiator.ProcessBundle(responder, bad).ShouldBe(ProtocolFailure.SignatureValidationFailed);
        initiator.ProcessBundle(responder, bundle with { KyberPreKeySignature = Flip(bundle.KyberPreKeySignature, 10) })
            .ShouldBe(ProtocolFailure.SignatureValidationFailed);
        initiator.Snapshot().ShouldBe(before);
        initiator.ProcessBundle(responder, bundle).ShouldBe(ProtocolFailure.None);
    }

    [Theory]
    [MemberData(nameof(Receivers))]
    public void Torsioned_base_key_is_rejected_by_both(string receiverKind)
    {
        var (sender, receiver) = Pair(receiverKind);
        var message = sender.EncryptMany(receiver, "m", 0, 1)[0];
        var torsioned = WithBaseKey(message, raw => Torsion.Add(raw));
        ExpectRejected(receiver, sender, torsioned, ProtocolFailure.InvalidMessage);
        receiver.DecryptMany(sender, [message])[0].Plaintext.ShouldBe("m0");
    }

    [Theory]
    [MemberData(nameof(Receivers))]
    public void High_bit_base_key_is_rejected_by_both(string receiverKind)
    {
        var (sender, receiver) = Pair(receiverKind);
        var message = sender.EncryptMany(receiver, "m", 0, 1)[0];
        var highBit = WithBaseKey(message, raw =>
        {
            var copy = raw.ToArray();
            copy[31] |= 0x80;
            return copy;
        });
        ExpectRejected(receiver, sender, highBit, ProtocolFailure.InvalidMessage);
        receiver.DecryptMany(sender, [message])[0].Plaintext.ShouldBe("m0");
    }

    [Theory]
    [MemberData(nameof(Receivers))]
    public void Message_from_a_chain_five_turns_old_is_rejected_by_both(string receiverKind)
    {
        var (sender, receiver) = Established(receiverKind);
        var stale = sender.EncryptMany(receiver, "stale", 0, 1)[0];
        for (var i = 0; i < 6; i++)
        {
            receiver.ShouldRead(sender, sender.EncryptMany(receiver, $"s{i}-", 0, 1));
            sender.ShouldRead(receiver, receiver.EncryptMany(sender, $"r{i}-", 0, 1));
        }

        ExpectRejected(receiver, sender, stale, ProtocolFailure.InvalidMessage);
    }

    private void ExpectRejected(IPeer receiver, IPeer sender, Envelope envelope, ProtocolFailure expected)
    {
        var before = receiver.Snapshot();
        var outcome = receiver.DecryptMany(sender, [envelope])[0];
        outcome.Ok.ShouldBeFalse($"{receiver} accepted a message it should refuse");
        outcome.Failure.ShouldBe(expected.ToString(), $"{receiver}");
        receiver.Snapshot().ShouldBe(before, $"{receiver} changed its stores on a rejected message");
    }

    /// <summary>Sender and receiver with a session the sender started; nothing delivered yet.</summary>
    private (IPeer Sender, IPeer Receiver) Pair(string receiverKind)
    {
        var parley = new ParleyPeer(fixture.UniqueName("parley"));
        var libsignal = Libsignal("libsignal");
        var (sender, receiver) = receiverKind == "parley" ? ((IPeer)libsignal, (IPeer)parley) : (parley, libsignal);
        sender.ProcessBundle(receiver, receiver.NewBundle()).ShouldBe(ProtocolFailure.None);
        return (sender, receiver);
    }

    /// <summary>As <see cref="Pair"/>, then one message each way so both sides have a settled session.</summary>
    private (IPeer Sender, IPeer Receiver) Established(string receiverKind)
    {
        var (sender, receiver) = Pair(receiverKind);
        receiver.ShouldRead(sender, sender.EncryptMany(receiver, "hello", 0, 1));
        sender.ShouldRead(receiver, receiver.EncryptMany(sender, "hi", 0, 1));
        return (sender, receiver);
    }

    private LibsignalPeer Libsignal(string prefix) => new(fixture.Harness, fixture.UniqueName(prefix));

    private static byte[] Flip(byte[] bytes, int index)
    {
        var copy = bytes.ToArray();
        copy[index] ^= 0x01;
        return copy;
    }

    /// <summary>Re-encodes a PreKeySignalMessage with another base key; everything else, MAC included, unchanged.</summary>
    private static Envelope WithBaseKey(Envelope envelope, Func<byte[], byte[]> change)
    {
        PreKeySignalMessage.TryParse(envelope.Body, out var m, out _).ShouldBeTrue();
        var newBase = Curve25519PublicKey.FromRawBytes(change(m!.BaseKey.RawBytes.ToArray()));
        var rebuilt = PreKeySignalMessage.Create(m.MessageVersion, m.RegistrationId, m.PreKeyId, m.SignedPreKeyId, m.KyberPreKeyId!.Value, m.KyberCiphertext!, newBase, m.IdentityKey, m.Message);
        return envelope with { Body = rebuilt.Serialized };
    }
}
