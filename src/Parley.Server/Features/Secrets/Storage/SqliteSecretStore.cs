using Microsoft.Data.Sqlite;
using Parley.Server.Features.Webhooks;
using Parley.Server.Features.Webhooks.Storage;
using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Features.Secrets.Storage;

/// <summary>
/// SQLite store: records in the shared database file, file streams as files under
/// <c>{data}/streams</c> (named by bundle id, so the links of a secret for several recipients share
/// one), written as parts arrive. The claim is one <c>UPDATE … RETURNING</c>; when it takes the last
/// view, the manifest is cleared in the same transaction. A secret's webhook target, and the events of its
/// state changes, are written in the write job of the create or change (<see cref="SqliteWebhookWrites"/>): the
/// target on the secret's row, an event from what the change's UPDATE … RETURNING read of it.
/// </summary>
internal sealed class SqliteSecretStore : ISecretStore
{
    private const int BlockSize = 64 * 1024;

    /// <summary>The liveness rule (<see cref="SecretRecord.IsLive"/>) on a row of <c>secrets</c>, at <c>$now</c>.</summary>
    private static readonly string Live = SecretRecord.LiveSql("", "$now");

    /// <summary>The same rule on alias <c>x</c>, at <c>$b</c> (the sweep's statements).</summary>
    private static readonly string LiveAtB = SecretRecord.LiveSql("x.", "$b");

    private const string Columns = """
        manage_hash, access_verifier, pp_salt, pp_iterations, pp_verifier, manifest_bytes, stream_bytes, stream_received,
        stream_stored, created_at, expires_at, max_views, views_left, opened_at, failed_attempts, pp_failures,
        max_pp_attempts, destroyed_at, burned_at, bundle_id, bundle_position, label, wrapped_key
        """;

    private readonly SqliteDatabase _db;
    private readonly SqliteWebhookWrites _webhooks;
    private readonly string _streamDirectory;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<SecretId, byte> _uploading = new();

    public SqliteSecretStore(SqliteDatabase db, SqliteWebhookWrites webhooks)
    {
        _db = db;
        _webhooks = webhooks;
        _streamDirectory = Path.Combine(db.DataDirectory, "streams");
        Directory.CreateDirectory(_streamDirectory);
    }

    public async ValueTask<bool> PingAsync(CancellationToken cancellationToken) =>
        await _db.ReadAsync(0, static (s, _) => s.Statement("SELECT 1").ExecuteScalar() is 1L, cancellationToken);

    public async ValueTask CreateAsync(SecretToStore secret, CancellationToken cancellationToken)
    {
        await _db.WriteBatchedAsync(secret, static (s, n) => Insert(s, n), cancellationToken);
    }

    public async ValueTask CreateBundleAsync(IReadOnlyList<SecretToStore> links, CancellationToken cancellationToken)
    {
        // One batch is one transaction: every link or none.
        await _db.WriteBatchedAsync(links, static (s, links) =>
        {
            foreach (var link in links)
            {
                Insert(s, link);
            }

            return links.Count;
        }, cancellationToken);
    }

