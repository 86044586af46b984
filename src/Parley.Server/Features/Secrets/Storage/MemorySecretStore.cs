using System.Collections.Concurrent;
using Parley.Server.Features.Webhooks;
using Parley.Server.Features.Webhooks.Storage;
using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Features.Secrets.Storage;

/// <summary>
/// RAM-only store: nothing touches disk, streams included. Each secret is a small object whose lock
/// makes every state change one indivisible step; the links of a secret for several recipients share
/// one <see cref="SharedStream"/> (lock order: a link, then its stream). Webhook targets are added before
/// their secret exists, and events are queued under the lock of the change they report.
/// </summary>
internal sealed class MemorySecretStore(MemoryWebhookStore webhooks) : ISecretStore
{
    private const int BlockSize = 64 * 1024;
    private readonly ConcurrentDictionary<SecretId, Entry> _secrets = new();

    public ValueTask<bool> PingAsync(CancellationToken cancellationToken) => ValueTask.FromResult(true);

    public ValueTask CreateAsync(SecretToStore secret, CancellationToken cancellationToken) => CreateBundleAsync([secret], cancellationToken);

    public ValueTask CreateBundleAsync(IReadOnlyList<SecretToStore> links, CancellationToken cancellationToken)
    {
        var stream = links[0].StreamBytes is null ? null : new SharedStream(links.Count);
        SecretId[] ids = [.. links.Select(l => l.Id)];
        var added = new List<SecretToStore>();
        foreach (var link in links)
        {
            // The target first: a secret never exists without the webhook its creator asked for.
            var targetAdded = link.WebhookTarget is not { } target || webhooks.TryAddTarget(target);
            if (!targetAdded || !_secrets.TryAdd(link.Id, new Entry(link, stream, ids)))
            {
                if (targetAdded)
                {
                    RemoveTarget(link);
                }

                foreach (var l in added)
                {
                    _secrets.TryRemove(l.Id, out _);
                    RemoveTarget(l);
                }

                throw new InvalidOperationException("Secret id collision.");
            }

            added.Add(link);
        }

        return ValueTask.CompletedTask;
    }

    private void RemoveTarget(SecretToStore link)
    {
        if (link.Webhook is not null)
        {
            webhooks.RemoveTarget(link.Id);
        }
    }

    public ValueTask<SecretRecord?> FindAsync(SecretId id, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_secrets.TryGetValue(id, out var entry) ? entry.Snapshot() : null);

    public ValueTask<IReadOnlyList<SecretRecord>> FindBundleAsync(SecretId bundle, CancellationToken cancellationToken)
    {
        IReadOnlyList<SecretRecord> links = _secrets.TryGetValue(bundle, out var first) && first.BundleId == bundle
            ? [.. first.Links.Select(id => _secrets.TryGetValue(id, out var e) ? e.Snapshot() : null).OfType<SecretRecord>()]
            : [];
        return ValueTask.FromResult(links);
    }

    public ValueTask<ClaimOutcome> TryClaimAsync(SecretId id, byte[] accessVerifier, byte[]? passphraseVerifier,
        DateTimeOffset now, DownloadGrant grant, CancellationToken cancellationToken)
    {
        if (!_secrets.TryGetValue(id, out var e))
        {
            return ValueTask.FromResult(ClaimOutcome.Refused(null, now, accessVerifier, passphraseVerifier));
        }

        lock (e)
        {
            var record = e.Snapshot();
            if (record.ClaimRefusalAt(now, accessVerifier, passphraseVerifier) is not null || e.Manifest is not { } manifest)
            {
                return ValueTask.FromResult(ClaimOutcome.Refused(record, now, accessVerifier, passphraseVerifier));
            }

            e.ViewsLeft--;
            e.OpenedAt.Add(now);
            if (e.ViewsLeft == 0)
            {
                e.Manifest = null;
            }

            if (e.StreamBytes is not null)
            {
                e.Grants.Add(grant);
            }

            webhooks.Queue(id, SubjectEvent.Opened, e.ViewsLeft, now);
            if (e.ViewsLeft == 0)
            {
                webhooks.Queue(id, SubjectEvent.Burned, 0, now);
            }

            return ValueTask.FromResult(ClaimOutcome.Claimed(new ClaimedView(manifest, e.ViewsLeft, e.StreamBytes, e.WrappedKey)));
        }
    }

