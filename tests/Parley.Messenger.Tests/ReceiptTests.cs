using System.Text;
using Microsoft.Data.Sqlite;
using Parley.Client.Messenger;
using Parley.Client.Profiles;

namespace Parley.Messenger.Tests;

/// <summary>Typing notifications and read receipts: end-to-end messages like any other, each off by a setting.</summary>
public sealed class ReceiptTests(MessengerKit kit) : IClassFixture<MessengerKit>
{
    /// <summary>Alice sends bob one message; bob has received it. Returns the message's id (the part after the author).</summary>
    private async Task<(Client.Messenger.Messenger Alice, Client.Messenger.Messenger Bob, string Uid)> ConversationAsync()
    {
        var alice = await kit.RegisterAsync(MessengerKit.Name("alice"));
        var bob = await kit.RegisterAsync(MessengerKit.Name("bob"));
        var sent = await alice.SendTextAsync(bob.Username, "did you read this?");
        (await bob.ReceivePendingAsync()).OfType<MessageReceived>().ShouldHaveSingleItem();
        return (alice, bob, sent.Message.Uid);
    }

    /// <summary>The envelopes waiting for <paramref name="user"/>, as the server stores them.</summary>
    private List<(int Type, byte[] Content)> QueuedFor(string user)
    {
        using var db = new SqliteConnection($"Data Source={Path.Combine(kit.Server.DataDirectory, "parley.db")};Mode=ReadOnly;Pooling=False");
        db.Open();
        using var command = db.CreateCommand();
        command.CommandText = "SELECT type, content FROM msg_envelopes WHERE recipient = $r ORDER BY id";
        command.Parameters.AddWithValue("$r", user);
        using var reader = command.ExecuteReader();
        var result = new List<(int, byte[])>();
        while (reader.Read())
        {
            result.Add((reader.GetInt32(0), (byte[])reader.GetValue(1)));
        }

        return result;
    }

    [Fact]
    public async Task Typing_and_read_receipts_reach_the_server_only_as_ciphertext_and_the_sender_learns_both()
    {
        var (alice, bob, uid) = await ConversationAsync();
        (await bob.MarkReadAsync(ConversationId.Direct(alice.Username))).ShouldBe(1);
        (await bob.SendTypingAsync(ConversationId.Direct(alice.Username), true)).ShouldBeTrue();

        // What the server holds for alice: two ordinary 1:1 envelopes, nothing readable in them.
        var queued = QueuedFor(alice.Username);
        queued.Count.ShouldBe(2);
        queued.ShouldAllBe(e => e.Type == 2); // Whisper messages in the existing session, like a text
        var id = uid[(alice.Username.Length + 1)..];
        foreach (var clear in new[] { id, "typing", "started", "\"read\"", "\"ids\"" })
        {
            queued.ShouldAllBe(e => !Encoding.UTF8.GetString(e.Content).Contains(clear), $"'{clear}' in clear");
        }

        var serverFiles = Directory.GetFiles(kit.Server.DataDirectory, "*", SearchOption.AllDirectories).Select(File.ReadAllBytes).ToList();
        serverFiles.ShouldAllBe(bytes => !Encoding.UTF8.GetString(bytes).Contains(id), "the message id appears nowhere on the server's disk");

        var events = await alice.ReceivePendingAsync();
        var read = events.OfType<MessageRead>().ShouldHaveSingleItem();
        read.Uid.ShouldBe(uid);
        read.ReadBy.ShouldBe([bob.Username]);
        events.OfType<TypingChanged>().ShouldHaveSingleItem().ShouldBe(new TypingChanged(ConversationId.Direct(bob.Username), bob.Username, true));
        var stored = alice.History(bob.Username, 10).ShouldHaveSingleItem(); // neither went into history
        stored.ReadBy.ShouldBe([bob.Username]);
        stored.State.ShouldBe(DeliveryState.Delivered); // read implies delivered
        bob.History(alice.Username, 10).ShouldHaveSingleItem();
    }

    [Fact]
    public async Task With_both_settings_off_nothing_is_sent_at_all()
    {
        var (alice, bob, _) = await ConversationAsync();
        bob.ChangeSetting("typing", false).Typing.ShouldBeFalse();
        bob.ChangeSetting("read-receipts", false).ShouldBe(new MessengerSettings(false, false));

        (await bob.SendTypingAsync(ConversationId.Direct(alice.Username), true)).ShouldBeFalse();
        (await bob.MarkReadAsync(ConversationId.Direct(alice.Username))).ShouldBe(1); // read here, but alice is not told
        QueuedFor(alice.Username).ShouldBeEmpty();
        bob.Conversations().Single().Unread.ShouldBe(0);

        // the settings are kept in the profile
        await bob.DisposeAsync();
        var reopened = kit.Open(bob.Username);
        reopened.Settings().ShouldBe(new MessengerSettings(false, false));
        Should.Throw<MessengerException>(() => reopened.ChangeSetting("colour", true)).Failure.ShouldBe(MessengerFailure.InvalidArgument);
        reopened.Settings().ShouldBe(new MessengerSettings(false, false));
    }