    private static int Insert(SqliteSession s, SecretToStore n)
    {
        var c = s.Statement($"""
            INSERT INTO secrets (id, manage_hash, access_verifier, pp_salt, pp_iterations, pp_verifier, manifest,
              manifest_bytes, stream_bytes, stream_stored, created_at, expires_at, max_views, views_left, max_pp_attempts,
              bundle_id, bundle_position, label, wrapped_key, {SqliteWebhookWrites.SecretTargetColumns})
            VALUES ($id, $mh, $av, $ps, $pi, $pv, $m, $mb, $sb, $ss, $c, $e, $mv, $mv, $mpa, $b, $bp, $l, $wk, {SqliteWebhookWrites.SecretTargetValues})
            """, "$id", "$mh", "$av", "$ps", "$pi", "$pv", "$m", "$mb", "$sb", "$ss", "$c", "$e", "$mv", "$mpa",
            "$b", "$bp", "$l", "$wk", "$wh_kind", "$wh_report", "$wh_url", "$wh_key")
            .Bind("$id", n.Id.ToByteArray())
            .Bind("$mh", n.ManageHash)
            .Bind("$av", n.AccessVerifier)
            .Bind("$ps", n.Passphrase?.Salt)
            .Bind("$pi", n.Passphrase?.Iterations)
            .Bind("$pv", n.Passphrase?.Verifier)
            .Bind("$m", n.Manifest)
            .Bind("$mb", n.Manifest.Length)
            .Bind("$sb", n.StreamBytes)
            .Bind("$ss", n.StreamBytes is null ? 0 : 1)
            .Bind("$c", n.CreatedAt.ToUnixTimeMilliseconds())
            .Bind("$e", n.ExpiresAt.ToUnixTimeMilliseconds())
            .Bind("$mv", n.MaxViews)
            .Bind("$mpa", n.MaxPassphraseAttempts)
            .Bind("$b", n.BundleId.ToByteArray())
            .Bind("$bp", n.Position)
            .Bind("$l", n.Label)
            .Bind("$wk", n.WrappedKey);
        return SqliteWebhookWrites.BindSecretTarget(c, n.WebhookTarget).ExecuteNonQuery();
    }

    public async ValueTask<SecretRecord?> FindAsync(SecretId id, CancellationToken cancellationToken) =>
        await _db.ReadAsync(id, static (s, id) => Find(s, id), cancellationToken);

    private static SecretRecord? Find(SqliteSession s, SecretId id)
    {
        var c = s.Statement($"SELECT {Columns}, id FROM secrets WHERE id = $id", "$id")
            .Bind("$id", id.ToByteArray());
        using var r = c.ExecuteReader();
        return r.Read() ? Read(r) : null;
    }

    public async ValueTask<IReadOnlyList<SecretRecord>> FindBundleAsync(SecretId bundle, CancellationToken cancellationToken) =>
        await _db.ReadAsync(bundle, static (s, bundle) =>
        {
            var c = s.Statement($"SELECT {Columns}, id FROM secrets WHERE bundle_id = $b ORDER BY bundle_position", "$b")
                .Bind("$b", bundle.ToByteArray());
            var links = new List<SecretRecord>();
            using var r = c.ExecuteReader();
            while (r.Read())
            {
                links.Add(Read(r));
            }

            return (IReadOnlyList<SecretRecord>)links;
        }, cancellationToken);

    /// <summary>A record from a row of <see cref="Columns"/> followed by <c>id</c>.</summary>
    private static SecretRecord Read(SqliteDataReader r)
    {
        var id = SecretId.FromBytes((byte[])r.GetValue(23));
        var passphrase = r.IsDBNull(2) ? null
            : new PassphraseRecord((byte[])r.GetValue(2), r.GetInt32(3), (byte[])r.GetValue(4));
        return new SecretRecord(id, (byte[])r.GetValue(0), (byte[])r.GetValue(1), passphrase, r.GetInt32(5),
            r.IsDBNull(6) ? null : r.GetInt64(6), r.GetInt64(7), r.GetInt64(8) != 0, Time(r.GetInt64(9)), Time(r.GetInt64(10)),
            r.GetInt32(11), r.GetInt32(12), ParseTimes(r.GetString(13)), r.GetInt32(14), r.GetInt32(15), r.GetInt32(16),
            r.IsDBNull(17) ? null : Time(r.GetInt64(17)), r.IsDBNull(18) ? null : Time(r.GetInt64(18)),
            r.IsDBNull(19) ? null : SecretId.FromBytes((byte[])r.GetValue(19)), r.GetInt32(20), r.IsDBNull(21) ? null : r.GetString(21),
            r.IsDBNull(22) ? null : (byte[])r.GetValue(22));
    }

