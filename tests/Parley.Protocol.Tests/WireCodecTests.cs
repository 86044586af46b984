using Parley.Crypto;
using Parley.Protocol.Keys;
using Parley.Protocol.Ratchet;
using Parley.Protocol.Tests.Support;
using Parley.Protocol.Wire;

namespace Parley.Protocol.Tests;

public sealed class WireCodecTests
{
    private static (Party Alice, Party Bob, CiphertextMessage PreKey, CiphertextMessage Whisper) Messages()
    {
        var alice = new Party("alice");
        var bob = new Party("bob");
        alice.Cipher.ProcessPreKeyBundle(bob.Address, bob.NewBundle()).IsSuccess.ShouldBeTrue();
        var preKey = alice.Send(bob, "first");
        bob.ReceiveText(alice, preKey);
        alice.ReceiveText(bob, bob.Send(alice, "reply"));
        return (alice, bob, preKey, alice.Send(bob, "whisper"));
    }

    [Fact]
    public void Prekey_message_carries_every_field_libsignal_requires()
    {
        var (alice, bob, preKey, _) = Messages();
        PreKeySignalMessage.TryParse(preKey.Serialized, out var m, out _).ShouldBeTrue();
        m!.MessageVersion.ShouldBe((byte)4);
        m.Serialized[0].ShouldBe((byte)0x44);
        m.PreKeyId.ShouldBe(1u);
        m.SignedPreKeyId.ShouldBe(1u);
        m.KyberPreKeyId.ShouldBe(1u);
        m.KyberCiphertext!.Length.ShouldBe(1569);
        m.KyberCiphertext[0].ShouldBe((byte)0x08);
        m.IdentityKey.ShouldBe(alice.Identity.PublicKey);
        m.RegistrationId.ShouldBe(alice.Store.GetLocalRegistrationId());
        m.Message.Counter.ShouldBe(0u);
        // SPQR: epoch 1, index 1, type Hdr, chunk 0 and its 32 bytes (the initiator starts the braid at once)
        m.Message.PqRatchet.Length.ShouldBe(37);
        m.Message.PqRatchet.AsSpan(0, 5).ToArray().ShouldBe([0x01, 0x01, 0x01, 0x01, 0x00]);
        m.Message.Addresses.ShouldBeNull(); // plain names are not ServiceIds
        bob.Address.ShouldNotBeNull();
    }

    [Fact]
    public void Signal_message_fields_round_trip()
    {
        var (_, _, _, whisper) = Messages();
        SignalMessage.TryParse(whisper.Serialized, out var m, out _).ShouldBeTrue();
        m!.Serialized.ShouldBe(whisper.Serialized);
        m.Counter.ShouldBe(0u);
        m.Ciphertext.Length.ShouldBe(16);
        m.PqRatchet[0].ShouldBe((byte)0x01);
    }

    [Theory]
    [InlineData("9d0652a8-1a2b-4c3d-8e4f-5a6b7c8d9e0f", "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0", true)]
    [InlineData("9D0652A8-1A2B-4C3D-8E4F-5A6B7C8D9E0F", "PNI:0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0", true)]
    [InlineData("9d0652a81a2b4c3d8e4f5a6b7c8d9e0f", "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0", false)] // 32 digits, no hyphens
    [InlineData("{9d0652a8-1a2b-4c3d-8e4f-5a6b7c8d9e0f}", "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0", false)]
    [InlineData("9d0652a8-1a2b-4c3d-8e4f-5a6b7c8d9e0f", "PNI:0f1e2d3c4b5a49688776a5b4c3d2e1f0", false)]
    [InlineData("ACI:9d0652a8-1a2b-4c3d-8e4f-5a6b7c8d9e0f", "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0", false)]
    public void Only_hyphenated_uuid_names_are_service_ids_as_in_libsignal(string aliceName, string bobName, bool bound)
    {
        // libsignal ServiceId::parse_from_service_id_string: a 36-character hyphenated UUID, optionally
        // after "PNI:". A name libsignal does not parse must not get an address binding from Parley,
        // or libsignal (which then has no addresses to compare) refuses the message.
        var alice = new Party(aliceName);
        var bob = new Party(bobName);
        alice.Cipher.ProcessPreKeyBundle(bob.Address, bob.NewBundle()).IsSuccess.ShouldBeTrue();
        var first = alice.Send(bob, "hi");
        PreKeySignalMessage.TryParse(first.Serialized, out var m, out _).ShouldBeTrue();
        if (bound)
        {
            var addresses = m!.Message.Addresses.ShouldNotBeNull();
            addresses.Length.ShouldBe(36);
            addresses[0].ShouldBe((byte)0x00); // ACI
            addresses[17].ShouldBe((byte)1);
            addresses[18].ShouldBe(bobName.StartsWith("PNI:", StringComparison.Ordinal) ? (byte)0x01 : (byte)0x00);
        }
        else
        {
            m!.Message.Addresses.ShouldBeNull();
        }

        bob.ReceiveText(alice, first).ShouldBe("hi");
    }