    [Fact]
    public async Task Each_setting_turns_off_only_its_own_kind()
    {
        var (alice, bob, uid) = await ConversationAsync();
        var withAlice = ConversationId.Direct(alice.Username);

        // typing off: the read receipt still goes, no typing notice does
        bob.ChangeSetting("typing", false).ShouldBe(new MessengerSettings(false, true));
        (await bob.SendTypingAsync(withAlice, true)).ShouldBeFalse();
        (await bob.MarkReadAsync(withAlice)).ShouldBe(1);
        QueuedFor(alice.Username).Count.ShouldBe(1);
        var events = await alice.ReceivePendingAsync();
        events.OfType<MessageRead>().ShouldHaveSingleItem().Uid.ShouldBe(uid);
        events.OfType<TypingChanged>().ShouldBeEmpty();

        // read receipts off, typing on again: the other way round
        bob.ChangeSetting("typing", true);
        bob.ChangeSetting("read-receipts", false).ShouldBe(new MessengerSettings(true, false));
        await alice.SendTextAsync(bob.Username, "and this one?");
        await bob.ReceivePendingAsync();
        (await bob.MarkReadAsync(withAlice)).ShouldBe(1);
        QueuedFor(alice.Username).ShouldBeEmpty();
        (await bob.SendTypingAsync(withAlice, true)).ShouldBeTrue();
        events = await alice.ReceivePendingAsync();
        events.OfType<TypingChanged>().ShouldHaveSingleItem().Typing.ShouldBeTrue();
        events.OfType<MessageRead>().ShouldBeEmpty();
        alice.History(bob.Username, 10).Last().ReadBy.ShouldBeEmpty();
    }

    [Fact]
    public async Task Group_typing_goes_only_under_a_sender_key_the_members_already_hold()
    {
        var alice = await kit.RegisterAsync(MessengerKit.Name("alice"));
        var bob = await kit.RegisterAsync(MessengerKit.Name("bob"));
        var group = await alice.CreateGroupAsync("Team", [bob.Username]);
        await bob.ReceivePendingAsync();
        await bob.AcceptInvitationAsync("#" + group.Id);
        await alice.ReceivePendingAsync();
        var conversation = ConversationId.Group(group.Id);

        // no sender key handed out yet: typing does not hand one out
        (await alice.SendTypingAsync(conversation, true)).ShouldBeFalse();
        QueuedFor(bob.Username).ShouldBeEmpty();

        (await alice.SendTextAsync(conversation, "hello team")).Queued.ShouldBeTrue();
        await bob.ReceivePendingAsync();
        (await alice.SendTypingAsync(conversation, true)).ShouldBeTrue();
        QueuedFor(bob.Username).ShouldHaveSingleItem().Type.ShouldBe(7); // one sender-key message
        (await bob.ReceivePendingAsync()).ShouldHaveSingleItem().ShouldBe(new TypingChanged(conversation, alice.Username, true));
        bob.History(conversation, 10).Count(m => m.Kind == StoredMessage.KindText).ShouldBe(1);
    }

    [Fact]
    public async Task A_receipt_from_someone_who_was_not_sent_the_message_changes_nothing()
    {
        var (alice, bob, uid) = await ConversationAsync();
        using var mallory = await HostilePeer.RegisterAsync(kit.Server.BaseAddress, MessengerKit.Name("mallory"));
        await mallory.StartSessionAsync(alice.Username);
        var id = uid[(alice.Username.Length + 1)..];
        var forged = MessageContent.Of(MessageContent.KindRead, DateTimeOffset.UtcNow) with { Ids = [id] };
        var events = alice.ProcessEnvelopes([mallory.Envelope(900_001, mallory.Encrypt(alice.Username, forged))]);
        events.OfType<MessageRead>().ShouldBeEmpty();
        alice.History(bob.Username, 10).Single().ReadBy.ShouldBeEmpty();

        // too many ids, or one that is not an id: not Parley content at all
        var tooMany = MessageContent.Of(MessageContent.KindRead, DateTimeOffset.UtcNow) with
        {
            Ids = [.. Enumerable.Range(0, MessageContent.MaxReadIds + 1).Select(_ => MessageContent.NewId())],
        };
        MessageContent.TryDecode(tooMany.Encode()).ShouldBeNull();
        MessageContent.TryDecode((forged with { Ids = ["not an id"] }).Encode()).ShouldBeNull();
    }

    [Fact]
    public async Task A_typing_notice_that_waited_somewhere_is_not_shown_and_a_fresh_one_is()
    {
        var alice = await kit.RegisterAsync(MessengerKit.Name("alice"));
        using var mallory = await HostilePeer.RegisterAsync(kit.Server.BaseAddress, MessengerKit.Name("mallory"));
        await mallory.StartSessionAsync(alice.Username);
        var stale = MessageContent.Of(MessageContent.KindTyping, DateTimeOffset.UtcNow - TimeSpan.FromMinutes(1)) with { Typing = MessageContent.TypingStarted };
        var fresh = MessageContent.Of(MessageContent.KindTyping, DateTimeOffset.UtcNow) with { Typing = MessageContent.TypingStarted };
        var events = alice.ProcessEnvelopes([
            mallory.Envelope(900_101, mallory.Encrypt(alice.Username, stale)),
            mallory.Envelope(900_102, mallory.Encrypt(alice.Username, fresh)),
        ]);
        events.ShouldHaveSingleItem().ShouldBe(new TypingChanged(ConversationId.Direct(mallory.Name), mallory.Name, true));
        alice.Conversations().ShouldBeEmpty(); // a typing notice makes no conversation and no history
    }
}