    public async ValueTask<ClaimOutcome> TryClaimAsync(SecretId id, byte[] accessVerifier, byte[]? passphraseVerifier,
        DateTimeOffset now, DownloadGrant grant, CancellationToken cancellationToken) =>
        await _db.WriteBatchedAsync((id, accessVerifier, passphraseVerifier, now, grant, webhooks: _webhooks), static (s, a) =>
        {
            // The UPDATE's condition is SecretRecord.ClaimRefusalAt's "no refusal"; when it matches no row,
            // the rule judges the record as read in the same transaction, so the reason is the one that held.
            var idBytes = a.id.ToByteArray();
            var c = s.Statement($"""
                UPDATE secrets SET views_left = views_left - 1, opened_at = opened_at || $now || ','
                WHERE id = $id AND access_verifier = $av AND (pp_verifier IS NULL OR pp_verifier = $pv)
                  AND {Live} AND manifest IS NOT NULL AND (stream_bytes IS NULL OR stream_received = stream_bytes)
                RETURNING manifest, views_left, stream_bytes, wrapped_key, {SqliteWebhookWrites.SecretTargetReturning}
                """, "$id", "$av", "$pv", "$now")
                .Bind("$id", idBytes)
                .Bind("$av", a.accessVerifier)
                .Bind("$pv", a.passphraseVerifier)
                .Bind("$now", a.now.ToUnixTimeMilliseconds());
            ClaimedView claimed;
            WebhookSubject? webhookKind;
            using (var r = c.ExecuteReader())
            {
                if (!r.Read())
                {
                    r.Close();
                    return ClaimOutcome.Refused(Find(s, a.id), a.now, a.accessVerifier, a.passphraseVerifier);
                }

                claimed = new ClaimedView((byte[])r.GetValue(0), r.GetInt32(1), r.IsDBNull(2) ? null : r.GetInt64(2),
                    r.IsDBNull(3) ? null : (byte[])r.GetValue(3));
                webhookKind = SqliteWebhookWrites.ReadSecretTargetKind(r, 4);
            }

            if (claimed.ViewsLeft == 0)
            {
                s.Statement("UPDATE secrets SET manifest = NULL WHERE id = $id", "$id")
                    .Bind("$id", idBytes)
                    .ExecuteNonQuery();
            }

            if (claimed.StreamBytes is not null)
            {
                s.Statement("INSERT INTO secret_downloads (token_hash, secret_id, expires_at) VALUES ($t, $id, $e)",
                    "$t", "$id", "$e")
                    .Bind("$t", a.grant.TokenHash)
                    .Bind("$id", idBytes)
                    .Bind("$e", a.grant.ExpiresAt.ToUnixTimeMilliseconds())
                    .ExecuteNonQuery();
            }

            a.webhooks.Queue(s, a.id, webhookKind, SubjectEvent.Opened, claimed.ViewsLeft, a.now, thenBurned: claimed.ViewsLeft == 0);

            return ClaimOutcome.Claimed(claimed);
        }, cancellationToken);

    public async ValueTask RecordWrongAccessAsync(SecretId id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await _db.WriteBatchedAsync((id, now, webhooks: _webhooks), static (s, a) =>
        {
            var c = s.Statement($"""
                UPDATE secrets SET failed_attempts = failed_attempts + 1 WHERE id = $id AND {Live}
                RETURNING views_left, {SqliteWebhookWrites.SecretTargetReturning}
                """, "$id", "$now")
                .Bind("$id", a.id.ToByteArray())
                .Bind("$now", a.now.ToUnixTimeMilliseconds());
            int viewsLeft;
            WebhookSubject? webhookKind;
            using (var r = c.ExecuteReader())
            {
                if (!r.Read())
                {
                    return false;
                }

                viewsLeft = r.GetInt32(0);
                webhookKind = SqliteWebhookWrites.ReadSecretTargetKind(r, 1);
            }

            a.webhooks.Queue(s, a.id, webhookKind, SubjectEvent.FailedAttempt, viewsLeft, a.now);
            return true;
        }, cancellationToken);
    }