    public ValueTask RecordWrongAccessAsync(SecretId id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (_secrets.TryGetValue(id, out var e))
        {
            lock (e)
            {
                if (!e.HasEnded(now))
                {
                    e.FailedAttempts++;
                    webhooks.Queue(id, SubjectEvent.FailedAttempt, e.ViewsLeft, now);
                }
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<PassphraseFailure?> RecordWrongPassphraseAsync(SecretId id, byte[] accessVerifier, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        if (!_secrets.TryGetValue(id, out var e))
        {
            return ValueTask.FromResult<PassphraseFailure?>(null);
        }

        lock (e)
        {
            if (e.HasEnded(now) || e.Passphrase is null || !SecretTokens.Matches(e.AccessVerifier, accessVerifier))
            {
                return ValueTask.FromResult<PassphraseFailure?>(null);
            }

            e.FailedAttempts++;
            e.PassphraseFailures++;
            webhooks.Queue(id, SubjectEvent.FailedAttempt, e.ViewsLeft, now);
            if (e.PassphraseFailures >= e.MaxPassphraseAttempts)
            {
                e.BurnedAt = now;
                e.DropContent();
                webhooks.Queue(id, SubjectEvent.Burned, 0, now);
            }

            return ValueTask.FromResult<PassphraseFailure?>(
                new PassphraseFailure(Math.Max(0, e.MaxPassphraseAttempts - e.PassphraseFailures), e.BurnedAt));
        }
    }

    public ValueTask<bool> DestroyAsync(SecretId id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!_secrets.TryGetValue(id, out var e))
        {
            return ValueTask.FromResult(false);
        }

        lock (e)
        {
            if (e.HasEnded(now))
            {
                return ValueTask.FromResult(false);
            }

            e.DestroyedAt = now;
            e.DropContent();
            webhooks.Queue(id, SubjectEvent.Destroyed, null, now);
            return ValueTask.FromResult(true);
        }
    }

    public async ValueTask<AppendResult> AppendStreamAsync(SecretId id, long offset, long length, Stream source,
        CancellationToken cancellationToken)
    {
        if (!_secrets.TryGetValue(id, out var e))
        {
            return new(AppendStatus.NotFound, 0);
        }

        var stream = e.Stream;
        lock (e)
        {
            if (stream is null)
            {
                return new(AppendStatus.NotUploading, 0);
            }

            lock (stream)
            {
                // Under both locks the record the rule judges cannot change before the part takes the upload.
                var record = e.Snapshot();
                if (record.AppendRefusal(offset, length, busy: stream.UploadBusy) is { } refusal)
                {
                    return new(refusal, record.StreamReceived);
                }

                stream.UploadBusy = true;
            }
        }

        // Blocks collect aside and join the stream only when the part is complete, so a failed part leaves no trace.
        var blocks = new List<byte[]>();
        try
        {
            var outcome = await StreamCopy.CopyExactAsync(source, offset, length, BlockSize, blocks,
                static (list, _, block, _) =>
                {
                    list.Add(block.ToArray());
                    return ValueTask.CompletedTask;
                }, cancellationToken);
            lock (e)
            {
                lock (stream)
                {
                    if (outcome != CopyOutcome.Complete)
                    {
                        return new(outcome == CopyOutcome.TooLong ? AppendStatus.TooLong : AppendStatus.Truncated, stream.Received);
                    }

                    if (stream.Blocks is null || !e.HoldsStream || e.DestroyedAt is not null || stream.Received != offset)
                    {
                        return new(AppendStatus.NotUploading, stream.Received);
                    }

                    stream.Blocks.AddRange(blocks);
                    stream.Received += length;
                    return new(AppendStatus.Appended, stream.Received);
                }
            }
        }
        finally
        {
            lock (stream)
            {
                stream.UploadBusy = false;
            }
        }
    }

    public async ValueTask<bool> CopyStreamAsync(SecretRecord record, long offset, long length, Stream destination,
        CancellationToken cancellationToken)
    {
        byte[][] blocks;
        if (!_secrets.TryGetValue(record.Id, out var e) || e.Stream is not { } stream)
        {
            return false;
        }

        lock (stream)
        {
            if (stream.Blocks is null)
            {
                return false;
            }

            blocks = [.. stream.Blocks];
        }

        var position = 0L;
        var end = offset + length;
        foreach (var block in blocks)
        {
            var blockEnd = position + block.Length;
            if (blockEnd > offset && position < end)
            {
                var from = (int)Math.Max(0, offset - position);
                var to = (int)Math.Min(block.Length, end - position);
                await destination.WriteAsync(block.AsMemory(from, to - from), cancellationToken);
            }

            position = blockEnd;
            if (position >= end)
            {
                break;
            }
        }

        return true;
    }

    public ValueTask<bool> HasDownloadGrantAsync(SecretId id, byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!_secrets.TryGetValue(id, out var e))
        {
            return ValueTask.FromResult(false);
        }

        lock (e)
        {
            return ValueTask.FromResult(e.Grants.Exists(g => g.ExpiresAt > now && SecretTokens.Matches(g.TokenHash, tokenHash)));
        }
    }

    public ValueTask<bool> EndDownloadGrantAsync(SecretId id, byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!_secrets.TryGetValue(id, out var e))
        {
            return ValueTask.FromResult(false);
        }

        lock (e)
        {
            var removed = e.Grants.RemoveAll(g => g.ExpiresAt > now && SecretTokens.Matches(g.TokenHash, tokenHash)) > 0;
            if (removed && e.HasEnded(now) && !e.Grants.Exists(g => g.ExpiresAt > now))
            {
                e.ReleaseStream();
            }

            return ValueTask.FromResult(removed);
        }
    }

