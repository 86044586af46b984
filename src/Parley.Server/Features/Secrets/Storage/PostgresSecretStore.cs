using System.Data;
using Npgsql;
using Parley.Server.Features.Webhooks;
using Parley.Server.Features.Webhooks.Storage;
using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Features.Secrets.Storage;

/// <summary>
/// PostgreSQL store, shareable by several nodes: records, download grants and the file streams
/// (as chunk rows, keyed by bundle id so that the links of a secret for several recipients share
/// them) all live in the database and are deleted with their secret. Each racing change is one
/// statement: the claim is an <c>UPDATE … RETURNING</c> that also records the download grant. A secret's
/// webhook target, and the events of its state changes, are written by the statement of the create or
/// change (<see cref="PostgresWebhookWrites"/>).
/// </summary>
internal sealed class PostgresSecretStore(PostgresDatabase db, PostgresWebhookWrites webhooks) : ISecretStore
{
    private const int ChunkSize = 256 * 1024;

    /// <summary>The liveness rule (<see cref="SecretRecord.IsLive"/>) on the row aliased <c>s</c>, at <c>@now</c>.</summary>
    private static readonly string Live = SecretRecord.LiveSql("s.", "@now");

    /// <summary>The same rule on alias <c>x</c>, at <c>@a</c> (the sweep's statements).</summary>
    private static readonly string LiveAtA = SecretRecord.LiveSql("x.", "@a");

    private const string Columns = """
        manage_hash, access_verifier, pp_salt, pp_iterations, pp_verifier, manifest_bytes, stream_bytes, stream_received,
        stream_stored, created_at, expires_at, max_views, views_left, opened_at, failed_attempts, pp_failures,
        max_pp_attempts, destroyed_at, burned_at, bundle_id, bundle_position, label, wrapped_key, id
        """;

    /// <summary>
    /// Deletes the chunks of the bundles of the records in CTE <c>released</c> (columns id, bundle_id)
    /// that no other link still holds. Two links of one bundle letting go in concurrent statements can
    /// each still see the other; the sweeper's orphan step deletes what they both left.
    /// </summary>
    private const string DeleteUnheldChunks = """
        chunks AS (DELETE FROM secret_stream_chunks k USING released d WHERE k.secret_id = d.bundle_id
          AND NOT EXISTS (SELECT 1 FROM secrets o WHERE o.bundle_id = d.bundle_id AND o.stream_stored
                          AND o.id NOT IN (SELECT id FROM released)))
        """;

