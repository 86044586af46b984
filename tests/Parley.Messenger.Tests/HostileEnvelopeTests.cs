using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using Parley.Client.Messenger;
using Parley.Client.Profiles;
using Parley.Protocol;
using Parley.Protocol.Wire;

namespace Parley.Messenger.Tests;

/// <summary>
/// Envelopes an attacker (another user, or the server) can put in front of a messenger: each is dropped
/// with a reason, and nothing in the profile changes — no message, no contact, no session step.
/// </summary>
public sealed class HostileEnvelopeTests(HostileEnvelopeTests.World world) : IClassFixture<HostileEnvelopeTests.World>
{
    /// <summary>alice (the victim), bob (a friend with a session and a group with alice), mallory (hostile, with a session to alice).</summary>
    public sealed class World : IAsyncLifetime
    {
        private readonly MessengerKit _kit = new();
        private long _nextId = 1_000_000_000;

        public Client.Messenger.Messenger Alice { get; private set; } = null!;

        public Client.Messenger.Messenger Bob { get; private set; } = null!;

        internal HostilePeer Mallory { get; private set; } = null!;

        public string GroupId { get; private set; } = null!;

        public string LeftGroupId { get; private set; } = null!;

        /// <summary>A valid 1:1 envelope from bob to alice, already received once.</summary>
        public IncomingEnvelope Delivered { get; private set; } = null!;

        public long NextId() => Interlocked.Increment(ref _nextId);

        public async ValueTask InitializeAsync()
        {
            await _kit.InitializeAsync();
            Alice = await _kit.RegisterAsync(MessengerKit.Name("alice"));
            Bob = await _kit.RegisterAsync(MessengerKit.Name("bob"));
            Mallory = await HostilePeer.RegisterAsync(_kit.Server.BaseAddress, MessengerKit.Name("mallory"));
            await Mallory.StartSessionAsync(Alice.Username);
            // mallory's first message sets up the session on alice's side
            var hello = Mallory.Envelope(NextId(), Mallory.Encrypt(Alice.Username, MessageContent.Of(MessageContent.KindText, DateTimeOffset.UtcNow, "hi, I am mallory")));
            Alice.ProcessEnvelopes([hello]).OfType<MessageReceived>().ShouldHaveSingleItem();

            await Bob.SendTextAsync(Alice.Username, "hello alice");
            await Alice.LoginAsync();
            var page = await Alice.Api.ReadQueueAsync();
            Delivered = IncomingEnvelope.From(page.Envelopes.Single());
            Alice.ProcessEnvelopes([Delivered]).OfType<MessageReceived>().ShouldHaveSingleItem();
            await Alice.ReceivePendingAsync();

            var group = await Bob.CreateGroupAsync("Friends", [Alice.Username]);
            await Alice.ReceivePendingAsync();
            await Alice.AcceptInvitationAsync("#" + group.Id);
            await Bob.ReceivePendingAsync();
            await Bob.SendTextAsync("#" + group.Id, "welcome");
            await Alice.ReceivePendingAsync();
            GroupId = group.Id;

            var left = await Bob.CreateGroupAsync("Former", [Alice.Username]);
            await Alice.ReceivePendingAsync();
            await Alice.AcceptInvitationAsync("#" + left.Id);
            await Bob.ReceivePendingAsync();
            await Bob.SendTextAsync("#" + left.Id, "before you leave");
            await Alice.ReceivePendingAsync();
            await Alice.LeaveGroupAsync("#" + left.Id);
            LeftGroupId = left.Id;
        }

        public async ValueTask DisposeAsync()
        {
            Mallory.Dispose();
            await _kit.DisposeAsync();
        }
    }

    private static MessageContent Content(string kind, string? text = null, string? group = null, string? name = null, string? senderKey = null) =>
        MessageContent.Of(kind, DateTimeOffset.UtcNow, text, group, name, senderKey);

    /// <summary>Every case: a name, how to make the envelope, and what the drop reason says.</summary>
    public static TheoryData<string> Cases() => [.. Builders.Keys];