    public ValueTask<SweepResult> SweepAsync(SweepPolicy policy, CancellationToken cancellationToken)
    {
        int abandoned = 0, contents = 0, streams = 0, grants = 0, tombstones = 0;
        var now = policy.Now;
        foreach (var (id, e) in _secrets)
        {
            lock (e)
            {
                if (e.StreamBytes is { } total && e.StreamReceived < total && e.DestroyedAt is null && !e.Stream!.UploadBusy
                    && e.CreatedAt + policy.UploadWindow <= now)
                {
                    _secrets.TryRemove(id, out _);
                    abandoned++;
                    continue;
                }

                grants += e.Grants.RemoveAll(g => g.ExpiresAt <= now);
                if (e.ExpiresAt + policy.TombstoneRetention <= now && e.Grants.Count == 0)
                {
                    _secrets.TryRemove(id, out _);
                    tombstones++;
                    continue;
                }

                if (e.Manifest is not null && e.HasEnded(now))
                {
                    e.Manifest = null;
                    contents++;
                }

                if (e.HoldsStream && e.HasEnded(now) && e.Grants.Count == 0)
                {
                    e.ReleaseStream();
                    streams++;
                }
            }
        }

        return ValueTask.FromResult(new SweepResult(abandoned, contents, streams, grants, tombstones));
    }

    public ValueTask<long> CountAsync(CancellationToken cancellationToken) => ValueTask.FromResult((long)_secrets.Count);

    /// <summary>The file stream of a secret, shared by the links of a bundle; the last link to let go drops the bytes.</summary>
    private sealed class SharedStream(int holders)
    {
        public List<byte[]>? Blocks { get; set; } = [];
        public long Received { get; set; }
        public bool UploadBusy { get; set; }
        public int Holders { get; set; } = holders;
    }

    private sealed class Entry(SecretToStore s, SharedStream? stream, SecretId[] links)
    {
        public SecretId Id { get; } = s.Id;
        public byte[] ManageHash { get; } = s.ManageHash;
        public byte[] AccessVerifier { get; } = s.AccessVerifier;
        public PassphraseRecord? Passphrase { get; } = s.Passphrase;
        public int ManifestBytes { get; } = s.Manifest.Length;
        public byte[]? Manifest { get; set; } = s.Manifest;
        public long? StreamBytes { get; } = s.StreamBytes;
        public SharedStream? Stream { get; } = stream;
        public bool HoldsStream { get; private set; } = stream is not null;
        public SecretId BundleId { get; } = s.BundleId;
        public SecretId[] Links { get; } = links;
        public int Position { get; } = s.Position;
        public string? Label { get; } = s.Label;
        public byte[]? WrappedKey { get; } = s.WrappedKey;

        public long StreamReceived
        {
            get
            {
                if (Stream is null)
                {
                    return 0;
                }

                lock (Stream)
                {
                    return Stream.Received;
                }
            }
        }
        public DateTimeOffset CreatedAt { get; } = s.CreatedAt;
        public DateTimeOffset ExpiresAt { get; } = s.ExpiresAt;
        public int MaxViews { get; } = s.MaxViews;
        public int ViewsLeft { get; set; } = s.MaxViews;
        public List<DateTimeOffset> OpenedAt { get; } = [];
        public int FailedAttempts { get; set; }
        public int PassphraseFailures { get; set; }
        public int MaxPassphraseAttempts { get; } = s.MaxPassphraseAttempts;
        public DateTimeOffset? DestroyedAt { get; set; }
        public DateTimeOffset? BurnedAt { get; set; }
        public List<DownloadGrant> Grants { get; } = [];

        public bool HasEnded(DateTimeOffset now) => !SecretRecord.IsLive(DestroyedAt, BurnedAt, ViewsLeft, ExpiresAt, now);

        public void DropContent()
        {
            Manifest = null;
            ReleaseStream();
            Grants.Clear();
        }

        /// <summary>Lets go of the stream; the last link of the bundle to let go drops its bytes. Called under this entry's lock.</summary>
        public void ReleaseStream()
        {
            if (!HoldsStream)
            {
                return;
            }

            HoldsStream = false;
            lock (Stream!)
            {
                if (--Stream.Holders == 0)
                {
                    Stream.Blocks = null;
                }
            }
        }

        public SecretRecord Snapshot()
        {
            lock (this)
            {
                return new SecretRecord(Id, ManageHash, AccessVerifier, Passphrase, ManifestBytes, StreamBytes, StreamReceived,
                    HoldsStream, CreatedAt, ExpiresAt, MaxViews, ViewsLeft, [.. OpenedAt], FailedAttempts,
                    PassphraseFailures, MaxPassphraseAttempts, DestroyedAt, BurnedAt, BundleId, Position, Label, WrappedKey);
            }
        }
    }
}
