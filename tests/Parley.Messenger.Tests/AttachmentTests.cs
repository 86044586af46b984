using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Parley.Client.Messaging;
using Parley.Client.Messenger;
using Parley.Client.Profiles;
using Parley.Client.Secrets;
using Parley.Contracts.Blobs;

namespace Parley.Messenger.Tests;

/// <summary>Attachments through the messenger core (what <c>send --file</c> and the chat screen's <c>/attach</c> call), against a real server.</summary>
public sealed class AttachmentTests(MessengerKit kit) : IClassFixture<MessengerKit>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("parley-attachments-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string NewFile(string name, int length, out byte[] bytes)
    {
        bytes = RandomNumberGenerator.GetBytes(length);
        var path = Path.Combine(_folder, "source-" + Guid.NewGuid().ToString("N"), name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private long BlobsOnServer()
    {
        using var db = new SqliteConnection($"Data Source={Path.Combine(kit.Server.DataDirectory, "parley.db")};Mode=ReadOnly;Pooling=False");
        db.Open();
        using var command = db.CreateCommand();
        command.CommandText = "SELECT count(*) FROM blobs";
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>How many blobs the server was ever asked to hold (its log says so, naming nothing else).</summary>
    private int BlobsAnnounced() => kit.Server.Logs.Lines.Count(l => l.Contains("Blob announced", StringComparison.Ordinal));

    private sealed class Reports : IProgress<long>
    {
        public List<long> Values { get; } = [];

        public void Report(long value)
        {
            lock (Values)
            {
                Values.Add(value);
            }
        }
    }

    [Fact]
    public async Task A_file_reaches_a_contact_who_saves_it_checked_and_then_the_server_holds_nothing()
    {
        var alice = await kit.RegisterAsync(MessengerKit.Name("alice"));
        var bob = await kit.RegisterAsync(MessengerKit.Name("bob"));
        var path = NewFile("Quarterly report.pdf", 1_000_003, out var bytes);
        var blobs = BlobsOnServer();
        var uploaded = new Reports();

        var sent = await alice.SendFileAsync(bob.Username, path, uploaded);
        sent.Queued.ShouldBeTrue(sent.Problem);
        sent.Message.Kind.ShouldBe(StoredMessage.KindAttachment);
        sent.Message.File.ShouldBe(new AttachmentInfo("Quarterly report.pdf", bytes.Length, null, null));
        uploaded.Values[^1].ShouldBe(AttachmentFormat.SealedLength(bytes.Length));
        BlobsOnServer().ShouldBe(blobs + 1);

        var received = (await bob.ReceivePendingAsync()).OfType<MessageReceived>().Single().Message;
        received.Kind.ShouldBe(StoredMessage.KindAttachment);
        received.Text.ShouldBe("Quarterly report.pdf");
        var pending = bob.PendingAttachments().ShouldHaveSingleItem();
        pending.Size.ShouldBe(bytes.Length);
        pending.Sender.ShouldBe(alice.Username);

        var downloaded = new Reports();
        var into = Path.Combine(_folder, "bob");
        var saved = await bob.SaveAttachmentAsync(Client.Messenger.Messenger.IdPart(pending.Uid)[..6], into, downloaded);
        saved.Path.ShouldBe(Path.Combine(into, "Quarterly report.pdf"));
        (await File.ReadAllBytesAsync(saved.Path)).ShouldBe(bytes);
        downloaded.Values[^1].ShouldBeGreaterThanOrEqualTo(AttachmentFormat.SealedLength(bytes.Length));
        bob.PendingAttachments().ShouldBeEmpty("the key is forgotten once the file is saved");
        bob.History(alice.Username, 10).Single(m => m.Uid == pending.Uid).File!.SavedAs.ShouldBe(saved.Path);
        BlobsOnServer().ShouldBe(blobs, "bob spent the only fetch token");
        var again = await Should.ThrowAsync<MessengerException>(() => bob.SaveAttachmentAsync(pending.Uid, into));
        again.Failure.ShouldBe(MessengerFailure.NoSuchAttachment);
    }

    [Fact]
    public async Task A_file_that_does_not_match_its_digest_is_refused_nothing_is_saved_and_it_stays_pending()
    {
        var alice = await kit.RegisterAsync(MessengerKit.Name("alice"));
        using var mallory = await HostilePeer.RegisterAsync(kit.Server.BaseAddress, MessengerKit.Name("mallory"));
        await mallory.StartSessionAsync(alice.Username);
        var shown = RandomNumberGenerator.GetBytes(5000);
        var claimed = SHA256.HashData(RandomNumberGenerator.GetBytes(5000));
        var key = RandomNumberGenerator.GetBytes(32);
        var token = RandomNumberGenerator.GetBytes(32);
        var sealedLength = AttachmentFormat.SealedLength(shown.Length);
        var blob = await mallory.Api.CreateBlobAsync(new CreateBlobRequest(sealedLength, null, [AccountKeys.B64u(SHA256.HashData(token))]));
        var (sealedStream, _) = AttachmentFormat.Seal(new MemoryStream(shown), shown.Length, key);
        await mallory.Api.UploadBlobAsync(blob.Id, sealedStream, sealedLength);
        var content = MessageContent.Of(MessageContent.KindAttachment, DateTimeOffset.UtcNow) with
        {
            Attachment = new AttachmentContent(blob.Id, AccountKeys.B64u(key), AccountKeys.B64u(claimed), shown.Length, "invoice.pdf",
                blob.ExpiresAt.ToUnixTimeMilliseconds(), new Dictionary<string, string> { [alice.Username] = AccountKeys.B64u(token) }),
        };
        alice.ProcessEnvelopes([mallory.Envelope(1, mallory.Encrypt(alice.Username, content))]).OfType<MessageReceived>().ShouldHaveSingleItem();
        var pending = alice.PendingAttachments().ShouldHaveSingleItem();

        var into = Path.Combine(_folder, "alice");
        var refused = await Should.ThrowAsync<SecretFormatException>(() => alice.SaveAttachmentAsync(pending.Uid, into));
        refused.Message.ShouldContain("SHA-256");
        (Directory.Exists(into) ? Directory.GetFileSystemEntries(into) : []).ShouldBeEmpty();
        alice.PendingAttachments().ShouldHaveSingleItem().ShouldBe(pending);
    }

    [Fact]
    public async Task Nothing_is_ever_overwritten_and_names_stay_inside_the_folder()
    {
        var alice = await kit.RegisterAsync(MessengerKit.Name("alice"));
        var bob = await kit.RegisterAsync(MessengerKit.Name("bob"));
        var into = Path.Combine(_folder, "bob");
        Directory.CreateDirectory(into);
        await File.WriteAllTextAsync(Path.Combine(into, "notes.txt"), "bob's own");
        await alice.SendFileAsync(bob.Username, NewFile("notes.txt", 100, out var first));
        await alice.SendFileAsync(bob.Username, NewFile("notes.txt", 200, out var second));
        await bob.ReceivePendingAsync();
        foreach (var p in bob.PendingAttachments())
        {
            await bob.SaveAttachmentAsync(p.Uid, into);
        }

        (await File.ReadAllTextAsync(Path.Combine(into, "notes.txt"))).ShouldBe("bob's own");
        (await File.ReadAllBytesAsync(Path.Combine(into, "notes (2).txt"))).ShouldBe(first);
        (await File.ReadAllBytesAsync(Path.Combine(into, "notes (3).txt"))).ShouldBe(second);
        Directory.GetFileSystemEntries(into).Length.ShouldBe(3);
    }

    [Fact]
    public async Task A_discarded_file_forgets_its_key_and_spends_its_token()
    {
        var alice = await kit.RegisterAsync(MessengerKit.Name("alice"));
        var bob = await kit.RegisterAsync(MessengerKit.Name("bob"));
        var blobs = BlobsOnServer();
        await alice.SendFileAsync(bob.Username, NewFile("unwanted.bin", 3000, out _));
        await bob.ReceivePendingAsync();
        var pending = bob.PendingAttachments().ShouldHaveSingleItem();
        await bob.DiscardAttachmentAsync(pending.Uid);
        bob.PendingAttachments().ShouldBeEmpty();
        BlobsOnServer().ShouldBe(blobs);
        (await Should.ThrowAsync<MessengerException>(() => bob.SaveAttachmentAsync(pending.Uid, _folder))).Failure.ShouldBe(MessengerFailure.NoSuchAttachment);
    }

    [Fact]
    public async Task A_missing_file_or_an_unknown_recipient_sends_and_uploads_nothing()
    {
        var alice = await kit.RegisterAsync(MessengerKit.Name("alice"));
        var bob = await kit.RegisterAsync(MessengerKit.Name("bob"));
        var file = NewFile("a.txt", 10, out _);
        await alice.SendFileAsync(bob.Username, file); // the log does show an announced blob
        await bob.ReceivePendingAsync();
        var blobs = BlobsOnServer();
        var announced = BlobsAnnounced();
        announced.ShouldBeGreaterThan(0);

        (await Should.ThrowAsync<MessengerException>(() => alice.SendFileAsync(bob.Username, Path.Combine(_folder, "nope"))))
            .Failure.ShouldBe(MessengerFailure.InvalidArgument);
        (await Should.ThrowAsync<MessengerException>(() => alice.SendFileAsync(bob.Username, _folder)))
            .Failure.ShouldBe(MessengerFailure.InvalidArgument);
        (await Should.ThrowAsync<MessengerException>(() => alice.SendFileAsync("#no-such-group", file)))
            .Failure.ShouldBe(MessengerFailure.UnknownGroup);
        (await Should.ThrowAsync<MessengerException>(() => alice.SendFileAsync(MessengerKit.Name("nobody"), file)))
            .Failure.ShouldBe(MessengerFailure.UnknownUser);
        (await Should.ThrowAsync<MessengerException>(() => alice.SendFileAsync(alice.Username, file)))
            .Failure.ShouldBe(MessengerFailure.InvalidArgument);
        BlobsOnServer().ShouldBe(blobs);
        BlobsAnnounced().ShouldBe(announced, "every refusal came before the upload");
        (await bob.ReceivePendingAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task The_largest_file_is_what_the_servers_limit_leaves_after_sealing()
    {
        var alice = await kit.RegisterAsync(MessengerKit.Name("alice"));
        (await alice.GetMaxFileSizeAsync()).ShouldBe(AttachmentFormat.LargestFile(new global::Parley.Server.Features.Blobs.BlobsOptions().MaxBlobBytes));
        await alice.CheckFileAsync(NewFile("fine.bin", 1000, out _));
        (await Should.ThrowAsync<MessengerException>(() => alice.CheckFileAsync(Path.Combine(_folder, "nope")))).Failure.ShouldBe(MessengerFailure.InvalidArgument);

        AttachmentFormat.LargestFile(AttachmentFormat.SealedLength(0) - 1).ShouldBe(-1);
        foreach (var limit in new[] { AttachmentFormat.SealedLength(0), 1L << 20, 1_000_003, 2L << 30, 1L << 40 })
        {
            var largest = AttachmentFormat.LargestFile(limit);
            AttachmentFormat.SealedLength(largest).ShouldBeLessThanOrEqualTo(limit);
            AttachmentFormat.SealedLength(largest + 1).ShouldBeGreaterThan(limit);
        }
    }

    [Fact]
    public void Padding_hides_the_exact_size_but_adds_at_most_an_eighth()
    {
        AttachmentFormat.PaddedLength(0).ShouldBe(256);
        AttachmentFormat.PaddedLength(256).ShouldBe(256);
        AttachmentFormat.PaddedLength(1L << 28).ShouldBe(1L << 28);
        AttachmentFormat.PaddedLength(1_000_003).ShouldBe(AttachmentFormat.PaddedLength(1_000_000));
        foreach (var size in new long[] { 257, 1000, 65_537, 1_000_003, 123_456_789, 5_000_000_000 })
        {
            var padded = AttachmentFormat.PaddedLength(size);
            padded.ShouldBeGreaterThanOrEqualTo(size);
            ((double)padded / size).ShouldBeLessThanOrEqualTo(1.125);
        }
    }
}
