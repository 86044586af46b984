using System.Data;
using Npgsql;
using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Features.Blobs.Storage;

/// <summary>
/// PostgreSQL store, shareable by several nodes: records, token verifiers and the bytes (as chunk rows)
/// all live in the database and go with their blob (ON DELETE CASCADE). The upload is one transaction
/// holding the blob's row lock; spending a token locks the row too, so two recipients releasing the
/// last two tokens at once cannot both leave the blob behind.
/// </summary>
internal sealed class PostgresBlobStore(PostgresDatabase db) : IBlobStore
{
    private const int ChunkSize = 256 * 1024;

    public async ValueTask<bool> CreateAsync(NewBlob blob, long quota, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        if (quota > 0)
        {
            // One owner's creations run one at a time, so two cannot both fit under the quota's last bytes.
            await using var used = PostgresStatement.Create(connection, """
                SELECT pg_advisory_xact_lock(hashtextextended('parley-blobs:' || @o, 0));
                SELECT coalesce(sum(size), 0)::bigint FROM blobs WHERE owner = @o AND expires_at > @now
                """, "o", "now")
                .Bind("o", blob.Owner)
                .Bind("now", blob.CreatedAt.ToUnixTimeMilliseconds());
            await using var r = await used.ExecuteReaderAsync(cancellationToken);
            await r.NextResultAsync(cancellationToken);
            await r.ReadAsync(cancellationToken);
            if (r.GetInt64(0) + blob.Size > quota)
            {
                return false;
            }
        }

        await using (var insert = PostgresStatement.Create(connection, """
            INSERT INTO blobs (id, owner, size, created_at, expires_at) VALUES (@id, @o, @s, @c, @e);
            INSERT INTO blob_fetches (blob_id, token_hash) SELECT @id, unnest(@t);
            """, "id", "o", "s", "c", "e", "t")
            .Bind("id", blob.Id.ToByteArray())
            .Bind("o", blob.Owner)
            .Bind("s", blob.Size)
            .Bind("c", blob.CreatedAt.ToUnixTimeMilliseconds())
            .Bind("e", blob.ExpiresAt.ToUnixTimeMilliseconds())
            .Bind("t", [.. blob.FetchHashes]))
        {
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
        return true;
    }

    public async ValueTask<BlobRecord?> FindAsync(BlobId id, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection, """
            SELECT owner, size, uploaded, created_at, expires_at, (SELECT count(*) FROM blob_fetches WHERE blob_id = @id)::int
            FROM blobs WHERE id = @id
            """, "id")
            .Bind("id", id.ToByteArray());
        await using var r = await c.ExecuteReaderAsync(CommandBehavior.SingleRow, cancellationToken);
        return await r.ReadAsync(cancellationToken)
            ? new BlobRecord(id, r.GetString(0), r.GetInt64(1), r.GetBoolean(2), Time(r.GetInt64(3)), Time(r.GetInt64(4)), r.GetInt32(5))
            : null;
    }