    public async ValueTask<PassphraseFailure?> RecordWrongPassphraseAsync(SecretId id, byte[] accessVerifier, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var (failure, dropStream) = await _db.WriteBatchedAsync((id, accessVerifier, now, webhooks: _webhooks), static (s, a) =>
        {
            var c = s.Statement($"""
                UPDATE secrets SET failed_attempts = failed_attempts + 1, pp_failures = pp_failures + 1,
                  burned_at = CASE WHEN pp_failures + 1 >= max_pp_attempts THEN $now END,
                  manifest = CASE WHEN pp_failures + 1 >= max_pp_attempts THEN NULL ELSE manifest END
                WHERE id = $id AND access_verifier = $av AND pp_verifier IS NOT NULL AND {Live}
                RETURNING max_pp_attempts - pp_failures, burned_at, stream_stored, views_left, {SqliteWebhookWrites.SecretTargetReturning}
                """, "$id", "$av", "$now")
                .Bind("$id", a.id.ToByteArray())
                .Bind("$av", a.accessVerifier)
                .Bind("$now", a.now.ToUnixTimeMilliseconds());
            PassphraseFailure failure;
            bool streamStored;
            int viewsLeft;
            WebhookSubject? webhookKind;
            using (var r = c.ExecuteReader())
            {
                if (!r.Read())
                {
                    return ((PassphraseFailure?)null, false);
                }

                failure = new PassphraseFailure(Math.Max(0, r.GetInt32(0)), r.IsDBNull(1) ? null : Time(r.GetInt64(1)));
                streamStored = r.GetInt64(2) != 0;
                viewsLeft = r.GetInt32(3);
                webhookKind = SqliteWebhookWrites.ReadSecretTargetKind(r, 4);
            }

            a.webhooks.Queue(s, a.id, webhookKind, SubjectEvent.FailedAttempt, viewsLeft, a.now, thenBurned: failure.BurnedAt is not null);

            return (failure, failure.BurnedAt is not null && streamStored);
        }, cancellationToken);
        if (dropStream)
        {
            await DropStreamAsync(id, CancellationToken.None); // the burn has committed: see DropStreamAsync
        }

        return failure;
    }

    public async ValueTask<bool> DestroyAsync(SecretId id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var (destroyed, dropStream) = await _db.WriteBatchedAsync((id, now, webhooks: _webhooks), static (s, a) =>
        {
            var c = s.Statement($"""
                UPDATE secrets SET destroyed_at = $now, manifest = NULL
                WHERE id = $id AND {Live}
                RETURNING stream_stored, {SqliteWebhookWrites.SecretTargetReturning}
                """, "$id", "$now")
                .Bind("$id", a.id.ToByteArray())
                .Bind("$now", a.now.ToUnixTimeMilliseconds());
            bool streamStored;
            WebhookSubject? webhookKind;
            using (var r = c.ExecuteReader())
            {
                if (!r.Read())
                {
                    return (false, false);
                }

                streamStored = r.GetInt64(0) != 0;
                webhookKind = SqliteWebhookWrites.ReadSecretTargetKind(r, 1);
            }

            a.webhooks.Queue(s, a.id, webhookKind, SubjectEvent.Destroyed, null, a.now);
            return (true, streamStored);
        }, cancellationToken);
        if (dropStream)
        {
            await DropStreamAsync(id, CancellationToken.None); // the destruction has committed: see DropStreamAsync
        }

        return destroyed;
    }