    [Theory]
    [InlineData(0x24, ProtocolFailure.LegacyMessageVersion)]
    [InlineData(0x54, ProtocolFailure.UnrecognizedMessageVersion)]
    public void Message_versions_outside_3_to_4_are_refused(byte first, ProtocolFailure expected)
    {
        var (_, bob, preKey, whisper) = Messages();
        var w = whisper.Serialized.ToArray();
        w[0] = first;
        SignalMessage.TryParse(w, out _, out var failure).ShouldBeFalse();
        failure.ShouldBe(expected);
        var p = preKey.Serialized.ToArray();
        p[0] = first;
        PreKeySignalMessage.TryParse(p, out _, out failure).ShouldBeFalse();
        failure.ShouldBe(expected);
        bob.Cipher.Decrypt(new ProtocolAddress("alice", 1), CiphertextMessageType.PreKey, p).Failure.ShouldBe(expected);
    }

    [Fact]
    public void Truncated_and_garbage_messages_are_refused_without_exceptions()
    {
        var (_, bob, preKey, whisper) = Messages();
        var alice = new ProtocolAddress("alice", 1);
        var before = bob.Snapshot();
        for (var length = 0; length < whisper.Serialized.Length; length += 3)
        {
            bob.Cipher.Decrypt(alice, CiphertextMessageType.Whisper, whisper.Serialized.AsSpan(0, length)).IsSuccess.ShouldBeFalse();
        }

        for (var length = 0; length < preKey.Serialized.Length; length += 97)
        {
            bob.Cipher.Decrypt(alice, CiphertextMessageType.PreKey, preKey.Serialized.AsSpan(0, length)).IsSuccess.ShouldBeFalse();
        }

        var random = new Random(5);
        for (var i = 0; i < 200; i++)
        {
            var garbage = new byte[random.Next(0, 300)];
            random.NextBytes(garbage);
            if (garbage.Length > 0)
            {
                garbage[0] = 0x44;
            }

            bob.Cipher.Decrypt(alice, CiphertextMessageType.Whisper, garbage).IsSuccess.ShouldBeFalse();
            bob.Cipher.Decrypt(alice, CiphertextMessageType.PreKey, garbage).IsSuccess.ShouldBeFalse();
            bob.Groups.Decrypt(alice, garbage).IsSuccess.ShouldBeFalse();
            bob.Groups.ProcessDistributionMessage(alice, garbage).IsSuccess.ShouldBeFalse();
        }

        bob.Snapshot().ShouldBe(before);
    }