    private static readonly Dictionary<string, (Func<World, IncomingEnvelope> Make, string Reason)> Builders = new()
    {
        ["garbage as a Whisper message"] = (w => new(w.NextId(), w.Mallory.Name, 2, null, DateTimeOffset.UtcNow, RandomNumberGenerator.GetBytes(120)), "decrypted"),
        ["garbage as a PreKey message"] = (w => new(w.NextId(), w.Mallory.Name, 3, null, DateTimeOffset.UtcNow, RandomNumberGenerator.GetBytes(400)), "decrypted"),
        ["empty content"] = (w => new(w.NextId(), w.Mallory.Name, 2, null, DateTimeOffset.UtcNow, []), "malformed envelope"),
        ["an unknown envelope type"] = (w => new(w.NextId(), w.Mallory.Name, 50, null, DateTimeOffset.UtcNow, [1, 2, 3]), "unsupported envelope type"),
        ["libsignal's plaintext type"] = (w => new(w.NextId(), w.Mallory.Name, 8, null, DateTimeOffset.UtcNow, [1, 2, 3]), "unsupported envelope type"),
        ["a sender-key message without a group"] = (w => new(w.NextId(), w.Bob.Username, 7, null, DateTimeOffset.UtcNow, RandomNumberGenerator.GetBytes(100)), "unsupported envelope type"),
        ["a 1:1 message with a group id"] = (w => w.Mallory.Envelope(w.NextId(), w.Mallory.Encrypt(w.Alice.Username, Content("text", "x"))) with { GroupId = w.GroupId }, "unsupported envelope type"),
        ["a sender name that is no username"] = (w => w.Delivered with { Id = w.NextId(), Sender = "not a user!" }, "malformed envelope"),
        ["a 1:1 message from alice's own name"] = (w => w.Delivered with { Id = w.NextId(), Sender = w.Alice.Username }, "own account"),
        ["bob's message replayed under a new envelope id"] = (w => w.Delivered with { Id = w.NextId() }, "DuplicateMessage"),
        ["bob's message claimed to come from mallory"] = (w => w.Delivered with { Id = w.NextId(), Sender = w.Mallory.Name }, "decrypted"),
        ["a truncated message"] = (w => Tamper(w, m => m[..(m.Length / 2)]), "decrypted"),
        ["a message with one bit flipped in its authenticated part"] = (w => Tamper(w, FlipInInnerMessage), "decrypted"),
        ["well encrypted bytes that are not Parley content"] = (w => w.Mallory.Envelope(w.NextId(), w.Mallory.Encrypt(w.Alice.Username, Encoding.UTF8.GetBytes("just bytes"))), "not a Parley message"),
        ["content JSON with a wrong version"] = (w => w.Mallory.Envelope(w.NextId(), w.Mallory.Encrypt(w.Alice.Username, (Content("text", "x") with { V = 2 }).Encode())), "not a Parley message"),
        ["a text longer than allowed"] = (w => w.Mallory.Envelope(w.NextId(), w.Mallory.Encrypt(w.Alice.Username, Content("text", new string('x', MessageContent.MaxTextLength + 1)))), "not a Parley message"),
        ["an unknown message kind"] = (w => w.Mallory.Envelope(w.NextId(), w.Mallory.Encrypt(w.Alice.Username, Content("self-destruct", "x"))), "unexpected message kind"),
        ["an attachment named ../../x"] = (w => Attached(w, a => a with { Name = "../../x" }), "not a plain, safe name"),
        ["an attachment named .profile"] = (w => Attached(w, a => a with { Name = ".profile" }), "not a plain, safe name"),
        ["an attachment with a malformed digest"] = (w => Attached(w, a => a with { Sha256 = "AAAA" }), "malformed digest"),
        ["an attachment with a negative size"] = (w => Attached(w, a => a with { Size = -1 }), "impossible size"),
        ["an attachment with a short key"] = (w => Attached(w, a => a with { Key = B64(16) }), "malformed key"),
        ["an attachment without a fetch token for alice"] = (w => Attached(w, a => a with { Fetch = new Dictionary<string, string> { ["someone"] = B64(32) } }), "fetch token"),
        ["an attachment message without its attachment"] = (w => w.Mallory.Envelope(w.NextId(), w.Mallory.Encrypt(w.Alice.Username, Content("attachment"))), "without its attachment"),
        ["a text with a timer shorter than allowed"] = (w => w.Mallory.Envelope(w.NextId(), w.Mallory.Encrypt(w.Alice.Username, Content("text", "x") with { Timer = 1 })), "timer"),
        ["a timer message without a timer"] = (w => w.Mallory.Envelope(w.NextId(), w.Mallory.Encrypt(w.Alice.Username, Content("timer"))), "timer"),
        ["a 1:1 text that claims a group"] = (w => w.Mallory.Envelope(w.NextId(), w.Mallory.Encrypt(w.Alice.Username, Content("text", "x", w.GroupId))), "unexpected message kind"),
        ["a sender key from a non-member"] = (w => w.Mallory.Envelope(w.NextId(), w.Mallory.Encrypt(w.Alice.Username, Content("sender-key", group: w.GroupId,
            senderKey: System.Buffers.Text.Base64Url.EncodeToString(w.Mallory.Groups.CreateDistributionMessage(w.Mallory.Address, Guid.NewGuid()).Serialized)))), "not a member"),
        ["a sender key for an unknown group"] = (w => w.Mallory.Envelope(w.NextId(), w.Mallory.Encrypt(w.Alice.Username, Content("sender-key", group: "AAAAAAAAAAAAAAAAAAAAAA",
            senderKey: System.Buffers.Text.Base64Url.EncodeToString(w.Mallory.Groups.CreateDistributionMessage(w.Mallory.Address, Guid.NewGuid()).Serialized)))), "not in"),
        ["a malformed sender key"] = (w => w.Mallory.Envelope(w.NextId(), w.Mallory.Encrypt(w.Alice.Username, Content("sender-key", group: w.GroupId, senderKey: "!!!"))), "not a member"),
        ["an invitation note from a non-admin"] = (w => w.Mallory.Envelope(w.NextId(), w.Mallory.Encrypt(w.Alice.Username, Content("group-invite", group: w.GroupId, name: "Pwned"))), "invitation"),
        ["a group message from a non-member"] = (w => GroupFromMallory(w, w.GroupId), "decrypted"),
        ["a group message for a group alice left"] = (w => new(w.NextId(), w.Bob.Username, 7, w.LeftGroupId, DateTimeOffset.UtcNow, RandomNumberGenerator.GetBytes(150)), "decrypted"),
        ["a group event that is not JSON"] = (w => new(w.NextId(), w.Bob.Username, 100, w.GroupId, DateTimeOffset.UtcNow, [0x7b, 0x00]), "malformed group event"),
        ["a group event whose id differs from the envelope's"] = (w => new(w.NextId(), w.Bob.Username, 100, w.GroupId, DateTimeOffset.UtcNow,
            Encoding.UTF8.GetBytes("{\"groupId\":\"AAAAAAAAAAAAAAAAAAAAAA\",\"kind\":\"removed\",\"actor\":\"x\",\"subjects\":[],\"members\":[]}")), "malformed group event"),
        ["a group event with members missing"] = (w => new(w.NextId(), w.Bob.Username, 100, w.GroupId, DateTimeOffset.UtcNow,
            Encoding.UTF8.GetBytes($"{{\"groupId\":\"{w.GroupId}\",\"kind\":\"removed\",\"actor\":\"x\",\"subjects\":[]}}")), "malformed group event"),
    };