    public async ValueTask<BlobUpload> UploadAsync(BlobId id, string owner, Stream source, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var idBytes = id.ToByteArray();
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        long size;
        await using (var c = PostgresStatement.Create(connection,
            "SELECT size, uploaded FROM blobs WHERE id = @id AND owner = @o AND expires_at > @now FOR UPDATE NOWAIT", "id", "o", "now")
            .Bind("id", idBytes)
            .Bind("o", owner)
            .Bind("now", now.ToUnixTimeMilliseconds()))
        {
            try
            {
                await using var r = await c.ExecuteReaderAsync(CommandBehavior.SingleRow, cancellationToken);
                if (!await r.ReadAsync(cancellationToken))
                {
                    return BlobUpload.NotFound;
                }

                if (r.GetBoolean(1))
                {
                    return BlobUpload.Conflict;
                }

                size = r.GetInt64(0);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.LockNotAvailable)
            {
                return BlobUpload.Conflict; // another upload of it is running
            }
        }

        var outcome = await PostgresChunks.InsertAsync(connection, tx, "INSERT INTO blob_chunks (blob_id, start_offset, data) VALUES ($1, $2, $3)",
            idBytes, source, 0, size, ChunkSize, cancellationToken);
        if (outcome != CopyOutcome.Complete)
        {
            await tx.RollbackAsync(CancellationToken.None);
            return outcome == CopyOutcome.TooLong ? BlobUpload.TooLong : BlobUpload.Truncated;
        }

        await using (var done = PostgresStatement.Create(connection, "UPDATE blobs SET uploaded = true WHERE id = @id", "id")
            .Bind("id", idBytes))
        {
            await done.ExecuteNonQueryAsync(cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
        return BlobUpload.Stored;
    }

    public async ValueTask<bool> CanFetchAsync(BlobId id, byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection, """
            SELECT count(*) FROM blob_fetches f JOIN blobs b ON b.id = f.blob_id
            WHERE f.blob_id = @id AND f.token_hash = @t AND b.uploaded AND b.expires_at > @now
            """, "id", "t", "now")
            .Bind("id", id.ToByteArray())
            .Bind("t", tokenHash)
            .Bind("now", now.ToUnixTimeMilliseconds());
        return (long)(await c.ExecuteScalarAsync(cancellationToken))! == 1;
    }

    public async ValueTask<bool> CopyAsync(BlobId id, long size, Stream destination, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection,
            "SELECT start_offset, data FROM blob_chunks WHERE blob_id = @id ORDER BY start_offset", "id")
            .Bind("id", id.ToByteArray());
        await using var r = await c.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken);
        var position = 0L;
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            while (await r.ReadAsync(cancellationToken))
            {
                if (r.GetInt64(0) != position)
                {
                    throw new IOException("The stored blob has a gap.");
                }

                await using var data = await r.GetStreamAsync(1, cancellationToken);
                int n;
                while ((n = await data.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    await destination.WriteAsync(buffer.AsMemory(0, n), cancellationToken);
                    position += n;
                }
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }

        return position == 0 ? false // deleted meanwhile
            : position == size ? true : throw new IOException("The stored blob is shorter than its record.");
    }

    public async ValueTask<BlobRelease> ReleaseAsync(BlobId id, byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection, """
            SELECT 1 FROM blobs WHERE id = @id AND uploaded AND expires_at > @now FOR UPDATE;
            DELETE FROM blob_fetches WHERE blob_id = @id AND token_hash = @t
              AND EXISTS (SELECT 1 FROM blobs WHERE id = @id AND uploaded AND expires_at > @now) RETURNING 1;
            SELECT count(*) FROM blob_fetches WHERE blob_id = @id;
            """, "id", "t", "now")
            .Bind("id", id.ToByteArray())
            .Bind("t", tokenHash)
            .Bind("now", now.ToUnixTimeMilliseconds());
        bool spent;
        long left;
        await using (var r = await c.ExecuteReaderAsync(cancellationToken))
        {
            await r.NextResultAsync(cancellationToken);
            spent = await r.ReadAsync(cancellationToken);
            await r.NextResultAsync(cancellationToken);
            await r.ReadAsync(cancellationToken);
            left = r.GetInt64(0);
        }

        if (!spent)
        {
            await tx.RollbackAsync(CancellationToken.None);
            return BlobRelease.NotFound;
        }

        if (left == 0)
        {
            await using var drop = PostgresStatement.Create(connection, "DELETE FROM blobs WHERE id = @id", "id")
                .Bind("id", id.ToByteArray());
            await drop.ExecuteNonQueryAsync(cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
        return left == 0 ? BlobRelease.Deleted : BlobRelease.Released;
    }

    public async ValueTask<bool> DeleteAsync(BlobId id, string owner, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection, "DELETE FROM blobs WHERE id = @id AND owner = @o", "id", "o")
            .Bind("id", id.ToByteArray())
            .Bind("o", owner);
        return await c.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async ValueTask<int> SweepAsync(DateTimeOffset now, DateTimeOffset uploadCutoff, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        // SKIP LOCKED spares an upload in progress (its transaction holds the row).
        await using var c = PostgresStatement.Create(connection, """
            WITH gone AS (DELETE FROM blobs WHERE id IN (
              SELECT id FROM blobs WHERE expires_at <= @now OR (NOT uploaded AND created_at <= @cut) LIMIT 1000 FOR UPDATE SKIP LOCKED)
              RETURNING 1)
            SELECT count(*) FROM gone
            """, "now", "cut")
            .Bind("now", now.ToUnixTimeMilliseconds())
            .Bind("cut", uploadCutoff.ToUnixTimeMilliseconds());
        return Convert.ToInt32(await c.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask<long> CountAsync(CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection, "SELECT count(*) FROM blobs");
        return (long)(await c.ExecuteScalarAsync(cancellationToken))!;
    }

    private static DateTimeOffset Time(long unixMilliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds);
}
