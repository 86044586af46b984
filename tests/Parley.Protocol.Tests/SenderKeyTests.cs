using System.Text;
using Parley.Protocol.Groups;
using Parley.Protocol.Tests.Support;
using Parley.Protocol.Wire;

namespace Parley.Protocol.Tests;

public sealed class SenderKeyTests
{
    private static readonly Guid Group = Guid.Parse("d1d1d1d1-0000-4000-8000-000000000001");

    private static (Party Sender, Party Member) Distributed()
    {
        var sender = new Party("sender");
        var member = new Party("member");
        var skdm = sender.Groups.CreateDistributionMessage(sender.Address, Group);
        member.Groups.ProcessDistributionMessage(sender.Address, skdm.Serialized).IsSuccess.ShouldBeTrue();
        return (sender, member);
    }

    private static byte[] Encrypt(Party sender, string text) => sender.Groups.Encrypt(sender.Address, Group, Encoding.UTF8.GetBytes(text)).Value;

    private static string Decrypt(Party member, Party sender, byte[] message)
    {
        var result = member.Groups.Decrypt(sender.Address, message);
        result.IsSuccess.ShouldBeTrue($"group decrypt failed with {result.Failure}");
        return Encoding.UTF8.GetString(result.Value);
    }

    [Fact]
    public void Group_messages_decrypt_out_of_order_exactly_once()
    {
        var (sender, member) = Distributed();
        var messages = Enumerable.Range(0, 50).Select(i => Encrypt(sender, $"g{i}")).ToList();
        foreach (var i in Enumerable.Range(0, 50).OrderBy(i => (i * 37) % 50))
        {
            Decrypt(member, sender, messages[i]).ShouldBe($"g{i}");
        }

        member.Groups.Decrypt(sender.Address, messages[17]).Failure.ShouldBe(ProtocolFailure.DuplicateMessage);
    }

    [Fact]
    public void Distribution_message_round_trips_through_its_wire_form()
    {
        var sender = new Party("sender");
        var skdm = sender.Groups.CreateDistributionMessage(sender.Address, Group);
        SenderKeyDistributionMessage.TryParse(skdm.Serialized, out var parsed, out _).ShouldBeTrue();
        parsed!.DistributionId.ShouldBe(Group);
        parsed.ChainId.ShouldBe(skdm.ChainId);
        parsed.ChainId.ShouldBeLessThan(0x8000_0000u);
        parsed.SigningKey.ShouldBe(skdm.SigningKey);
        skdm.Serialized[0].ShouldBe((byte)0x33);
        // creating again returns the same key, now at the current iteration
        Encrypt(sender, "x");
        sender.Groups.CreateDistributionMessage(sender.Address, Group).Iteration.ShouldBe(1u);
    }

    [Fact]
    public void Forged_signature_is_rejected_and_changes_nothing()
    {
        var (sender, member) = Distributed();
        var message = Encrypt(sender, "signed");
        var forged = message.ToArray();
        forged[^1] ^= 0x01;
        var before = member.Snapshot();
        member.Groups.Decrypt(sender.Address, forged).Failure.ShouldBe(ProtocolFailure.SignatureValidationFailed);
        member.Snapshot().ShouldBe(before);
        Decrypt(member, sender, message).ShouldBe("signed");
    }

    [Fact]
    public void Unknown_sender_or_chain_has_no_sender_key_state()
    {
        var (sender, member) = Distributed();
        var stranger = new Party("stranger");
        stranger.Groups.CreateDistributionMessage(stranger.Address, Group);
        member.Groups.Decrypt(stranger.Address, stranger.Groups.Encrypt(stranger.Address, Group, "x"u8).Value).Failure.ShouldBe(ProtocolFailure.NoSenderKeyState);
        member.Groups.Decrypt(sender.Address, stranger.Groups.Encrypt(stranger.Address, Group, "x"u8).Value).Failure.ShouldBe(ProtocolFailure.NoSenderKeyState);
        member.Groups.Encrypt(member.Address, Group, "x"u8).Failure.ShouldBe(ProtocolFailure.NoSenderKeyState);
    }