    private static string B64(int length) => System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(length));

    /// <summary>An attachment message from mallory that is well-formed but for <paramref name="change"/>.</summary>
    private static IncomingEnvelope Attached(World w, Func<AttachmentContent, AttachmentContent> change)
    {
        var good = new AttachmentContent(B64(16), B64(32), B64(32), 10, "x.txt", DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeMilliseconds(),
            new Dictionary<string, string> { [w.Alice.Username] = B64(32) });
        good.Problem().ShouldBeNull();
        return w.Mallory.Envelope(w.NextId(), w.Mallory.Encrypt(w.Alice.Username, Content("attachment") with { Attachment = change(good) }));
    }

    private static IncomingEnvelope Tamper(World w, Func<byte[], byte[]> change)
    {
        var message = w.Mallory.Encrypt(w.Alice.Username, Content("text", "will be tampered"));
        return w.Mallory.Envelope(w.NextId(), message with { Serialized = change(message.Serialized.ToArray()) });
    }

    /// <summary>
    /// Flips one bit inside the MAC-covered SignalMessage of a PreKeySignalMessage. (Its outer prekey
    /// fields are read only for a new session, as in libsignal: for a known base key they are ignored.)
    /// </summary>
    private static byte[] FlipInInnerMessage(byte[] serialized)
    {
        PreKeySignalMessage.TryParse(serialized, out var outer, out _).ShouldBeTrue();
        var inner = outer!.Message.Serialized;
        var at = serialized.AsSpan().IndexOf(inner);
        at.ShouldBeGreaterThan(0);
        serialized[at + inner.Length / 2] ^= 0x01;
        return serialized;
    }

    /// <summary>mallory encrypts under a sender key alice never received and claims a group she is not in.</summary>
    private static IncomingEnvelope GroupFromMallory(World w, string groupId)
    {
        var distribution = Guid.NewGuid();
        w.Mallory.Groups.CreateDistributionMessage(w.Mallory.Address, distribution);
        var ciphertext = w.Mallory.Groups.Encrypt(w.Mallory.Address, distribution, Content("text", "fake", groupId).Encode()).Value;
        return new IncomingEnvelope(w.NextId(), w.Mallory.Name, (int)CiphertextMessageType.SenderKey, groupId, DateTimeOffset.UtcNow, ciphertext);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_hostile_envelope_is_dropped_and_changes_nothing(string name)
    {
        var (make, reason) = Builders[name];
        var envelope = make(world);
        var before = Snapshot(world.Alice);
        var events = world.Alice.ProcessEnvelopes([envelope]);
        events.ShouldHaveSingleItem().ShouldBeOfType<EnvelopeDropped>().Reason.ShouldContain(reason, Case.Insensitive, name);
        Snapshot(world.Alice).ShouldBe(before, name);
    }

    [Fact]
    public void There_are_at_least_twenty_cases() => Builders.Count.ShouldBeGreaterThanOrEqualTo(20);

    [Fact]
    public async Task After_every_hostile_envelope_the_friends_still_talk()
    {
        (await world.Bob.SendTextAsync(world.Alice.Username, "are you still there?")).Queued.ShouldBeTrue();
        (await world.Alice.ReceivePendingAsync()).OfType<MessageReceived>().Select(m => m.Message.Text).ShouldContain("are you still there?");
        (await world.Bob.SendTextAsync("#" + world.GroupId, "group still fine?")).Queued.ShouldBeTrue();
        (await world.Alice.ReceivePendingAsync()).OfType<MessageReceived>().Select(m => m.Message.Text).ShouldContain("group still fine?");
    }

    /// <summary>Everything the profile holds except the notes of envelopes still to acknowledge.</summary>
    private static string Snapshot(Client.Messenger.Messenger m)
    {
        using var db = new SqliteConnection($"Data Source={Path.Combine(m.Profile.Folder, ProfileStore.DatabaseFile)};Mode=ReadOnly;Pooling=False");
        db.Open();
        var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var table in new[] { "items", "messages", "outbox", "sent" })
        {
            using var command = db.CreateCommand();
            command.CommandText = $"SELECT * FROM {table} ORDER BY 1, 2";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    hash.AppendData(reader.GetValue(i) is byte[] b ? b : Encoding.UTF8.GetBytes(Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)!));
                }
            }
        }

        return Convert.ToHexString(hash.GetHashAndReset());
    }
}
