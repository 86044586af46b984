using System.Collections.Concurrent;
using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Features.Blobs.Storage;

/// <summary>
/// SQLite store: records and token verifiers in the shared database file, the bytes as one file per
/// blob under <c>{data}/blobs</c>, written as they arrive into a hidden part file that takes the blob's
/// name once complete. A deleted blob's file goes inside the write that deletes its record, so no
/// crash leaves bytes without a record.
/// </summary>
internal sealed class SqliteBlobStore : IBlobStore
{
    private const int BlockSize = 64 * 1024;
    private readonly SqliteDatabase _db;
    private readonly string _directory;
    private readonly ConcurrentDictionary<BlobId, byte> _uploading = new();

    public SqliteBlobStore(SqliteDatabase db)
    {
        _db = db;
        _directory = Path.Combine(db.DataDirectory, "blobs");
        Directory.CreateDirectory(_directory);
    }

    public async ValueTask<bool> CreateAsync(NewBlob blob, long quota, CancellationToken cancellationToken) =>
        await _db.WriteBatchedAsync((blob, quota), static (s, a) =>
        {
            var (b, quota) = a;
            if (quota > 0)
            {
                var used = s.Statement("SELECT coalesce(sum(size), 0) FROM blobs WHERE owner = $o AND expires_at > $now", "$o", "$now")
                    .Bind("$o", b.Owner)
                    .Bind("$now", b.CreatedAt.ToUnixTimeMilliseconds());
                if ((long)used.ExecuteScalar()! + b.Size > quota)
                {
                    return false;
                }
            }

            var id = b.Id.ToByteArray();
            var insert = s.Statement("INSERT INTO blobs (id, owner, size, created_at, expires_at) VALUES ($id, $o, $s, $c, $e)",
                "$id", "$o", "$s", "$c", "$e")
                .Bind("$id", id)
                .Bind("$o", b.Owner)
                .Bind("$s", b.Size)
                .Bind("$c", b.CreatedAt.ToUnixTimeMilliseconds())
                .Bind("$e", b.ExpiresAt.ToUnixTimeMilliseconds());
            insert.ExecuteNonQuery();
            foreach (var hash in b.FetchHashes)
            {
                s.Statement("INSERT INTO blob_fetches (blob_id, token_hash) VALUES ($id, $t)", "$id", "$t")
                    .Bind("$id", id)
                    .Bind("$t", hash)
                    .ExecuteNonQuery();
            }

            return true;
        }, cancellationToken);

    public async ValueTask<BlobRecord?> FindAsync(BlobId id, CancellationToken cancellationToken) =>
        await _db.ReadAsync(id, static (s, id) =>
        {
            var c = s.Statement("""
                SELECT owner, size, uploaded, created_at, expires_at, (SELECT count(*) FROM blob_fetches WHERE blob_id = $id)
                FROM blobs WHERE id = $id
                """, "$id")
                .Bind("$id", id.ToByteArray());
            using var r = c.ExecuteReader();
            return r.Read()
                ? new BlobRecord(id, r.GetString(0), r.GetInt64(1), r.GetInt64(2) != 0, Time(r.GetInt64(3)), Time(r.GetInt64(4)), r.GetInt32(5))
                : null;
        }, cancellationToken);

    public async ValueTask<BlobUpload> UploadAsync(BlobId id, string owner, Stream source, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var record = await FindAsync(id, cancellationToken);
        if (record is null || record.Owner != owner || record.ExpiresAt <= now)
        {
            return BlobUpload.NotFound;
        }

        if (record.Uploaded || !_uploading.TryAdd(id, 0))
        {
            return BlobUpload.Conflict;
        }

        var part = PathOf(id) + ".part";
        var stored = false;
        try
        {
            await using (var file = new FileStream(part, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous))
            {
                var outcome = await StreamCopy.CopyExactAsync(source, 0, record.Size, BlockSize, file,
                    static (f, position, block, ct) => RandomAccess.WriteAsync(f.SafeFileHandle, block, position, ct), cancellationToken);
                if (outcome != CopyOutcome.Complete)
                {
                    return outcome == CopyOutcome.TooLong ? BlobUpload.TooLong : BlobUpload.Truncated;
                }

                file.Flush(flushToDisk: true);
            }

            // The bytes take the blob's name in the same write that marks it uploaded: a blob deleted meanwhile stays deleted.
            stored = await _db.WriteBatchedAsync((id, part, path: PathOf(id)), static (s, a) =>
            {
                var c = s.Statement("UPDATE blobs SET uploaded = 1 WHERE id = $id AND uploaded = 0", "$id")
                    .Bind("$id", a.id.ToByteArray());
                if (c.ExecuteNonQuery() != 1)
                {
                    return false;
                }

                // A rerun of the batch (the first run was rolled back) finds the part file already moved.
                if (File.Exists(a.part))
                {
                    File.Move(a.part, a.path, overwrite: true);
                }

                return true;
            }, cancellationToken);
            if (stored)
            {
                DirectorySync.Sync(_directory); // the rename, before the uploader hears the blob is stored
            }

            return stored ? BlobUpload.Stored : BlobUpload.NotFound;
        }
        finally
        {
            if (!stored)
            {
                File.Delete(part);
            }

            _uploading.TryRemove(id, out _);
        }
    }