    /// <summary>
    /// Lets go of the secret's stream and ends its download grants. While another link of the bundle
    /// still holds the stream, only this record lets go (one transaction, so of two links letting go
    /// the second always sees the first); the last holder deletes the file first and then marks it
    /// gone, so a crash in between leaves a marked record that the sweeper repairs.
    /// <para>
    /// After a change that has committed (a destruction, a burn, the last download grant ended), callers pass
    /// <see cref="CancellationToken.None"/>: a caller who has gone away must not leave the stream on disk until
    /// the next sweep (PostgreSQL lets go in the committing statement itself). The sweeper passes its own token;
    /// whatever it leaves, its next run repairs.
    /// </para>
    /// </summary>
    private async Task DropStreamAsync(SecretId id, CancellationToken cancellationToken)
    {
        var lastHolder = await _db.WriteBatchedAsync(id, static (s, id) =>
        {
            var bytes = id.ToByteArray();
            var q = s.Statement("""
                SELECT bundle_id FROM secrets WHERE id = $id AND NOT EXISTS (
                  SELECT 1 FROM secrets o WHERE o.bundle_id = secrets.bundle_id AND o.id <> secrets.id AND o.stream_stored = 1)
                """, "$id")
                .Bind("$id", bytes);
            if (q.ExecuteScalar() is byte[] bundle)
            {
                return (SecretId?)SecretId.FromBytes(bundle);
            }

            ReleaseStream(s, bytes);
            return null;
        }, cancellationToken);
        if (lastHolder is not { } bundleId)
        {
            return;
        }

        File.Delete(StreamPath(bundleId));
        await _db.WriteBatchedAsync(id, static (s, id) => ReleaseStream(s, id.ToByteArray()), cancellationToken);
    }

    /// <summary>Marks the record's stream gone and ends its download grants.</summary>
    private static int ReleaseStream(SqliteSession s, byte[] id)
    {
        s.Statement("UPDATE secrets SET stream_stored = 0 WHERE id = $id", "$id")
            .Bind("$id", id)
            .ExecuteNonQuery();
        return s.Statement("DELETE FROM secret_downloads WHERE secret_id = $id", "$id")
            .Bind("$id", id)
            .ExecuteNonQuery();
    }

    public async ValueTask<AppendResult> AppendStreamAsync(SecretId id, long offset, long length, Stream source,
        CancellationToken cancellationToken)
    {
        // Take the upload first and read the record after: while this part holds it, no other part of this
        // secret commits, so the position the rule judges is current. For a bundle, id is the bundle id
        // (the first link's), so the file is named after it.
        var mine = _uploading.TryAdd(id, 0);
        try
        {
            var record = await _db.WriteBatchedAsync(id, static (s, id) => Find(s, id), cancellationToken);
            if (record is null)
            {
                return new(AppendStatus.NotFound, 0);
            }

            if (record.AppendRefusal(offset, length, busy: !mine) is { } refusal)
            {
                return new(refusal, record.StreamReceived);
            }

            await using var file = new FileStream(StreamPath(id), FileMode.OpenOrCreate, FileAccess.ReadWrite,
                FileShare.Read | FileShare.Delete, bufferSize: 0, FileOptions.Asynchronous);
            file.SetLength(offset); // whatever a crashed part left beyond the committed length goes
            CopyOutcome outcome;
            try
            {
                outcome = await StreamCopy.CopyExactAsync(source, offset, length, BlockSize, file,
                    static (f, position, block, ct) => RandomAccess.WriteAsync(f.SafeFileHandle, block, position, ct), cancellationToken);
                if (outcome == CopyOutcome.Complete)
                {
                    file.Flush(flushToDisk: true);
                    if (offset == 0)
                    {
                        DirectorySync.Sync(_streamDirectory); // the first part created the file: its name must outlive a power cut too
                    }
                }
            }
            catch (IOException)
            {
                // A full disk: give back what this part took, so the space is free for the retry.
                file.SetLength(offset);
                throw;
            }

            if (outcome != CopyOutcome.Complete)
            {
                file.SetLength(offset);
                return new(outcome == CopyOutcome.TooLong ? AppendStatus.TooLong : AppendStatus.Truncated, offset);
            }

            var committed = await _db.WriteBatchedAsync((id, offset, length), static (s, a) =>
            {
                // Every link of the bundle advances with the upload (a secret with one recipient is its own bundle).
                var c = s.Statement("""
                    UPDATE secrets SET stream_received = $new
                    WHERE bundle_id = $id AND stream_received = $old AND destroyed_at IS NULL AND stream_stored = 1
                    """, "$id", "$old", "$new")
                    .Bind("$id", a.id.ToByteArray())
                    .Bind("$old", a.offset)
                    .Bind("$new", a.offset + a.length);
                return c.ExecuteNonQuery() >= 1;
            }, cancellationToken);
            if (!committed)
            {
                file.SetLength(offset);
                return new(AppendStatus.NotUploading, offset);
            }

            return new(AppendStatus.Appended, offset + length);
        }
        finally
        {
            if (mine)
            {
                _uploading.TryRemove(id, out _);
            }
        }
    }