    public async ValueTask<bool> PingAsync(CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection, "SELECT 1");
        return await c.ExecuteScalarAsync(cancellationToken) is 1;
    }

    public async ValueTask CreateAsync(SecretToStore n, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await InsertAsync(connection, n, cancellationToken);
    }

    public async ValueTask CreateBundleAsync(IReadOnlyList<SecretToStore> links, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var link in links)
        {
            await InsertAsync(connection, link, cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
    }

    private const string Insert = """
        INSERT INTO secrets (id, manage_hash, access_verifier, pp_salt, pp_iterations, pp_verifier, manifest,
          manifest_bytes, stream_bytes, stream_stored, created_at, expires_at, max_views, views_left, max_pp_attempts,
          bundle_id, bundle_position, label, wrapped_key)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14, $15, $16, $17, $18)
        """;

    /// <summary>The insert and, in the same statement, the secret's webhook target (URL <c>$19</c>, key <c>$20</c>).</summary>
    private static readonly string InsertWithWebhook = $"""
        WITH created AS ({Insert} RETURNING id, expires_at)
        INSERT INTO webhook_targets ({WebhooksSchema.TargetColumns})
        SELECT id, {(int)WebhookSubject.Secret}, id, $19, $20, expires_at FROM created
        """;

    /// <summary>Inserts one record, and its webhook target if it has one (inside the connection's transaction, if one is open).</summary>
    private static async Task InsertAsync(NpgsqlConnection connection, SecretToStore n, CancellationToken cancellationToken)
    {
        await using var c = PostgresStatement.Positional(connection, n.Webhook is null ? Insert : InsertWithWebhook, n.Webhook is null ? 18 : 20)
            .Bind(0, n.Id.ToByteArray())
            .Bind(1, n.ManageHash)
            .Bind(2, n.AccessVerifier)
            .Bind(3, n.Passphrase?.Salt)
            .Bind(4, n.Passphrase?.Iterations)
            .Bind(5, n.Passphrase?.Verifier)
            .Bind(6, n.Manifest)
            .Bind(7, n.Manifest.Length)
            .Bind(8, n.StreamBytes)
            .Bind(9, n.StreamBytes is not null)
            .Bind(10, n.CreatedAt.ToUnixTimeMilliseconds())
            .Bind(11, n.ExpiresAt.ToUnixTimeMilliseconds())
            .Bind(12, n.MaxViews)
            .Bind(13, n.MaxPassphraseAttempts)
            .Bind(14, n.BundleId.ToByteArray())
            .Bind(15, n.Position)
            .Bind(16, n.Label)
            .Bind(17, n.WrappedKey);
        if (n.Webhook is { } webhook)
        {
            c.Bind(18, webhook.Url).Bind(19, webhook.SigningKey);
        }

        await c.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask<SecretRecord?> FindAsync(SecretId id, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        return await FindAsync(connection, id, "", cancellationToken);
    }

    /// <summary>The record on this connection (in its transaction, if one is open); <paramref name="locking"/> follows the query.</summary>
    private static async Task<SecretRecord?> FindAsync(NpgsqlConnection connection, SecretId id, string locking, CancellationToken cancellationToken)
    {
        await using var c = PostgresStatement.Positional(connection, $"SELECT {Columns} FROM secrets WHERE id = $1 {locking}", 1)
            .Bind(0, id.ToByteArray());
        await using var r = await c.ExecuteReaderAsync(CommandBehavior.SingleRow, cancellationToken);
        return await r.ReadAsync(cancellationToken) ? Read(r) : null;
    }

    public async ValueTask<IReadOnlyList<SecretRecord>> FindBundleAsync(SecretId bundle, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Positional(connection, $"SELECT {Columns} FROM secrets WHERE bundle_id = $1 ORDER BY bundle_position", 1)
            .Bind(0, bundle.ToByteArray());
        await using var r = await c.ExecuteReaderAsync(cancellationToken);
        var links = new List<SecretRecord>();
        while (await r.ReadAsync(cancellationToken))
        {
            links.Add(Read(r));
        }

        return links;
    }

    private static SecretRecord Read(NpgsqlDataReader r)
    {
        var passphrase = r.IsDBNull(2) ? null
            : new PassphraseRecord(r.GetFieldValue<byte[]>(2), r.GetInt32(3), r.GetFieldValue<byte[]>(4));
        return new SecretRecord(SecretId.FromBytes(r.GetFieldValue<byte[]>(23)), r.GetFieldValue<byte[]>(0), r.GetFieldValue<byte[]>(1),
            passphrase, r.GetInt32(5),
            r.IsDBNull(6) ? null : r.GetInt64(6), r.GetInt64(7), r.GetBoolean(8), Time(r.GetInt64(9)), Time(r.GetInt64(10)),
            r.GetInt32(11), r.GetInt32(12), [.. r.GetFieldValue<long[]>(13).Select(Time)], r.GetInt32(14), r.GetInt32(15),
            r.GetInt32(16), r.IsDBNull(17) ? null : Time(r.GetInt64(17)), r.IsDBNull(18) ? null : Time(r.GetInt64(18)),
            SecretId.FromBytes(r.GetFieldValue<byte[]>(19)), r.GetInt32(20), r.IsDBNull(21) ? null : r.GetString(21),
            r.IsDBNull(22) ? null : r.GetFieldValue<byte[]>(22));
    }

    /// <summary>The claim's one statement (see <see cref="TryClaimAsync"/>).</summary>
    private static readonly string ClaimSql = $"""
        WITH claimed AS (
          UPDATE secrets s SET views_left = s.views_left - 1, opened_at = array_append(s.opened_at, @now),
            manifest = CASE WHEN s.views_left = 1 THEN NULL ELSE s.manifest END
          FROM (SELECT id, manifest FROM secrets WHERE id = @id) old
          WHERE s.id = old.id AND s.access_verifier = @av AND (s.pp_verifier IS NULL OR s.pp_verifier = @pv)
            AND {Live} AND s.manifest IS NOT NULL AND (s.stream_bytes IS NULL OR s.stream_received = s.stream_bytes)
          RETURNING old.manifest, s.views_left, s.stream_bytes, s.id, s.wrapped_key),
        granted AS (
          INSERT INTO secret_downloads (token_hash, secret_id, expires_at)
          SELECT @token, id, @grant_expires FROM claimed WHERE stream_bytes IS NOT NULL),
        {PostgresWebhookWrites.Queue("opened", SubjectEvent.Opened, "claimed", "opened_id", viewsLeft: "c.views_left")},
        {PostgresWebhookWrites.Queue("burned", SubjectEvent.Burned, "claimed", "burned_id", viewsLeft: "0", when: "c.views_left = 0")}
        SELECT manifest, views_left, stream_bytes, wrapped_key, {PostgresWebhookWrites.CountOf("opened", "burned")} FROM claimed
        """;

    public async ValueTask<ClaimOutcome> TryClaimAsync(SecretId id, byte[] accessVerifier, byte[]? passphraseVerifier,
        DateTimeOffset now, DownloadGrant grant, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        // One statement: the UPDATE claims the view (re-checked on the newest row version when it races),
        // the self-join hands back the manifest the UPDATE clears on the last view, and the other CTEs
        // record the download grant and queue the webhook events only when a view was claimed. Its condition
        // is SecretRecord.ClaimRefusalAt's "no refusal"; when it claims nothing, the rule judges the record as
        // read right after.
        await using var c = PostgresStatement.Create(connection, ClaimSql, "id", "av", "pv", "now", "token", "grant_expires", "opened_id", "burned_id")
            .Bind("id", id.ToByteArray())
            .Bind("av", accessVerifier)
            .Bind("pv", passphraseVerifier)
            .Bind("now", now.ToUnixTimeMilliseconds())
            .Bind("token", grant.TokenHash)
            .Bind("grant_expires", grant.ExpiresAt.ToUnixTimeMilliseconds())
            .Bind("opened_id", WebhookPayload.NewMessageId())
            .Bind("burned_id", WebhookPayload.NewMessageId());
        await using (var r = await c.ExecuteReaderAsync(cancellationToken))
        {
            if (await r.ReadAsync(cancellationToken))
            {
                var view = new ClaimedView(r.GetFieldValue<byte[]>(0), r.GetInt32(1), r.IsDBNull(2) ? null : r.GetInt64(2),
                    r.IsDBNull(3) ? null : r.GetFieldValue<byte[]>(3));
                webhooks.Queued(r.GetInt64(4));
                return ClaimOutcome.Claimed(view);
            }
        }

        return ClaimOutcome.Refused(await FindAsync(connection, id, "", cancellationToken), now, accessVerifier, passphraseVerifier);
    }

    /// <summary>Counts a wrong access key and queues its event, in one statement.</summary>
    private static readonly string WrongAccessSql = $"""
        WITH counted AS (
          UPDATE secrets s SET failed_attempts = s.failed_attempts + 1 WHERE s.id = @id AND {Live} RETURNING s.id, s.views_left),
        {PostgresWebhookWrites.Queue("failed", SubjectEvent.FailedAttempt, "counted", "failed_id", viewsLeft: "c.views_left")}
        SELECT {PostgresWebhookWrites.CountOf("failed")}
        """;

    public async ValueTask RecordWrongAccessAsync(SecretId id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection, WrongAccessSql, "id", "now", "failed_id")
            .Bind("id", id.ToByteArray())
            .Bind("now", now.ToUnixTimeMilliseconds())
            .Bind("failed_id", WebhookPayload.NewMessageId());
        webhooks.Queued((long)(await c.ExecuteScalarAsync(cancellationToken))!);
    }

    /// <summary>Counts a wrong passphrase (see <see cref="RecordWrongPassphraseAsync"/>), in one statement.</summary>
    private static readonly string WrongPassphraseSql = $"""
        WITH failed AS (
          UPDATE secrets s SET failed_attempts = s.failed_attempts + 1, pp_failures = s.pp_failures + 1,
            burned_at = CASE WHEN s.pp_failures + 1 >= s.max_pp_attempts THEN @now END,
            manifest = CASE WHEN s.pp_failures + 1 >= s.max_pp_attempts THEN NULL ELSE s.manifest END,
            stream_stored = CASE WHEN s.pp_failures + 1 >= s.max_pp_attempts THEN false ELSE s.stream_stored END
          WHERE s.id = @id AND s.access_verifier = @av AND s.pp_verifier IS NOT NULL AND {Live}
          RETURNING s.id, s.bundle_id, s.max_pp_attempts - s.pp_failures AS attempts_left, s.burned_at, s.views_left),
        released AS (SELECT id, bundle_id FROM failed WHERE burned_at IS NOT NULL),
        {DeleteUnheldChunks},
        grants AS (DELETE FROM secret_downloads d USING released f WHERE d.secret_id = f.id),
        {PostgresWebhookWrites.Queue("told_failed", SubjectEvent.FailedAttempt, "failed", "failed_id", viewsLeft: "c.views_left")},
        {PostgresWebhookWrites.Queue("told_burned", SubjectEvent.Burned, "failed", "burned_id", viewsLeft: "0", when: "c.burned_at IS NOT NULL")}
        SELECT attempts_left, burned_at, {PostgresWebhookWrites.CountOf("told_failed", "told_burned")} FROM failed
        """;

    public async ValueTask<PassphraseFailure?> RecordWrongPassphraseAsync(SecretId id, byte[] accessVerifier, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        // One statement: count, burn on the last allowed attempt, drop the burned secret's stream and grants, and
        // queue the webhook events.
        await using var c = PostgresStatement.Create(connection, WrongPassphraseSql, "id", "av", "now", "failed_id", "burned_id")
            .Bind("id", id.ToByteArray())
            .Bind("av", accessVerifier)
            .Bind("now", now.ToUnixTimeMilliseconds())
            .Bind("failed_id", WebhookPayload.NewMessageId())
            .Bind("burned_id", WebhookPayload.NewMessageId());
        await using var r = await c.ExecuteReaderAsync(cancellationToken);
        if (!await r.ReadAsync(cancellationToken))
        {
            return null;
        }

        webhooks.Queued(r.GetInt64(2));
        return new PassphraseFailure(Math.Max(0, r.GetInt32(0)), r.IsDBNull(1) ? null : Time(r.GetInt64(1)));
    }

    /// <summary>Destroys a live secret, lets go of its stream and grants, and queues its event, in one statement.</summary>
    private static readonly string DestroySql = $"""
        WITH released AS (
          UPDATE secrets s SET destroyed_at = @now, manifest = NULL, stream_stored = false
          WHERE s.id = @id AND {Live} RETURNING s.id, s.bundle_id),
        {DeleteUnheldChunks},
        grants AS (DELETE FROM secret_downloads g USING released d WHERE g.secret_id = d.id),
        {PostgresWebhookWrites.Queue("destroyed", SubjectEvent.Destroyed, "released", "destroyed_id")}
        SELECT count(*), {PostgresWebhookWrites.CountOf("destroyed")} FROM released
        """;

    public async ValueTask<bool> DestroyAsync(SecretId id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection, DestroySql, "id", "now", "destroyed_id")
            .Bind("id", id.ToByteArray())
            .Bind("now", now.ToUnixTimeMilliseconds())
            .Bind("destroyed_id", WebhookPayload.NewMessageId());
        await using var r = await c.ExecuteReaderAsync(cancellationToken);
        await r.ReadAsync(cancellationToken);
        webhooks.Queued(r.GetInt64(1));
        return r.GetInt64(0) == 1;
    }

    public async ValueTask<AppendResult> AppendStreamAsync(SecretId id, long offset, long length, Stream source,
        CancellationToken cancellationToken)
    {
        var idBytes = id.ToByteArray();
        await using var connection = await db.OpenAsync(cancellationToken);
        // The part is one transaction holding the secret's row lock: a failed part leaves nothing, and a
        // second part racing for the same secret (on any node) finds the row locked at once (busy).
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        SecretRecord? record;
        var busy = false;
        try
        {
            record = await FindAsync(connection, id, "FOR UPDATE NOWAIT", cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            // Busy does not win by itself: the rule also weighs the record, read as last committed.
            await tx.RollbackAsync(CancellationToken.None);
            busy = true;
            record = await FindAsync(connection, id, "", cancellationToken);
        }

        if (record is null)
        {
            return new(AppendStatus.NotFound, 0);
        }

        if (record.AppendRefusal(offset, length, busy) is { } refusal)
        {
            return new(refusal, record.StreamReceived);
        }

        var outcome = await PostgresChunks.InsertAsync(connection, tx,
            "INSERT INTO secret_stream_chunks (secret_id, start_offset, data) VALUES ($1, $2, $3)", idBytes, source, offset, length, ChunkSize,
            cancellationToken);
        if (outcome != CopyOutcome.Complete)
        {
            await tx.RollbackAsync(CancellationToken.None);
            return new(outcome == CopyOutcome.TooLong ? AppendStatus.TooLong : AppendStatus.Truncated, offset);
        }

        // For a bundle, id is the bundle id (the first link's row, locked above): every link advances with it.
        await using (var update = PostgresStatement.Positional(connection,
            "UPDATE secrets SET stream_received = $2 WHERE bundle_id = $1 AND destroyed_at IS NULL", 2)
            .Bind(0, idBytes)
            .Bind(1, offset + length))
        {
            await update.ExecuteNonQueryAsync(cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
        return new(AppendStatus.Appended, offset + length);
    }

    public async ValueTask<bool> CopyStreamAsync(SecretRecord record, long offset, long length, Stream destination,
        CancellationToken cancellationToken)
    {
        var id = record.BundleId;
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Positional(connection, """
            SELECT start_offset, data FROM secret_stream_chunks
            WHERE secret_id = $1 AND start_offset < $3 AND start_offset + octet_length(data) > $2
            ORDER BY start_offset
            """, 3)
            .Bind(0, id.ToByteArray())
            .Bind(1, offset)
            .Bind(2, offset + length);
        await using var r = await c.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken);
        var position = offset;
        var end = offset + length;
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            while (position < end && await r.ReadAsync(cancellationToken))
            {
                var start = r.GetInt64(0);
                if (start > position)
                {
                    throw new IOException("The stored stream has a gap.");
                }

                await using var data = await r.GetStreamAsync(1, cancellationToken);
                var skip = position - start;
                while (skip > 0)
                {
                    var read = await data.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, skip)), cancellationToken);
                    if (read == 0)
                    {
                        break;
                    }

                    skip -= read;
                }

                int n;
                while (position < end && (n = await data.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, end - position)), cancellationToken)) > 0)
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

        if (position == offset && length > 0)
        {
            return false; // nothing stored: the stream is gone
        }

        return position == end ? true : throw new IOException("The stored stream is shorter than its record.");
    }

    public async ValueTask<bool> HasDownloadGrantAsync(SecretId id, byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Positional(connection,
            "SELECT count(*) FROM secret_downloads WHERE token_hash = $1 AND secret_id = $2 AND expires_at > $3", 3)
            .Bind(0, tokenHash)
            .Bind(1, id.ToByteArray())
            .Bind(2, now.ToUnixTimeMilliseconds());
        return (long)(await c.ExecuteScalarAsync(cancellationToken))! == 1;
    }

    public async ValueTask<bool> EndDownloadGrantAsync(SecretId id, byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection, $"""
            WITH ended AS (
              DELETE FROM secret_downloads WHERE token_hash = @t AND secret_id = @id AND expires_at > @now RETURNING secret_id),
            released AS (
              UPDATE secrets s SET stream_stored = false FROM ended e
              WHERE s.id = e.secret_id AND s.stream_stored AND NOT ({Live})
                AND NOT EXISTS (SELECT 1 FROM secret_downloads d WHERE d.secret_id = s.id AND d.expires_at > @now AND d.token_hash <> @t)
              RETURNING s.id, s.bundle_id),
            {DeleteUnheldChunks}
            SELECT (SELECT count(*) FROM ended)
            """, "t", "id", "now")
            .Bind("t", tokenHash)
            .Bind("id", id.ToByteArray())
            .Bind("now", now.ToUnixTimeMilliseconds());
        var ended = (long)(await c.ExecuteScalarAsync(cancellationToken))!;
        await tx.CommitAsync(cancellationToken);
        return ended > 0;
    }

    public async ValueTask<SweepResult> SweepAsync(SweepPolicy policy, CancellationToken cancellationToken)
    {
        var now = policy.Now.ToUnixTimeMilliseconds();
        await using var connection = await db.OpenAsync(cancellationToken);

        async Task<int> Run(string sql, long a, long b)
        {
            await using var c = PostgresStatement.Create(connection, sql, "a", "b")
                .Bind("a", a)
                .Bind("b", b);
            return Convert.ToInt32(await c.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        }

        // Chunks and grants go with their secret (ON DELETE CASCADE; a bundle's chunks with its first link,
        // and the links of a bundle are purged together). SKIP LOCKED on the bundle's first row (which an
        // upload part locks) spares an upload in progress.
        var abandoned = await Run("""
            WITH gone AS (DELETE FROM secrets WHERE id IN (
              SELECT x.id FROM secrets x JOIN secrets h ON h.id = x.bundle_id
              WHERE x.stream_bytes IS NOT NULL AND x.stream_received < x.stream_bytes
                AND x.destroyed_at IS NULL AND x.created_at <= @a LIMIT 1000 FOR UPDATE OF h SKIP LOCKED) RETURNING 1)
            SELECT count(*) FROM gone
            """, (policy.Now - policy.UploadWindow).ToUnixTimeMilliseconds(), now);
        var contents = await Run("""
            WITH cleared AS (UPDATE secrets SET manifest = NULL WHERE manifest IS NOT NULL AND expires_at <= @a RETURNING 1)
            SELECT count(*) FROM cleared
            """, now, now);
        var grants = await Run("""
            WITH gone AS (DELETE FROM secret_downloads WHERE expires_at <= @a RETURNING 1) SELECT count(*) FROM gone
            """, now, now);
        var streams = await Run($"""
            WITH released AS (
              UPDATE secrets s SET stream_stored = false WHERE s.id IN (
                SELECT id FROM secrets x WHERE x.stream_stored AND NOT ({LiveAtA})
                  AND NOT EXISTS (SELECT 1 FROM secret_downloads d WHERE d.secret_id = x.id AND d.expires_at > @a)
                LIMIT 1000 FOR UPDATE SKIP LOCKED)
              RETURNING s.id, s.bundle_id),
            {DeleteUnheldChunks}
            SELECT count(*) FROM released
            """, now, now);
        // Chunks of a bundle whose links all let go in concurrent statements (see DeleteUnheldChunks).
        streams += await Run("""
            WITH orphans AS (
              SELECT h.id FROM secrets h WHERE h.wrapped_key IS NOT NULL AND h.id = h.bundle_id AND NOT h.stream_stored
                AND NOT EXISTS (SELECT 1 FROM secrets o WHERE o.bundle_id = h.id AND o.stream_stored)
                AND EXISTS (SELECT 1 FROM secret_stream_chunks k WHERE k.secret_id = h.id)
              LIMIT 1000),
            gone AS (DELETE FROM secret_stream_chunks k USING orphans o WHERE k.secret_id = o.id RETURNING 1)
            SELECT count(*) FROM orphans
            """, now, now);
        var purged = await Run("""
            WITH gone AS (DELETE FROM secrets WHERE id IN (
              SELECT id FROM secrets x WHERE x.expires_at <= @a
                AND NOT EXISTS (SELECT 1 FROM secret_downloads d JOIN secrets o ON o.id = d.secret_id
                                WHERE o.bundle_id = x.bundle_id AND d.expires_at > @b)
              LIMIT 1000 FOR UPDATE SKIP LOCKED) RETURNING 1)
            SELECT count(*) FROM gone
            """, (policy.Now - policy.TombstoneRetention).ToUnixTimeMilliseconds(), now);
        return new SweepResult(abandoned, contents, streams, grants, purged);
    }

    public async ValueTask<long> CountAsync(CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection, "SELECT count(*) FROM secrets");
        return (long)(await c.ExecuteScalarAsync(cancellationToken))!;
    }

    private static DateTimeOffset Time(long unixMilliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds);
}
