using System.Text;
using Parley.Crypto;
using Parley.Interop.Tests.Support;
using Parley.Protocol;
using Parley.Protocol.Fingerprints;
using Parley.Protocol.Wire;
using Parley.Testing;

namespace Parley.Interop.Tests;

public sealed class GroupAndFingerprintTests(HarnessFixture fixture)
{
    private NodeHarness Node => fixture.Harness;

    [Fact]
    public void Libsignal_reads_a_parley_sender_key_group_out_of_order_exactly_once()
    {
        var parley = new ParleyPeer(fixture.UniqueName("parley"));
        var member = fixture.UniqueName("member");
        Node.Call("party.create", new { name = member });
        var distributionId = Guid.NewGuid();

        var skdm = parley.Groups.CreateDistributionMessage(parley.Address, distributionId);
        Node.Call("group.processDistribution", new { name = member, sender = parley.Address.Name, message = NodeHarness.B64(skdm.Serialized) });

        var messages = Enumerable.Range(0, 300).Select(i => parley.Groups.Encrypt(parley.Address, distributionId, Encoding.UTF8.GetBytes($"g{i}")).Value).ToList();
        var (order, expected) = Scramble(messages.Count, seed: 3);
        var results = Node.Call("group.decryptMany", new { name = member, sender = parley.Address.Name, messages = order.Select(i => NodeHarness.B64(messages[i])).ToArray() })["results"]!.AsArray();
        for (var k = 0; k < order.Count; k++)
        {
            var r = results[k]!;
            if (expected[k])
            {
                Encoding.UTF8.GetString(NodeHarness.Bytes(r["plaintext"])).ShouldBe($"g{order[k]}");
            }
            else
            {
                r["error"]!["code"]!.ToString().ShouldBe("DuplicatedMessage");
            }
        }

        // a forged signature is refused
        var forged = messages[0].ToArray();
        forged[^5] ^= 1;
        var forgedResult = Node.Call("group.decryptMany", new { name = member, sender = parley.Address.Name, messages = new[] { NodeHarness.B64(forged) } })["results"]![0]!;
        forgedResult["plaintext"].ShouldBeNull();
    }

    [Fact]
    public void Parley_reads_a_libsignal_sender_key_group_out_of_order_exactly_once()
    {
        var parley = new ParleyPeer(fixture.UniqueName("parley"));
        var sender = fixture.UniqueName("sender");
        Node.Call("party.create", new { name = sender });
        var distributionId = Guid.NewGuid();
        var senderAddress = new ProtocolAddress(sender, 1);

        var skdm = NodeHarness.Bytes(Node.Call("group.createDistribution", new { name = sender, distributionId })["message"]);
        parley.Groups.ProcessDistributionMessage(senderAddress, skdm).IsSuccess.ShouldBeTrue();

        var messages = Node.Call("group.encryptMany", new { name = sender, distributionId, prefix = "g", count = 300 })["messages"]!.AsArray()
            .Select(m => NodeHarness.Bytes(m)).ToList();
        var (order, expected) = Scramble(messages.Count, seed: 4);
        for (var k = 0; k < order.Count; k++)
        {
            var result = parley.Groups.Decrypt(senderAddress, messages[order[k]]);
            if (expected[k])
            {
                Encoding.UTF8.GetString(result.Value).ShouldBe($"g{order[k]}");
            }
            else
            {
                result.Failure.ShouldBe(ProtocolFailure.DuplicateMessage);
            }
        }

        var forged = messages[1].ToArray();
        forged[^5] ^= 1;
        parley.Groups.Decrypt(senderAddress, forged).Failure.ShouldBe(ProtocolFailure.SignatureValidationFailed);
    }