    public ValueTask<bool> CopyStreamAsync(SecretRecord record, long offset, long length, Stream destination, CancellationToken cancellationToken) =>
        StreamCopy.CopyFileRangeAsync(StreamPath(record.BundleId), offset, length, destination, BlockSize, cancellationToken);

    public async ValueTask<bool> HasDownloadGrantAsync(SecretId id, byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken) =>
        await _db.ReadAsync((id, tokenHash, now), static (s, a) =>
        {
            var c = s.Statement("SELECT count(*) FROM secret_downloads WHERE token_hash = $t AND secret_id = $id AND expires_at > $now",
                "$t", "$id", "$now")
                .Bind("$t", a.tokenHash)
                .Bind("$id", a.id.ToByteArray())
                .Bind("$now", a.now.ToUnixTimeMilliseconds());
            return (long)c.ExecuteScalar()! == 1;
        }, cancellationToken);

    public async ValueTask<bool> EndDownloadGrantAsync(SecretId id, byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var (removed, drop) = await _db.WriteBatchedAsync((id, tokenHash, now), static (s, a) =>
        {
            var idBytes = a.id.ToByteArray();
            var d = s.Statement("DELETE FROM secret_downloads WHERE token_hash = $t AND secret_id = $id AND expires_at > $now",
                "$t", "$id", "$now")
                .Bind("$t", a.tokenHash)
                .Bind("$id", idBytes)
                .Bind("$now", a.now.ToUnixTimeMilliseconds());
            if (d.ExecuteNonQuery() == 0)
            {
                return (false, false);
            }

            var q = s.Statement($"""
                SELECT count(*) FROM secrets WHERE id = $id AND stream_stored = 1 AND NOT ({Live})
                  AND NOT EXISTS (SELECT 1 FROM secret_downloads WHERE secret_id = $id AND expires_at > $now)
                """, "$id", "$now")
                .Bind("$id", idBytes)
                .Bind("$now", a.now.ToUnixTimeMilliseconds());
            return (true, (long)q.ExecuteScalar()! == 1);
        }, cancellationToken);
        if (drop)
        {
            await DropStreamAsync(id, CancellationToken.None); // the grant's end has committed: see DropStreamAsync
        }

        return removed;
    }

