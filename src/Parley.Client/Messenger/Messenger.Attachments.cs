using System.Security.Cryptography;
using Parley.Client.Messaging;
using Parley.Client.Profiles;
using Parley.Client.Secrets;
using Parley.Contracts.Blobs;

namespace Parley.Client.Messenger;

/// <summary>A file saved from an attachment: where it went (a free name: nothing is overwritten).</summary>
public sealed record SavedAttachment(string Uid, string Conversation, string Name, string Path, long Size, bool Renamed);

/// <summary>Who a message to <c>target</c> goes to.</summary>
internal sealed record Audience(string Conversation, string? GroupId, IReadOnlyList<string> Recipients);

public sealed partial class Messenger
{
    private BlobLimitsResponse? _blobLimits;

    /// <summary>
    /// Sends a file to a user or a group (<c>#name</c>), as the chat screen's <c>/attach</c> and
    /// <c>parley send --file</c> do: the file is sealed under a fresh key while it is uploaded as an opaque
    /// blob (in bounded memory, whatever its size), then an <c>attachment</c> message carries the blob's id,
    /// the key, the file's SHA-256, name and size, and one fetch token per recipient. The upload runs
    /// without holding the profile, so receiving goes on meanwhile. <paramref name="progress"/> hears the
    /// bytes uploaded (of <see cref="AttachmentFormat.SealedLength"/>).
    /// </summary>
    public async Task<SendResult> SendFileAsync(string target, string path, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        var file = OpenForSending(path);
        var name = FileNames.Sanitize(System.IO.Path.GetFileName(path));
        var size = file.Length;
        var key = RandomNumberGenerator.GetBytes(SecretFormat.KeySize);
        string? blobId = null;
        try
        {
            var (audience, limits) = await ExclusiveAsync(async () =>
            {
                await _server.EnsureLoggedInAsync(cancellationToken).ConfigureAwait(false);
                var write = _profile.BeginWrite();
                var audience = ResolveAudience(write, target);
                if (audience.GroupId is null)
                {
                    // An unknown user or a changed key is refused before a byte is uploaded.
                    _protocol.Write = write;
                    await EnsureSessionAsync(write, audience.Recipients[0], cancellationToken).ConfigureAwait(false);
                    write.Commit();
                }

                return (audience, await BlobLimitsAsync(cancellationToken).ConfigureAwait(false));
            }, cancellationToken).ConfigureAwait(false);
            var largest = AttachmentFormat.LargestFile(limits.MaxBlobBytes);
            if (size > largest)
            {
                throw TooLarge(name, size, largest);
            }

            var sealedLength = AttachmentFormat.SealedLength(size);

            if (audience.Recipients.Count > limits.MaxFetchTokens)
            {
                throw new MessengerException(MessengerFailure.Refused, $"{Server.Authority} lets at most {limits.MaxFetchTokens} people fetch one file");
            }

            var tokens = audience.Recipients.ToDictionary(r => r, _ => AccountKeys.B64u(RandomNumberGenerator.GetBytes(32)), StringComparer.Ordinal);
            var verifiers = tokens.Values.Select(t => AccountKeys.B64u(SHA256.HashData(System.Buffers.Text.Base64Url.DecodeFromChars(t)))).ToList();

            // The token was made valid under the gate just now; the calls outside it never log in (that writes the profile).
            var blob = await _server.Api.CreateBlobAsync(new CreateBlobRequest(sealedLength, null, verifiers), cancellationToken).ConfigureAwait(false);
            blobId = blob.Id;
            var (sealedStream, digestOf) = AttachmentFormat.Seal(file, size, key);
            await using (sealedStream.ConfigureAwait(false))
            {
                await _server.Api.UploadBlobAsync(blob.Id, sealedStream, sealedLength, progress, cancellationToken).ConfigureAwait(false);
            }

            var attachment = new AttachmentContent(blob.Id, AccountKeys.B64u(key), AccountKeys.B64u(await digestOf().ConfigureAwait(false)), size, name,
                blob.ExpiresAt.ToUnixTimeMilliseconds(), tokens);
            var result = await ExclusiveAsync(async () =>
            {
                var now = _time.GetUtcNow();
                var write = _profile.BeginWrite();
                var timer = TimerOf(write, audience.Conversation);
                var content = MessageContent.Of(MessageContent.KindAttachment, now, group: audience.GroupId) with { Attachment = attachment, Timer = timer };
                var uid = MessageUid(Username, content.Id);
                await QueueToAsync(write, audience, content, uid, cancellationToken).ConfigureAwait(false);
                var message = new StoredMessage(uid, audience.Conversation, MessageDirection.Outgoing, Username, StoredMessage.KindAttachment, name, now, now,
                    DeliveryState.Pending, audience.Recipients, []) { File = new AttachmentInfo(name, size, null, null) };
                message = ScheduleExpiry(write, message, timer);
                write.PutMessage(message);
                Touch(write, audience.Conversation, now, Preview(message), incoming: false);
                write.Commit();
                var problem = await FlushOutboxCoreAsync(cancellationToken).ConfigureAwait(false);
                var stored = _profile.GetMessage(uid)!;
                return new SendResult(stored, stored.State != DeliveryState.Pending, stored.State is DeliveryState.Pending or DeliveryState.Failed ? problem : null);
            }, cancellationToken).ConfigureAwait(false);
            blobId = null; // the message refers to it now
            return result;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            await file.DisposeAsync().ConfigureAwait(false);
            if (blobId is not null)
            {
                await DeleteBlobQuietlyAsync(blobId).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The largest file the server takes as an attachment (its blob limit, less what sealing adds), so that
    /// a caller can refuse a file before it sends anything — the chat screen's <c>/attach</c> and
    /// <c>parley send --file</c> check every file first.
    /// </summary>
    public async Task<long> GetMaxFileSizeAsync(CancellationToken cancellationToken = default) =>
        AttachmentFormat.LargestFile((await ExclusiveAsync(() => BlobLimitsAsync(cancellationToken), cancellationToken).ConfigureAwait(false)).MaxBlobBytes);

    /// <summary>Refuses, before anything is sent, a file that cannot be sent: missing, not a regular file, or larger than the server takes.</summary>
    /// <exception cref="MessengerException"><see cref="MessengerFailure.InvalidArgument"/> or <see cref="MessengerFailure.Refused"/> (too large).</exception>
    public async Task CheckFileAsync(string path, CancellationToken cancellationToken = default)
    {
        long size;
        await using (var file = OpenForSending(path))
        {
            size = file.Length;
        }

        var largest = await GetMaxFileSizeAsync(cancellationToken).ConfigureAwait(false);
        if (size > largest)
        {
            throw TooLarge(FileNames.Sanitize(System.IO.Path.GetFileName(path)), size, largest);
        }
    }

    /// <summary>Received attachments not saved yet, oldest first.</summary>
    public IReadOnlyList<PendingAttachment> PendingAttachments() => Exclusive(() =>
        (IReadOnlyList<PendingAttachment>)[.. _profile.BeginWrite().List(ItemKind.Attachment, AttachmentCodecs.Pending).OrderBy(p => p.ReceivedAt)]);

    /// <summary>
    /// The received attachment that <paramref name="reference"/> names — its message id (<c>author/id</c>),
    /// or the start of the id, four characters or more — as <see cref="SaveAttachmentAsync"/> would find it.
    /// </summary>
    /// <exception cref="MessengerException"><see cref="MessengerFailure.NoSuchAttachment"/>, or <see cref="MessengerFailure.InvalidArgument"/> when it names several.</exception>
    public PendingAttachment FindAttachment(string reference) => Exclusive(() => FindPending(_profile.BeginWrite(), reference));

    /// <summary>
    /// Fetches a received attachment (<paramref name="reference"/>: its message id, or the start of it,
    /// four characters or more), opens and checks it, and saves it in <paramref name="folder"/> under its
    /// name made safe — or the next free <c>name (n)</c>: nothing is ever overwritten. Nothing is saved
    /// unless the whole file authenticated and matches its SHA-256 (else <see cref="SecretFormatException"/>,
    /// and the attachment stays pending). Then the fetch token is spent, so the server can delete the blob,
    /// and the key is forgotten. The download runs without holding the profile.
    /// </summary>
    public async Task<SavedAttachment> SaveAttachmentAsync(string reference, string folder, IProgress<long>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var pending = await ExclusiveAsync(async () =>
        {
            var found = FindPending(_profile.BeginWrite(), reference);
            await _server.EnsureLoggedInAsync(cancellationToken).ConfigureAwait(false);
            return found;
        }, cancellationToken).ConfigureAwait(false);
        var key = System.Buffers.Text.Base64Url.DecodeFromChars(pending.Key);
        SavedFile saved;
        try
        {
            Stream sealedStream;
            try
            {
                sealedStream = await _server.Api.FetchBlobAsync(pending.Blob, pending.Token, AttachmentFormat.SealedLength(pending.Size), progress,
                    cancellationToken).ConfigureAwait(false);
            }
            catch (MessagingApiException e) when (e.Status == 404)
            {
                throw new MessengerException(MessengerFailure.NoSuchAttachment,
                    $"'{pending.Name}' is no longer on the server: its sender deleted it, or it expired (it was available until {pending.Until:u})", e);
            }

            await using var plaintext = AttachmentFormat.Open(sealedStream, key, pending.Size, System.Buffers.Text.Base64Url.DecodeFromChars(pending.Sha256));
            var files = await new SecretFolderWriter(folder, overwrite: false)
                .WriteAsync(plaintext, [new ManifestFile(pending.Name, pending.Size, "application/octet-stream")], cancellationToken).ConfigureAwait(false);
            saved = files[0];
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }

        try
        {
            await _server.Api.ReleaseBlobAsync(pending.Blob, pending.Token, cancellationToken).ConfigureAwait(false);
        }
        catch (MessagingApiException)
        {
            // The file is saved; an unspent token only keeps the blob until it expires.
        }

        var kept = Exclusive(() =>
        {
            var write = _profile.BeginWrite();
            write.Delete(ItemKind.Attachment, pending.Uid);
            var message = write.GetMessage(pending.Uid);
            if (message is not null)
            {
                write.PutMessage(message with { File = new AttachmentInfo(pending.Name, pending.Size, saved.Path, File.GetLastWriteTimeUtc(saved.Path)) });
            }

            write.Commit();
            return message is not null;
        });
        if (!kept)
        {
            File.Delete(saved.Path); // its message disappeared while the file came: the file goes with it
            throw new MessengerException(MessengerFailure.NoSuchAttachment, "the message disappeared (its timer ran out) while its file was fetched");
        }

        return new SavedAttachment(pending.Uid, pending.Conversation, pending.Name, saved.Path, saved.Size, saved.Renamed);
    }

    /// <summary>Forgets a received attachment without saving it: its key goes, and its fetch token is spent so the server can delete the blob.</summary>
    public async Task DiscardAttachmentAsync(string reference, CancellationToken cancellationToken = default)
    {
        var pending = await ExclusiveAsync(async () =>
        {
            var write = _profile.BeginWrite();
            var found = FindPending(write, reference);
            write.Delete(ItemKind.Attachment, found.Uid);
            write.Commit();
            await _server.EnsureLoggedInAsync(cancellationToken).ConfigureAwait(false);
            return found;
        }, cancellationToken).ConfigureAwait(false);
        try
        {
            await _server.Api.ReleaseBlobAsync(pending.Blob, pending.Token, cancellationToken).ConfigureAwait(false);
        }
        catch (MessagingApiException)
        {
            // gone already, or unreachable: the blob expires anyway
        }
    }

    /// <summary>A received <c>attachment</c> message: checks it and keeps its key as a pending download; a bad one drops the envelope.</summary>
    private StoredMessage AcceptAttachment(ProfileWrite write, StoredMessage message, MessageContent content)
    {
        var a = content.Attachment ?? throw new EnvelopeDropException("an attachment message without its attachment");
        if (a.Problem() is { } problem)
        {
            throw new EnvelopeDropException(problem);
        }

        if (!a.Fetch.TryGetValue(Username, out var token))
        {
            throw new EnvelopeDropException("an attachment without a fetch token for this profile");
        }

        write.Put(ItemKind.Attachment, message.Uid, new PendingAttachment(message.Uid, message.Conversation, message.Author, a.Blob, a.Key, token,
            a.Sha256, a.Size, a.Name, DateTimeOffset.FromUnixTimeMilliseconds(a.Until), message.ReceivedAt), AttachmentCodecs.Pending);
        return message with { Kind = StoredMessage.KindAttachment, Text = a.Name, File = new AttachmentInfo(a.Name, a.Size, null, null) };
    }

    /// <summary>The recipients of a message to a user or <c>#group</c>, refused early where sending would be.</summary>
    private Audience ResolveAudience(ProfileWrite write, string target)
    {
        if (target.StartsWith('#'))
        {
            var group = RequireGroup(write, target);
            RequireStanding(group, GroupStanding.Member);
            var members = MembersExceptMe(group);
            return members.Count > 0 ? new Audience(ConversationId.Group(group.Id), group.Id, members)
                : throw new MessengerException(MessengerFailure.InvalidArgument, $"nobody else is in \"{group.DisplayName}\" yet");
        }

        var user = RequireUsername(target);
        if (user == Username)
        {
            throw new MessengerException(MessengerFailure.InvalidArgument, "you cannot send a message to yourself");
        }

        if (write.Get(ItemKind.Contact, user, ProfileCodecs.Contact) is { Trust: ContactTrust.Changed })
        {
            throw MessengerException.IdentityChanged(user);
        }

        return new Audience(ConversationId.Direct(user), null, [user]);
    }

    /// <summary>Encrypts <paramref name="content"/> for a user (in the session, started if needed) or a group (under this profile's sender key) into the outbox.</summary>
    private async Task QueueToAsync(ProfileWrite write, Audience audience, MessageContent content, string uid, CancellationToken cancellationToken)
    {
        if (audience.GroupId is { } groupId)
        {
            var group = RequireGroup(write, "#" + groupId);
            RequireStanding(group, GroupStanding.Member);
            group = await QueueGroupContentAsync(write, group, content, uid, cancellationToken).ConfigureAwait(false);
            write.Put(ItemKind.Group, group.Id, group, ProfileCodecs.Group);
            return;
        }

        var user = audience.Recipients[0];
        _protocol.Write = write;
        await EnsureSessionAsync(write, user, cancellationToken).ConfigureAwait(false);
        QueueDirect(write, user, content, uid, audience.Conversation);
    }

    private static PendingAttachment FindPending(ProfileWrite write, string reference)
    {
        var id = reference.Contains('/', StringComparison.Ordinal) ? reference : null;
        var all = write.List(ItemKind.Attachment, AttachmentCodecs.Pending);
        var matches = id is not null
            ? all.Where(p => p.Uid == id).ToList()
            : reference.Length >= 4 ? all.Where(p => IdPart(p.Uid).StartsWith(reference, StringComparison.Ordinal)).ToList() : [];
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new MessengerException(MessengerFailure.NoSuchAttachment,
                $"no attachment '{reference}' waits to be saved (see 'parley attachment list')"),
            _ => throw new MessengerException(MessengerFailure.InvalidArgument, $"'{reference}' matches {matches.Count} attachments: give more of its id"),
        };
    }

    /// <summary>The sender's message id inside a uid (<c>author/id</c>): what people type to name a message.</summary>
    public static string IdPart(string uid) => uid[(uid.IndexOf('/', StringComparison.Ordinal) + 1)..];

    private static FileStream OpenForSending(string path)
    {
        try
        {
            var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan);
            if (!file.CanSeek)
            {
                file.Dispose();
                throw new MessengerException(MessengerFailure.InvalidArgument, $"'{path}' is not a regular file");
            }

            return file;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new MessengerException(MessengerFailure.InvalidArgument, $"no file '{path}'", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new MessengerException(MessengerFailure.InvalidArgument, $"'{path}' cannot be read (permission denied, or it is a folder)", e);
        }
    }

    private async Task<BlobLimitsResponse> BlobLimitsAsync(CancellationToken cancellationToken) =>
        _blobLimits ??= await _server.CallAsync((api, ct) => api.GetBlobLimitsAsync(ct), cancellationToken).ConfigureAwait(false);

    private MessengerException TooLarge(string name, long size, long largest) =>
        new(MessengerFailure.Refused, largest < 0
            ? $"{Server.Authority} takes no files"
            : $"'{name}' ({Sizes.Format(size)}) is too large: {Server.Authority} takes files of up to {Sizes.Format(largest)}");

    private async Task DeleteBlobQuietlyAsync(string blobId)
    {
        try
        {
            await _server.Api.DeleteBlobAsync(blobId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (MessagingApiException)
        {
            // it expires anyway
        }
    }

    /// <summary>What the conversation list shows of a message: never the text of one that will disappear.</summary>
    private static string Preview(StoredMessage message) =>
        message.ExpiresAt is not null ? "(disappearing message)"
        : message.Kind == StoredMessage.KindAttachment ? "📎 " + message.Text
        : message.Text;
}
