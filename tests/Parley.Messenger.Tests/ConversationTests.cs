using Parley.Client.Messenger;
using Parley.Client.Profiles;

namespace Parley.Messenger.Tests;

/// <summary>Two and three messengers through a real server: 1:1 both ways, groups, removal.</summary>
public sealed class ConversationTests(MessengerKit kit) : IClassFixture<MessengerKit>
{
    [Fact]
    public async Task Two_users_exchange_messages_both_ways_and_history_keeps_them_in_order()
    {
        var alice = await kit.RegisterAsync(MessengerKit.Name("alice"));
        var bob = await kit.RegisterAsync(MessengerKit.Name("bob"));

        var sent = await alice.SendTextAsync(bob.Username, "hello bob");
        sent.Queued.ShouldBeTrue(sent.Problem);
        sent.Message.State.ShouldBe(DeliveryState.Sent);

        var received = await bob.ReceivePendingAsync();
        received.OfType<MessageReceived>().Select(m => m.Message.Text).ShouldBe(["hello bob"]);

        (await bob.SendTextAsync(alice.Username, "hi alice")).Queued.ShouldBeTrue();
        (await alice.ReceivePendingAsync()).OfType<MessageReceived>().Select(m => m.Message.Text).ShouldBe(["hi alice"]);

        alice.History(bob.Username, 10).Select(m => (m.Direction, m.Text)).ShouldBe(
            [(MessageDirection.Outgoing, "hello bob"), (MessageDirection.Incoming, "hi alice")]);
    }

    [Theory]
    [InlineData("ops\u200Bteam")]
    [InlineData("\uFEFFops")]
    [InlineData("ops\u2028team")]
    [InlineData("ops \u202Enimda")]
    public async Task A_group_name_with_invisible_characters_is_refused_before_anything_is_sent(string name)
    {
        var alice = await kit.RegisterAsync(MessengerKit.Name("alice"));
        var e = await Should.ThrowAsync<MessengerException>(() => alice.CreateGroupAsync(name, []));
        e.Failure.ShouldBe(MessengerFailure.InvalidArgument);
        alice.Groups().ShouldBeEmpty();
    }

    [Fact]
    public async Task A_removed_member_cannot_read_what_is_sent_afterwards()
    {
        var alice = await kit.RegisterAsync(MessengerKit.Name("alice"));
        var bob = await kit.RegisterAsync(MessengerKit.Name("bob"));
        var carol = await kit.RegisterAsync(MessengerKit.Name("carol"));

        var group = await alice.CreateGroupAsync("Team", [bob.Username, carol.Username]);
        (await bob.ReceivePendingAsync()).OfType<GroupNamed>().ShouldHaveSingleItem().ShouldBe(new GroupNamed(ConversationId.Group(group.Id), "Team"));
        await carol.ReceivePendingAsync();
        bob.Groups().Single().Name.ShouldBe("Team");
        await bob.AcceptInvitationAsync("#" + group.Id);
        await carol.AcceptInvitationAsync("#" + group.Id);
        await alice.ReceivePendingAsync();

        (await alice.SendTextAsync("#Team", "welcome all")).Queued.ShouldBeTrue();
        (await bob.ReceivePendingAsync()).OfType<MessageReceived>().Where(m => m.Message.Kind == StoredMessage.KindText).Select(m => m.Message.Text).ShouldBe(["welcome all"]);
        (await carol.ReceivePendingAsync()).OfType<MessageReceived>().Where(m => m.Message.Kind == StoredMessage.KindText).Select(m => m.Message.Text).ShouldBe(["welcome all"]);

        await alice.RemoveMemberAsync("#Team", carol.Username);
        await bob.ReceivePendingAsync();
        (await alice.SendTextAsync("#Team", "carol is gone")).Queued.ShouldBeTrue();
        (await bob.ReceivePendingAsync()).OfType<MessageReceived>().Where(m => m.Message.Kind == StoredMessage.KindText).Select(m => m.Message.Text).ShouldBe(["carol is gone"]);
    }
}