    [Fact]
    public void Safety_numbers_are_identical_on_both_sides()
    {
        for (var i = 0; i < 10; i++)
        {
            using var a = Curve25519PrivateKey.Generate();
            using var b = Curve25519PrivateKey.Generate();
            var version = (uint)(1 + (i % 2));
            var aId = version == 1 ? Encoding.UTF8.GetBytes($"+1415555{i:D4}") : Guid.NewGuid().ToByteArray();
            var bId = version == 1 ? Encoding.UTF8.GetBytes($"+1415666{i:D4}") : Guid.NewGuid().ToByteArray();

            var ours = SafetyNumber.Create(version, SafetyNumber.DefaultIterations, aId, a.PublicKey, bId, b.PublicKey);
            var theirs = Node.Call("fingerprint", new
            {
                iterations = SafetyNumber.DefaultIterations,
                version,
                localId = NodeHarness.B64(aId),
                localKey = NodeHarness.B64(a.PublicKey.Serialize()),
                remoteId = NodeHarness.B64(bId),
                remoteKey = NodeHarness.B64(b.PublicKey.Serialize()),
            });
            ours.DisplayString.ShouldBe(theirs["display"]!.ToString());
            ours.Scannable().ShouldBe(NodeHarness.Bytes(theirs["scannable"]));

            // B's phone scans A's code: each compares the other's scannable form
            var bSide = SafetyNumber.Create(version, SafetyNumber.DefaultIterations, bId, b.PublicKey, aId, a.PublicKey);
            bSide.DisplayString.ShouldBe(ours.DisplayString);
            bSide.CompareScannable(NodeHarness.Bytes(theirs["scannable"])).ShouldBe(ScanResult.Match);
            Node.Call("fingerprint.compare", new { ours = theirs["scannable"]!.ToString(), theirs = NodeHarness.B64(bSide.Scannable()) })["match"]!.GetValue<bool>().ShouldBeTrue();
        }
    }

    [Fact]
    public void Simultaneous_initiation_between_parley_and_libsignal_converges()
    {
        var parley = new ParleyPeer(fixture.UniqueName("parley"));
        var libsignal = new LibsignalPeer(Node, fixture.UniqueName("libsignal"));
        parley.ProcessBundle(libsignal, libsignal.NewBundle()).ShouldBe(ProtocolFailure.None);
        libsignal.ProcessBundle(parley, parley.NewBundle()).ShouldBe(ProtocolFailure.None);

        var fromParley = parley.EncryptMany(libsignal, "p", 0, 2);
        var fromLibsignal = libsignal.EncryptMany(parley, "l", 0, 2);
        fromParley.ShouldAllBeOfType(CiphertextMessageType.PreKey);
        fromLibsignal.ShouldAllBeOfType(CiphertextMessageType.PreKey);
        libsignal.ShouldRead(parley, fromParley);
        parley.ShouldRead(libsignal, fromLibsignal);

        for (var round = 0; round < 6; round++)
        {
            libsignal.ShouldRead(parley, parley.EncryptMany(libsignal, $"p{round}-", 0, 2));
            parley.ShouldRead(libsignal, libsignal.EncryptMany(parley, $"l{round}-", 0, 2));
        }

        parley.EncryptMany(libsignal, "settled", 0, 1)[0].Type.ShouldBe(CiphertextMessageType.Whisper);
        libsignal.EncryptMany(parley, "settled", 0, 1)[0].Type.ShouldBe(CiphertextMessageType.Whisper);
    }

    [Fact]
    public void Libsignal_falls_back_to_an_archived_session_for_parley_messages_sent_before_a_new_one()
    {
        var parley = new ParleyPeer(fixture.UniqueName("parley"));
        var libsignal = new LibsignalPeer(Node, fixture.UniqueName("libsignal"));
        parley.ProcessBundle(libsignal, libsignal.NewBundle()).ShouldBe(ProtocolFailure.None);
        libsignal.ShouldRead(parley, parley.EncryptMany(libsignal, "a", 0, 1));
        parley.ShouldRead(libsignal, libsignal.EncryptMany(parley, "b", 0, 1));
        var late = parley.EncryptMany(libsignal, "late", 0, 2);

        parley.ProcessBundle(libsignal, libsignal.NewBundle()).ShouldBe(ProtocolFailure.None);
        libsignal.ShouldRead(parley, parley.EncryptMany(libsignal, "new", 0, 1));
        libsignal.DecryptMany(parley, late).Select(o => o.Plaintext).ShouldBe(["late0", "late1"]);
    }