    [Fact]
    public void Processing_someone_elses_key_does_not_let_us_send_with_it()
    {
        var (sender, member) = Distributed();
        // member stored the sender's state under the sender's address; it has no private signing key
        var asIfSender = new GroupCipher(member.Store);
        asIfSender.Encrypt(sender.Address, Group, "x"u8).Failure.ShouldBe(ProtocolFailure.InvalidSenderKeySession);
    }

    [Fact]
    public void Jump_over_25000_is_rejected_and_at_25000_accepted()
    {
        var (sender, member) = Distributed();
        byte[]? atLimit = null, overLimit = null;
        for (var i = 0; i <= 25_001; i++)
        {
            var m = Encrypt(sender, $"m{i}");
            if (i == 25_000)
            {
                atLimit = m;
            }

            if (i == 25_001)
            {
                overLimit = m;
            }
        }

        var before = member.Snapshot();
        member.Groups.Decrypt(sender.Address, overLimit!).Failure.ShouldBe(ProtocolFailure.InvalidMessage);
        member.Snapshot().ShouldBe(before);
        Decrypt(member, sender, atLimit!).ShouldBe("m25000");
        Decrypt(member, sender, overLimit!).ShouldBe("m25001");
    }

    [Fact]
    public void Only_the_newest_2000_skipped_group_keys_are_kept()
    {
        var (sender, member) = Distributed();
        var messages = Enumerable.Range(0, 2002).Select(i => Encrypt(sender, $"m{i}")).ToList();
        Decrypt(member, sender, messages[^1]).ShouldBe("m2001");
        member.Groups.Decrypt(sender.Address, messages[0]).Failure.ShouldBe(ProtocolFailure.DuplicateMessage);
        Decrypt(member, sender, messages[1]).ShouldBe("m1");
    }

    [Fact]
    public void Five_sender_key_states_are_kept_per_sender()
    {
        var member = new Party("member");
        var senders = Enumerable.Range(0, 6).Select(i => new Party("sender", random: new DeterministicRandom($"rotation {i}"))).ToList();
        var messages = new List<byte[]>();
        foreach (var s in senders)
        {
            // the same address rotating its sender key six times
            member.Groups.ProcessDistributionMessage(s.Address, s.Groups.CreateDistributionMessage(s.Address, Group).Serialized).IsSuccess.ShouldBeTrue();
            messages.Add(s.Groups.Encrypt(s.Address, Group, "x"u8).Value);
        }

        member.Store.LoadSenderKey(senders[0].Address, Group)!.StateCount.ShouldBe(5);
        member.Groups.Decrypt(senders[0].Address, messages[0]).Failure.ShouldBe(ProtocolFailure.NoSenderKeyState);
        foreach (var m in messages.Skip(1))
        {
            member.Groups.Decrypt(senders[0].Address, m).IsSuccess.ShouldBeTrue();
        }
    }

    [Fact]
    public void Processing_the_same_distribution_again_does_not_rewind_the_chain()
    {
        var (sender, member) = Distributed();
        var skdm = sender.Groups.CreateDistributionMessage(sender.Address, Group);
        var first = Encrypt(sender, "one");
        Decrypt(member, sender, first).ShouldBe("one");
        member.Groups.ProcessDistributionMessage(sender.Address, skdm.Serialized).IsSuccess.ShouldBeTrue();
        member.Groups.Decrypt(sender.Address, first).Failure.ShouldBe(ProtocolFailure.DuplicateMessage);
    }

    [Fact]
    public void Sender_key_record_survives_serialization()
    {
        var (sender, member) = Distributed();
        var messages = Enumerable.Range(0, 5).Select(i => Encrypt(sender, $"m{i}")).ToList();
        Decrypt(member, sender, messages[4]).ShouldBe("m4");
        var record = member.Store.LoadSenderKey(sender.Address, Group)!;
        var restored = SenderKeyRecord.Deserialize(record.Serialize());
        restored.Serialize().ShouldBe(record.Serialize());
        member.Store.StoreSenderKey(sender.Address, Group, restored);
        Decrypt(member, sender, messages[2]).ShouldBe("m2");
        Should.Throw<FormatException>(() => SenderKeyRecord.Deserialize([0x08, 0x09]));
    }
}