    public async ValueTask<SweepResult> SweepAsync(SweepPolicy policy, CancellationToken cancellationToken)
    {
        var now = policy.Now.ToUnixTimeMilliseconds();
        var uploadCutoff = (policy.Now - policy.UploadWindow).ToUnixTimeMilliseconds();
        var purgeCutoff = (policy.Now - policy.TombstoneRetention).ToUnixTimeMilliseconds();

        // Abandoned uploads go whole (record and stream); the upload in progress right now is spared.
        var abandoned = (await SelectIdsAsync("""
            SELECT id, bundle_id FROM secrets WHERE stream_bytes IS NOT NULL AND stream_received < stream_bytes
              AND destroyed_at IS NULL AND created_at <= $a LIMIT 1000
            """, uploadCutoff, now, cancellationToken)).Where(r => !_uploading.ContainsKey(r.Bundle)).ToList();
        foreach (var (id, bundle) in abandoned)
        {
            File.Delete(StreamPath(bundle)); // a bundle's links stop uploading together: none of them needs the file
            await DeleteRecordAsync(id, cancellationToken);
        }

        var contents = await _db.WriteBatchedAsync(now, static (s, now) =>
        {
            var c = s.Statement("UPDATE secrets SET manifest = NULL WHERE manifest IS NOT NULL AND expires_at <= $now", "$now")
                .Bind("$now", now);
            return c.ExecuteNonQuery();
        }, cancellationToken);

        var grants = await _db.WriteBatchedAsync(now, static (s, now) =>
        {
            var c = s.Statement("DELETE FROM secret_downloads WHERE expires_at <= $now", "$now")
                .Bind("$now", now);
            return c.ExecuteNonQuery();
        }, cancellationToken);

        var streams = await SelectIdsAsync($"""
            SELECT id FROM secrets x WHERE x.stream_stored = 1 AND NOT ({LiveAtB})
              AND NOT EXISTS (SELECT 1 FROM secret_downloads d WHERE d.secret_id = x.id AND d.expires_at > $b)
            LIMIT 1000
            """, 0, now, cancellationToken);
        foreach (var (id, _) in streams)
        {
            await DropStreamAsync(id, cancellationToken);
        }

        // The links of a bundle share their stream and their expiry: they are purged together, once no
        // link has a live download grant.
        var purged = await SelectIdsAsync("""
            SELECT id, bundle_id FROM secrets WHERE expires_at <= $a
              AND NOT EXISTS (SELECT 1 FROM secret_downloads d JOIN secrets o ON o.id = d.secret_id
                              WHERE o.bundle_id = secrets.bundle_id AND d.expires_at > $b)
            LIMIT 1000
            """, purgeCutoff, now, cancellationToken);
        foreach (var (id, bundle) in purged)
        {
            File.Delete(StreamPath(bundle));
            await DeleteRecordAsync(id, cancellationToken);
        }

        return new SweepResult(abandoned.Count, contents, streams.Count, grants, purged.Count);
    }

    public async ValueTask<long> CountAsync(CancellationToken cancellationToken) =>
        await _db.ReadAsync(0, static (s, _) => (long)s.Statement("SELECT count(*) FROM secrets").ExecuteScalar()!, cancellationToken);

    /// <summary>Runs a query for <c>id</c> (and <c>bundle_id</c> when it selects it; the id otherwise).</summary>
    private Task<List<(SecretId Id, SecretId Bundle)>> SelectIdsAsync(string sql, long a, long b, CancellationToken cancellationToken) =>
        _db.WriteBatchedAsync((sql, a, b), static (s, q) =>
        {
            var c = s.Statement(q.sql, "$a", "$b")
                .Bind("$a", q.a)
                .Bind("$b", q.b);
            var ids = new List<(SecretId, SecretId)>();
            using var r = c.ExecuteReader();
            while (r.Read())
            {
                var id = SecretId.FromBytes((byte[])r.GetValue(0));
                ids.Add((id, r.FieldCount > 1 && !r.IsDBNull(1) ? SecretId.FromBytes((byte[])r.GetValue(1)) : id));
            }

            return ids;
        }, cancellationToken);

    private Task<int> DeleteRecordAsync(SecretId id, CancellationToken cancellationToken) =>
        _db.WriteBatchedAsync(id, static (s, id) =>
        {
            var c = s.Statement("DELETE FROM secrets WHERE id = $id", "$id")
                .Bind("$id", id.ToByteArray());
            return c.ExecuteNonQuery();
        }, cancellationToken);

    private string StreamPath(SecretId id) => Path.Combine(_streamDirectory, id.ToHex());

    private static DateTimeOffset Time(long unixMilliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds);

    private static DateTimeOffset[] ParseTimes(string text)
    {
        if (text.Length == 0)
        {
            return [];
        }

        var parts = text.AsSpan().TrimEnd(',');
        var times = new List<DateTimeOffset>();
        foreach (var range in parts.Split(','))
        {
            times.Add(Time(long.Parse(parts[range], System.Globalization.CultureInfo.InvariantCulture)));
        }

        return [.. times];
    }
}