    [Fact]
    public void Prekey_message_without_kyber_fields_or_in_version_3_is_refused()
    {
        var (alice, bob, preKey, _) = Messages();
        PreKeySignalMessage.TryParse(preKey.Serialized, out var m, out _).ShouldBeTrue();

        // strip fields 7 and 8 (Kyber id and ciphertext) by re-encoding without them
        var writer = new ProtoWriter();
        writer.WriteRawByte(0x44);
        writer.WriteUInt(1, m!.PreKeyId!.Value);
        writer.WriteBytes(2, m.BaseKey.Serialize());
        writer.WriteBytes(3, m.IdentityKey.Serialize());
        writer.WriteBytes(4, m.Message.Serialized);
        writer.WriteUInt(5, m.RegistrationId);
        writer.WriteUInt(6, m.SignedPreKeyId);
        PreKeySignalMessage.TryParse(writer.AsSpan(), out _, out var failure).ShouldBeFalse();
        failure.ShouldBe(ProtocolFailure.InvalidMessage);

        var v3 = PreKeySignalMessage.Create(3, m.RegistrationId, m.PreKeyId, m.SignedPreKeyId, m.KyberPreKeyId!.Value, m.KyberCiphertext!, m.BaseKey, m.IdentityKey, m.Message);
        var fresh = new Party("bob2");
        fresh.Cipher.Decrypt(alice.Address, CiphertextMessageType.PreKey, v3.Serialized).Failure.ShouldBe(ProtocolFailure.InvalidMessage);
        bob.Address.ShouldNotBeNull();
    }

    [Fact]
    public void Decrypting_a_group_type_as_a_session_message_is_misuse()
    {
        var bob = new Party("bob");
        Should.Throw<ArgumentException>(() => bob.Cipher.Decrypt(new ProtocolAddress("alice", 1), CiphertextMessageType.SenderKey, new byte[10]));
        Should.Throw<ArgumentNullException>(() => bob.Cipher.Encrypt(null!, "x"u8));
        Should.Throw<ArgumentException>(() => new ProtocolAddress("", 1));
    }

    [Fact]
    public void Prekey_records_round_trip_and_refuse_unknown_versions()
    {
        var identity = IdentityKeyPair.Generate(new DeterministicRandom("records"));
        var pre = PreKeyRecord.Generate(7);
        var signed = SignedPreKeyRecord.Generate(8, identity, 1234);
        var kyber = KyberPreKeyRecord.Generate(9, identity, 5678);

        var pre2 = PreKeyRecord.Deserialize(pre.Serialize());
        pre2.Id.ShouldBe(7u);
        pre2.PublicKey.ShouldBe(pre.PublicKey);
        var signed2 = SignedPreKeyRecord.Deserialize(signed.Serialize());
        signed2.PublicKey.ShouldBe(signed.PublicKey);
        signed2.Timestamp.ShouldBe(1234ul);
        XEdDsa.Verify(identity.PublicKey, signed2.PublicKey.Serialize(), signed2.Signature).ShouldBeTrue();
        var kyber2 = KyberPreKeyRecord.Deserialize(kyber.Serialize());
        kyber2.PublicKey.ShouldBe(kyber.PublicKey);
        XEdDsa.Verify(identity.PublicKey, kyber2.PublicKey.Serialize(), kyber2.Signature).ShouldBeTrue();

        var wrongVersion = pre.Serialize();
        wrongVersion[1] = 2; // field 1 (format version) is the first varint
        Should.Throw<FormatException>(() => PreKeyRecord.Deserialize(wrongVersion));
        Should.Throw<FormatException>(() => SessionRecord.Deserialize([0x08, 0x63]));
        Should.Throw<FormatException>(() => SessionRecord.Deserialize([0x12, 0x05, 0x01]));
    }

    [Fact]
    public void Session_records_carry_their_format_version()
    {
        var (alice, bob, _, _) = Messages();
        var bytes = alice.Store.LoadSession(bob.Address)!.Serialize();
        bytes[0].ShouldBe((byte)0x08);
        bytes[1].ShouldBe((byte)SessionRecord.FormatVersion);
        var restored = SessionRecord.Deserialize(bytes);
        restored.HasCurrentSession.ShouldBeTrue();
        restored.RemoteIdentityKey.ShouldBe(bob.Identity.PublicKey);
    }
}