    [Fact]
    public void Parley_falls_back_to_an_archived_session_for_libsignal_messages_sent_before_a_new_one()
    {
        var parley = new ParleyPeer(fixture.UniqueName("parley"));
        var libsignal = new LibsignalPeer(Node, fixture.UniqueName("libsignal"));
        libsignal.ProcessBundle(parley, parley.NewBundle()).ShouldBe(ProtocolFailure.None);
        parley.ShouldRead(libsignal, libsignal.EncryptMany(parley, "a", 0, 1));
        libsignal.ShouldRead(parley, parley.EncryptMany(libsignal, "b", 0, 1));
        var late = libsignal.EncryptMany(parley, "late", 0, 2);

        libsignal.ProcessBundle(parley, parley.NewBundle()).ShouldBe(ProtocolFailure.None);
        parley.ShouldRead(libsignal, libsignal.EncryptMany(parley, "new", 0, 1));
        parley.DecryptMany(libsignal, late).Select(o => o.Plaintext).ShouldBe(["late0", "late1"]);
    }

    [Fact]
    public void Service_id_addresses_are_bound_into_prekey_messages_both_ways()
    {
        var parley = new ParleyPeer(Guid.NewGuid().ToString());
        var libsignal = new LibsignalPeer(Node, Guid.NewGuid().ToString());
        parley.ProcessBundle(libsignal, libsignal.NewBundle()).ShouldBe(ProtocolFailure.None);
        var first = parley.EncryptMany(libsignal, "p", 0, 1)[0];
        PreKeySignalMessage.TryParse(first.Body, out var parsed, out _).ShouldBeTrue();
        parsed!.Message.Addresses.ShouldNotBeNull().Length.ShouldBe(36);
        libsignal.DecryptMany(parley, [first])[0].Plaintext.ShouldBe("p0");

        var other = new ParleyPeer(Guid.NewGuid().ToString());
        libsignal.ProcessBundle(other, other.NewBundle()).ShouldBe(ProtocolFailure.None);
        var fromLibsignal = libsignal.EncryptMany(other, "l", 0, 1)[0];
        PreKeySignalMessage.TryParse(fromLibsignal.Body, out var theirs, out _).ShouldBeTrue();
        theirs!.Message.Addresses.ShouldNotBeNull().Length.ShouldBe(36);
        other.DecryptMany(libsignal, [fromLibsignal])[0].Plaintext.ShouldBe("l0");

        // The same keys under another device id: the MAC verifies, but the address binding does not.
        var device2 = new ParleyPeer(other.Address.Name, deviceId: 2);
        libsignal.ProcessBundle(device2, device2.NewBundle()).ShouldBe(ProtocolFailure.None);
        var bound = libsignal.EncryptMany(device2, "x", 0, 1)[0];
        var impersonatingDevice3 = new ParleyPeer(device2, otherDeviceId: 3);
        impersonatingDevice3.DecryptMany(libsignal, [bound])[0].Failure.ShouldBe(nameof(ProtocolFailure.InvalidMessage));
        device2.DecryptMany(libsignal, [bound])[0].Plaintext.ShouldBe("x0");
    }

    [Fact]
    public void A_name_libsignal_does_not_read_as_a_service_id_gets_no_address_binding()
    {
        // 32 hex digits without hyphens: a UUID to .NET, not a ServiceId to libsignal. Had Parley bound
        // addresses here, libsignal would have nothing to compare them with and refuse the message.
        var parley = new ParleyPeer(Guid.NewGuid().ToString("N"));
        var libsignal = new LibsignalPeer(Node, Guid.NewGuid().ToString());
        parley.ProcessBundle(libsignal, libsignal.NewBundle()).ShouldBe(ProtocolFailure.None);
        libsignal.DecryptMany(parley, parley.EncryptMany(libsignal, "p", 0, 1))[0].Plaintext.ShouldBe("p0");
    }

    /// <summary>A delivery order over n messages with repeats: returns indices and whether each is a first delivery.</summary>
    private static (List<int> Order, List<bool> First) Scramble(int n, int seed)
    {
        var random = new Random(seed);
        var order = Enumerable.Range(0, n).ToList();
        order.AddRange(Enumerable.Range(0, n / 5).Select(_ => random.Next(n)));
        for (var i = order.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        var seen = new HashSet<int>();
        return (order, order.Select(seen.Add).ToList());
    }
}
