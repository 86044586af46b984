using System.Collections.Concurrent;
using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Features.Blobs.Storage;

/// <summary>
/// RAM-only store: nothing touches disk, the bytes included (as blocks of 64 KiB). Each blob is a small
/// object whose lock makes every state change one indivisible step; creating under the quota takes the
/// store's lock.
/// </summary>
internal sealed class MemoryBlobStore : IBlobStore
{
    private const int BlockSize = 64 * 1024;
    private readonly ConcurrentDictionary<BlobId, Entry> _blobs = new();
    private readonly Lock _create = new();

    public ValueTask<bool> CreateAsync(NewBlob blob, long quota, CancellationToken cancellationToken)
    {
        lock (_create)
        {
            if (quota > 0)
            {
                var used = _blobs.Values.Where(e => e.Owner == blob.Owner && e.ExpiresAt > blob.CreatedAt).Sum(e => e.Size);
                if (used + blob.Size > quota)
                {
                    return ValueTask.FromResult(false);
                }
            }

            if (!_blobs.TryAdd(blob.Id, new Entry(blob)))
            {
                throw new InvalidOperationException("Blob id collision.");
            }
        }

        return ValueTask.FromResult(true);
    }

    public ValueTask<BlobRecord?> FindAsync(BlobId id, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_blobs.TryGetValue(id, out var e) ? e.Snapshot() : null);

    public async ValueTask<BlobUpload> UploadAsync(BlobId id, string owner, Stream source, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!_blobs.TryGetValue(id, out var e) || e.Owner != owner || e.ExpiresAt <= now)
        {
            return BlobUpload.NotFound;
        }

        lock (e)
        {
            if (e.Blocks is not null || e.Uploading)
            {
                return BlobUpload.Conflict;
            }

            e.Uploading = true;
        }

        try
        {
            var blocks = new List<byte[]>();
            var outcome = await StreamCopy.CopyExactAsync(source, 0, e.Size, BlockSize, blocks,
                static (list, _, block, _) =>
                {
                    list.Add(block.ToArray());
                    return ValueTask.CompletedTask;
                }, cancellationToken);
            if (outcome != CopyOutcome.Complete)
            {
                return outcome == CopyOutcome.TooLong ? BlobUpload.TooLong : BlobUpload.Truncated;
            }

            lock (e)
            {
                if (!_blobs.ContainsKey(id))
                {
                    return BlobUpload.NotFound; // deleted meanwhile
                }

                e.Blocks = blocks;
                return BlobUpload.Stored;
            }
        }
        finally
        {
            lock (e)
            {
                e.Uploading = false;
            }
        }
    }

    public ValueTask<bool> CanFetchAsync(BlobId id, byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!_blobs.TryGetValue(id, out var e))
        {
            return ValueTask.FromResult(false);
        }

        lock (e)
        {
            return ValueTask.FromResult(e.Blocks is not null && e.ExpiresAt > now && e.Tokens.Contains(Convert.ToHexString(tokenHash)));
        }
    }

    public async ValueTask<bool> CopyAsync(BlobId id, long size, Stream destination, CancellationToken cancellationToken)
    {
        List<byte[]>? blocks = null;
        if (_blobs.TryGetValue(id, out var e))
        {
            lock (e)
            {
                blocks = e.Blocks;
            }
        }

        if (blocks is null)
        {
            return false;
        }

        foreach (var block in blocks)
        {
            await destination.WriteAsync(block, cancellationToken);
        }

        return true;
    }

    public ValueTask<BlobRelease> ReleaseAsync(BlobId id, byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!_blobs.TryGetValue(id, out var e))
        {
            return ValueTask.FromResult(BlobRelease.NotFound);
        }

        lock (e)
        {
            if (e.Blocks is null || e.ExpiresAt <= now || !e.Tokens.Remove(Convert.ToHexString(tokenHash)))
            {
                return ValueTask.FromResult(BlobRelease.NotFound);
            }

            if (e.Tokens.Count > 0)
            {
                return ValueTask.FromResult(BlobRelease.Released);
            }

            Drop(id, e);
            return ValueTask.FromResult(BlobRelease.Deleted);
        }
    }

    public ValueTask<bool> DeleteAsync(BlobId id, string owner, CancellationToken cancellationToken)
    {
        if (!_blobs.TryGetValue(id, out var e) || e.Owner != owner)
        {
            return ValueTask.FromResult(false);
        }

        lock (e)
        {
            Drop(id, e);
        }

        return ValueTask.FromResult(true);
    }

    public ValueTask<int> SweepAsync(DateTimeOffset now, DateTimeOffset uploadCutoff, CancellationToken cancellationToken)
    {
        var deleted = 0;
        foreach (var (id, e) in _blobs)
        {
            lock (e)
            {
                if (!e.Uploading && (e.ExpiresAt <= now || (e.Blocks is null && e.CreatedAt <= uploadCutoff)))
                {
                    Drop(id, e);
                    deleted++;
                }
            }
        }

        return ValueTask.FromResult(deleted);
    }

    public ValueTask<long> CountAsync(CancellationToken cancellationToken) => ValueTask.FromResult((long)_blobs.Count);

    private void Drop(BlobId id, Entry e)
    {
        _blobs.TryRemove(id, out _);
        e.Blocks = null;
        e.Tokens.Clear();
    }

    private sealed class Entry(NewBlob b)
    {
        public string Owner { get; } = b.Owner;

        public long Size { get; } = b.Size;

        public DateTimeOffset CreatedAt { get; } = b.CreatedAt;

        public DateTimeOffset ExpiresAt { get; } = b.ExpiresAt;

        public HashSet<string> Tokens { get; } = [.. b.FetchHashes.Select(Convert.ToHexString)];

        public List<byte[]>? Blocks { get; set; }

        public bool Uploading { get; set; }

        public BlobRecord Snapshot()
        {
            lock (this)
            {
                return new BlobRecord(new BlobId(b.Id.Text), Owner, Size, Blocks is not null, CreatedAt, ExpiresAt, Tokens.Count);
            }
        }
    }
}
