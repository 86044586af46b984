using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using Parley.Client.Messenger;
using Parley.Client.Profiles;

namespace Parley.Messenger.Tests;

/// <summary>Disappearing messages in the messenger core (the chat screen's <c>/timer</c>), with the clients on a fake clock and a real server.</summary>
public sealed class DisappearingMessageTests(MessengerKit kit) : IClassFixture<MessengerKit>, IDisposable
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly string _folder = Directory.CreateTempSubdirectory("parley-timers-").FullName;
    private readonly List<Client.Messenger.Messenger> _open = [];

    public void Dispose()
    {
        foreach (var m in _open)
        {
            m.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        Directory.Delete(_folder, recursive: true);
    }

    private async Task<Client.Messenger.Messenger> RegisterAsync(string stem)
    {
        var name = MessengerKit.Name(stem);
        var m = await Client.Messenger.Messenger.RegisterAsync(name, MessengerKit.Passphrase, kit.Server.BaseAddress, name,
            options: new MessengerOptions { ProfilesRoot = kit.Root, KdfMemoryKiB = 256, KdfIterations = 1, LockWait = TimeSpan.Zero, Time = _time });
        _open.Add(m);
        return m;
    }

    private static IEnumerable<string> Texts(IReadOnlyList<StoredMessage> history) => history.Select(m => m.Text);

    [Fact]
    public async Task Both_ends_agree_on_the_timer_and_each_deletes_the_message_when_its_time_is_up()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        await alice.SendTextAsync(bob.Username, "before the timer");
        await bob.ReceivePendingAsync();

        (await alice.SetTimerAsync(bob.Username, TimeSpan.FromHours(1))).Queued.ShouldBeTrue();
        alice.GetTimer(bob.Username).ShouldBe(TimeSpan.FromHours(1));
        var notice = (await bob.ReceivePendingAsync()).OfType<MessageReceived>().Single().Message;
        notice.Kind.ShouldBe(StoredMessage.KindNotice);
        notice.Text.ShouldBe($"{alice.Username} set disappearing messages to 1 hour: messages sent from now on are deleted that long after they arrive.");
        bob.GetTimer(alice.Username).ShouldBe(TimeSpan.FromHours(1));

        var sent = await bob.SendTextAsync(alice.Username, "gone in an hour");
        sent.Message.ExpiresAt.ShouldBe(_time.GetUtcNow().AddHours(1));
        _time.Advance(TimeSpan.FromMinutes(10));
        var received = (await alice.ReceivePendingAsync()).OfType<MessageReceived>().Single().Message;
        received.ExpiresAt.ShouldBe(_time.GetUtcNow().AddHours(1), "the hour starts when it is stored on each side");
        alice.Conversations().Single(c => c.Id == "@" + bob.Username).LastPreview.ShouldBe("(disappearing message)");

        _time.Advance(TimeSpan.FromMinutes(55));
        Texts(bob.History(alice.Username, 10)).ShouldNotContain("gone in an hour", "bob stored it 65 minutes ago");
        Texts(alice.History(bob.Username, 10)).ShouldContain("gone in an hour", "alice stored it 55 minutes ago");
        _time.Advance(TimeSpan.FromMinutes(6));
        var expired = alice.ExpireMessages().ShouldHaveSingleItem().ShouldBeOfType<MessagesExpired>();
        expired.Conversation.ShouldBe("@" + bob.Username);
        expired.Uids.ShouldBe([received.Uid]);
        alice.Profile.GetMessage(received.Uid).ShouldBeNull();
        Texts(alice.History(bob.Username, 10)).ShouldBe(["before the timer", $"You set disappearing messages to 1 hour: messages sent from now on are deleted that long after they arrive."]);

        await bob.SetTimerAsync(alice.Username, null);
        (await alice.ReceivePendingAsync()).OfType<MessageReceived>().Single().Message.Text.ShouldBe($"{bob.Username} turned disappearing messages off.");
        alice.GetTimer(bob.Username).ShouldBeNull();
        (await alice.SendTextAsync(bob.Username, "stays")).Message.ExpiresAt.ShouldBeNull();
    }

    [Fact]
    public async Task A_group_timer_holds_for_every_member()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var group = await alice.CreateGroupAsync("Timed", [bob.Username]);
        await bob.ReceivePendingAsync();
        await bob.AcceptInvitationAsync("#" + group.Id);
        await alice.ReceivePendingAsync();

        await alice.SetTimerAsync("#" + group.Id, TimeSpan.FromMinutes(5));
        await bob.ReceivePendingAsync();
        bob.GetTimer("#" + group.Id).ShouldBe(TimeSpan.FromMinutes(5));
        await bob.SendTextAsync("#" + group.Id, "group secret");
        (await alice.ReceivePendingAsync()).OfType<MessageReceived>().Single().Message.ExpiresAt.ShouldNotBeNull();
        _time.Advance(TimeSpan.FromMinutes(6));
        Texts(alice.History("#" + group.Id, 20)).ShouldNotContain("group secret");
        Texts(bob.History("#" + group.Id, 20)).ShouldNotContain("group secret");
    }

    [Fact]
    public async Task A_disappearing_file_takes_its_key_and_the_file_parley_saved_but_not_a_file_changed_since()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        await alice.SetTimerAsync(bob.Username, TimeSpan.FromMinutes(1));
        await bob.ReceivePendingAsync();
        foreach (var name in new[] { "saved.txt", "edited.txt", "never-saved.txt" })
        {
            var path = Path.Combine(_folder, name);
            await File.WriteAllTextAsync(path, "contents of " + name);
            await alice.SendFileAsync(bob.Username, path);
        }

        await bob.ReceivePendingAsync();
        var into = Path.Combine(_folder, "bob");
        foreach (var p in bob.PendingAttachments().Where(p => p.Name != "never-saved.txt").ToList())
        {
            await bob.SaveAttachmentAsync(p.Uid, into);
        }

        await File.AppendAllTextAsync(Path.Combine(into, "edited.txt"), " and bob's edit");
        File.SetLastWriteTimeUtc(Path.Combine(into, "edited.txt"), DateTime.UtcNow.AddMinutes(1));
        bob.PendingAttachments().ShouldHaveSingleItem().Name.ShouldBe("never-saved.txt");

        _time.Advance(TimeSpan.FromMinutes(2));
        bob.ExpireMessages().OfType<MessagesExpired>().Single().Uids.Count.ShouldBe(3);
        bob.PendingAttachments().ShouldBeEmpty("the pending key went with its message");
        File.Exists(Path.Combine(into, "saved.txt")).ShouldBeFalse();
        File.Exists(Path.Combine(into, "edited.txt")).ShouldBeTrue("bob changed it: it is his now");
    }

    [Fact]
    public async Task Following_deletes_disappearing_messages_as_their_time_comes()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        await alice.SetTimerAsync(bob.Username, TimeSpan.FromSeconds(30));
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var events = Channel.CreateUnbounded<MessengerEvent>();
        var follow = Task.Run(async () =>
        {
            try
            {
                await foreach (var e in bob.FollowAsync(cancellationToken: stop.Token))
                {
                    await events.Writer.WriteAsync(e);
                }
            }
            catch (OperationCanceledException)
            {
            }
        });

        await alice.SendTextAsync(bob.Username, "soon gone");
        StoredMessage? received = null;
        while (received is null)
        {
            if (await events.Reader.ReadAsync(stop.Token) is MessageReceived { Message.Text: "soon gone" } m)
            {
                received = m.Message;
            }
        }

        MessagesExpired? expired = null;
        while (expired is null)
        {
            _time.Advance(TimeSpan.FromSeconds(5)); // the loop waits on the fake clock
            await Task.Delay(100, stop.Token);
            while (events.Reader.TryRead(out var e))
            {
                expired ??= e as MessagesExpired;
            }
        }

        expired.Uids.ShouldBe([received.Uid]);
        await stop.CancelAsync();
        await follow;
    }

    [Fact]
    public async Task A_timer_out_of_bounds_is_refused_and_changes_nothing()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        foreach (var timer in new[] { TimeSpan.FromSeconds(1), TimeSpan.FromDays(400), TimeSpan.FromMilliseconds(5500) })
        {
            (await Should.ThrowAsync<MessengerException>(() => alice.SetTimerAsync(bob.Username, timer))).Failure.ShouldBe(MessengerFailure.InvalidArgument);
        }

        alice.GetTimer(bob.Username).ShouldBeNull();
        (await bob.ReceivePendingAsync()).ShouldBeEmpty();
    }
}