    public async ValueTask<bool> CanFetchAsync(BlobId id, byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken) =>
        await _db.ReadAsync((id, tokenHash, now), static (s, a) =>
        {
            var c = s.Statement("""
                SELECT count(*) FROM blob_fetches f JOIN blobs b ON b.id = f.blob_id
                WHERE f.blob_id = $id AND f.token_hash = $t AND b.uploaded = 1 AND b.expires_at > $now
                """, "$id", "$t", "$now")
                .Bind("$id", a.id.ToByteArray())
                .Bind("$t", a.tokenHash)
                .Bind("$now", a.now.ToUnixTimeMilliseconds());
            return (long)c.ExecuteScalar()! == 1;
        }, cancellationToken);

    public ValueTask<bool> CopyAsync(BlobId id, long size, Stream destination, CancellationToken cancellationToken) =>
        StreamCopy.CopyFileRangeAsync(PathOf(id), 0, size, destination, BlockSize, cancellationToken);

    public async ValueTask<BlobRelease> ReleaseAsync(BlobId id, byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken) =>
        await _db.WriteBatchedAsync((id, tokenHash, now, path: PathOf(id)), static (s, a) =>
        {
            var idBytes = a.id.ToByteArray();
            var spend = s.Statement("""
                DELETE FROM blob_fetches WHERE blob_id = $id AND token_hash = $t
                  AND EXISTS (SELECT 1 FROM blobs WHERE id = $id AND uploaded = 1 AND expires_at > $now)
                """, "$id", "$t", "$now")
                .Bind("$id", idBytes)
                .Bind("$t", a.tokenHash)
                .Bind("$now", a.now.ToUnixTimeMilliseconds());
            if (spend.ExecuteNonQuery() == 0)
            {
                return BlobRelease.NotFound;
            }

            var left = s.Statement("SELECT count(*) FROM blob_fetches WHERE blob_id = $id", "$id")
                .Bind("$id", idBytes);
            if ((long)left.ExecuteScalar()! > 0)
            {
                return BlobRelease.Released;
            }

            DeleteRecord(s, idBytes, a.path);
            return BlobRelease.Deleted;
        }, cancellationToken);

    public async ValueTask<bool> DeleteAsync(BlobId id, string owner, CancellationToken cancellationToken) =>
        await _db.WriteBatchedAsync((id, owner, path: PathOf(id)), static (s, a) =>
        {
            var idBytes = a.id.ToByteArray();
            var c = s.Statement("SELECT count(*) FROM blobs WHERE id = $id AND owner = $o", "$id", "$o")
                .Bind("$id", idBytes)
                .Bind("$o", a.owner);
            if ((long)c.ExecuteScalar()! == 0)
            {
                return false;
            }

            DeleteRecord(s, idBytes, a.path);
            return true;
        }, cancellationToken);

    public async ValueTask<int> SweepAsync(DateTimeOffset now, DateTimeOffset uploadCutoff, CancellationToken cancellationToken)
    {
        var due = await _db.ReadAsync((now, uploadCutoff), static (s, a) =>
        {
            var c = s.Statement("SELECT id FROM blobs WHERE expires_at <= $now OR (uploaded = 0 AND created_at <= $cut) LIMIT 1000", "$now", "$cut")
                .Bind("$now", a.now.ToUnixTimeMilliseconds())
                .Bind("$cut", a.uploadCutoff.ToUnixTimeMilliseconds());
            var ids = new List<BlobId>();
            using var r = c.ExecuteReader();
            while (r.Read())
            {
                ids.Add(BlobId.FromBytes((byte[])r.GetValue(0)));
            }

            return ids;
        }, cancellationToken);

        var deleted = 0;
        foreach (var id in due.Where(id => !_uploading.ContainsKey(id))) // the upload running right now finishes first
        {
            deleted += await _db.WriteBatchedAsync((id, path: PathOf(id)), static (s, a) =>
            {
                DeleteRecord(s, a.id.ToByteArray(), a.path);
                return 1;
            }, cancellationToken);
        }

        return deleted;
    }

    public async ValueTask<long> CountAsync(CancellationToken cancellationToken) =>
        await _db.ReadAsync(0, static (s, _) => (long)s.Statement("SELECT count(*) FROM blobs").ExecuteScalar()!, cancellationToken);

    /// <summary>The file first: if the transaction then fails, the record points at nothing (a fetch finds no bytes) until the sweeper deletes it.</summary>
    private static void DeleteRecord(SqliteSession s, byte[] id, string path)
    {
        File.Delete(path);
        var c = s.Statement("DELETE FROM blobs WHERE id = $id", "$id")
            .Bind("$id", id);
        c.ExecuteNonQuery();
    }

    private string PathOf(BlobId id) => Path.Combine(_directory, id.ToHex());

    private static DateTimeOffset Time(long unixMilliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds);
}
