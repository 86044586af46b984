using Npgsql;
using Parley.Server.Infrastructure.Storage;
using static Parley.Server.Features.Messaging.Storage.MessagingSchema;

namespace Parley.Server.Features.Messaging.Storage;

/// <summary>
/// PostgreSQL store, shareable by several nodes. Each racing change is one statement or one
/// transaction with row locks: enqueueing bumps the recipient's counter under the cap in the same
/// statement that inserts (so one recipient's envelopes commit in id order), a bundle fetch deletes
/// the oldest one-time prekeys with <c>FOR UPDATE SKIP LOCKED</c>, and group changes lock the group row.
/// </summary>
internal sealed class PostgresMessagingStore(PostgresDatabase db) : IMessagingStore
{
    public async ValueTask<bool> PingAsync(CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection, "SELECT 1");
        return await c.ExecuteScalarAsync(cancellationToken) is 1;
    }

    public async ValueTask<RegisterStatus> RegisterAsync(NewAccount a, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await using (var insert = PostgresStatement.Create(connection, """
            INSERT INTO msg_accounts (username, identity_key, registration_id, created_at) VALUES (@u, @k, @r, @t)
            ON CONFLICT DO NOTHING
            """, "u", "k", "r", "t")
            .Bind("u", a.Username)
            .Bind("k", a.IdentityKey)
            .Bind("r", (long)a.RegistrationId)
            .Bind("t", a.CreatedAt.ToUnixTimeMilliseconds()))
        {
            if (await insert.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return RegisterStatus.UsernameTaken;
            }
        }

        if (a.InviteHash is not null)
        {
            await using var invite = PostgresStatement.Create(connection,
                "INSERT INTO msg_invites_used (code_hash, used_at) VALUES (@h, @t) ON CONFLICT DO NOTHING", "h", "t")
                .Bind("h", a.InviteHash)
                .Bind("t", a.CreatedAt.ToUnixTimeMilliseconds());
            if (await invite.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                await tx.RollbackAsync(cancellationToken);
                return RegisterStatus.InviteUsed;
            }
        }

        await InsertPreKeysAsync(connection, a.Username, KindSigned, [a.SignedPreKey], cancellationToken);
        await InsertPreKeysAsync(connection, a.Username, KindLastResort, [a.KyberLastResort], cancellationToken);
        await InsertPreKeysAsync(connection, a.Username, KindPreKey, a.PreKeys, cancellationToken);
        await InsertPreKeysAsync(connection, a.Username, KindKyber, a.KyberPreKeys, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return RegisterStatus.Registered;
    }

    /// <summary>Inserts keys in the given order (their seq keeps it); returns how many were new.</summary>
    private static async Task<int> InsertPreKeysAsync(NpgsqlConnection connection, string username, int kind,
        IReadOnlyList<StoredPreKey> keys, CancellationToken cancellationToken)
    {
        if (keys.Count == 0)
        {
            return 0;
        }

        await using var c = PostgresStatement.Create(connection, """
            INSERT INTO msg_prekeys (username, kind, key_id, public_key, signature)
            SELECT @u, @k, k.id, k.pk, k.sig FROM unnest(@ids, @pks, @sigs) WITH ORDINALITY AS k(id, pk, sig, n) ORDER BY k.n
            ON CONFLICT DO NOTHING
            """, "u", "k", "ids", "pks", "sigs")
            .Bind("u", username)
            .Bind("k", (short)kind)
            .Bind("ids", keys.Select(k => (long)k.Id).ToArray())
            .Bind("pks", keys.Select(k => k.PublicKey).ToArray())
            .Bind("sigs", keys.Select(k => k.Signature).ToArray());
        return await c.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask<AccountRecord?> FindAccountAsync(string username, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        return await FindAccountAsync(connection, username, cancellationToken);
    }

    private static async Task<AccountRecord?> FindAccountAsync(NpgsqlConnection connection, string username, CancellationToken cancellationToken)
    {
        await using var c = PostgresStatement.Create(connection,
            "SELECT identity_key, registration_id, created_at FROM msg_accounts WHERE username = @u", "u")
            .Bind("u", username);
        await using var r = await c.ExecuteReaderAsync(cancellationToken);
        return await r.ReadAsync(cancellationToken)
            ? new AccountRecord(username, r.GetFieldValue<byte[]>(0), (uint)r.GetInt64(1), Time(r.GetInt64(2)))
            : null;
    }

    public async ValueTask<bool> DeleteAccountAsync(string username, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection, "DELETE FROM msg_accounts WHERE username = @u", "u")
            .Bind("u", username);
        return await c.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public async ValueTask StoreChallengeAsync(string username, byte[] nonceHash, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection,
            "INSERT INTO msg_challenges (nonce_hash, username, expires_at) VALUES (@h, @u, @e)", "h", "u", "e")
            .Bind("h", nonceHash)
            .Bind("u", username)
            .Bind("e", expiresAt.ToUnixTimeMilliseconds());
        await c.ExecuteNonQueryAsync(cancellationToken);
        await using var trim = PostgresStatement.Create(connection, MessagingSchema.TrimChallenges, "h", "u")
            .Bind("h", nonceHash)
            .Bind("u", username);
        await trim.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask<DateTimeOffset?> TakeChallengeAsync(string username, byte[] nonceHash, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection,
            "DELETE FROM msg_challenges WHERE nonce_hash = @h AND username = @u RETURNING expires_at", "h", "u")
            .Bind("h", nonceHash)
            .Bind("u", username);
        return await c.ExecuteScalarAsync(cancellationToken) is long expires ? Time(expires) : null;
    }

    public async ValueTask StoreTokenAsync(byte[] tokenHash, string username, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection,
            "INSERT INTO msg_tokens (token_hash, username, expires_at) VALUES (@h, @u, @e)", "h", "u", "e")
            .Bind("h", tokenHash)
            .Bind("u", username)
            .Bind("e", expiresAt.ToUnixTimeMilliseconds());
        await c.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask<TokenRecord?> FindTokenAsync(byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection,
            "SELECT username, expires_at FROM msg_tokens WHERE token_hash = @h AND expires_at > @n", "h", "n")
            .Bind("h", tokenHash)
            .Bind("n", now.ToUnixTimeMilliseconds());
        await using var r = await c.ExecuteReaderAsync(cancellationToken);
        return await r.ReadAsync(cancellationToken) ? new TokenRecord(r.GetString(0), Time(r.GetInt64(1))) : null;
    }

    public async ValueTask<bool> DeleteTokenAsync(byte[] tokenHash, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection, "DELETE FROM msg_tokens WHERE token_hash = @h", "h")
            .Bind("h", tokenHash);
        return await c.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public async ValueTask<UploadStatus> AddPreKeysAsync(string username, PreKeyUpload upload, int maxStored, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        // Lock the account row: uploads of one account run one after another, so the cap holds.
        await using (var lockAccount = PostgresStatement.Create(connection, "SELECT 1 FROM msg_accounts WHERE username = @u FOR UPDATE", "u")
            .Bind("u", username))
        {
            if (await lockAccount.ExecuteScalarAsync(cancellationToken) is null)
            {
                return UploadStatus.UnknownAccount;
            }
        }

        var counts = await CountAsync(connection, username, cancellationToken);
        if (counts.PreKeys + upload.PreKeys.Count > maxStored || counts.KyberPreKeys + upload.KyberPreKeys.Count > maxStored)
        {
            return UploadStatus.TooMany;
        }

        if (await InsertPreKeysAsync(connection, username, KindPreKey, upload.PreKeys, cancellationToken) != upload.PreKeys.Count
            || await InsertPreKeysAsync(connection, username, KindKyber, upload.KyberPreKeys, cancellationToken) != upload.KyberPreKeys.Count)
        {
            await tx.RollbackAsync(cancellationToken);
            return UploadStatus.Conflict;
        }

        foreach (var (kind, key) in new[] { (KindSigned, upload.SignedPreKey), (KindLastResort, upload.KyberLastResort) })
        {
            if (key is not null)
            {
                await using var delete = PostgresStatement.Create(connection, "DELETE FROM msg_prekeys WHERE username = @u AND kind = @k", "u", "k")
                    .Bind("u", username)
                    .Bind("k", (short)kind);
                await delete.ExecuteNonQueryAsync(cancellationToken);
                await InsertPreKeysAsync(connection, username, kind, [key], cancellationToken);
            }
        }

        await tx.CommitAsync(cancellationToken);
        return UploadStatus.Stored;
    }

    public async ValueTask<BundleRecord?> TakeBundleAsync(string username, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        var account = await FindAccountAsync(connection, username, cancellationToken);
        if (account is null)
        {
            return null;
        }

        var preKey = await TakeOldestAsync(connection, username, KindPreKey, cancellationToken);
        var kyber = await TakeOldestAsync(connection, username, KindKyber, cancellationToken);
        var signed = await ReadOneAsync(connection, username, KindSigned, cancellationToken);
        var lastResort = kyber is null;
        kyber ??= await ReadOneAsync(connection, username, KindLastResort, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return new BundleRecord(account, preKey, signed!, kyber!, lastResort);
    }

    private static async Task<StoredPreKey?> TakeOldestAsync(NpgsqlConnection connection, string username, int kind, CancellationToken cancellationToken)
    {
        await using var c = PostgresStatement.Create(connection, """
            DELETE FROM msg_prekeys WHERE seq = (
              SELECT seq FROM msg_prekeys WHERE username = @u AND kind = @k ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING key_id, public_key, signature
            """, "u", "k")
            .Bind("u", username)
            .Bind("k", (short)kind);
        await using var r = await c.ExecuteReaderAsync(cancellationToken);
        return await r.ReadAsync(cancellationToken) ? ReadKey(r) : null;
    }

    private static async Task<StoredPreKey?> ReadOneAsync(NpgsqlConnection connection, string username, int kind, CancellationToken cancellationToken)
    {
        await using var c = PostgresStatement.Create(connection,
            "SELECT key_id, public_key, signature FROM msg_prekeys WHERE username = @u AND kind = @k", "u", "k")
            .Bind("u", username)
            .Bind("k", (short)kind);
        await using var r = await c.ExecuteReaderAsync(cancellationToken);
        return await r.ReadAsync(cancellationToken) ? ReadKey(r) : null;
    }

    private static StoredPreKey ReadKey(NpgsqlDataReader r) =>
        new((uint)r.GetInt64(0), r.GetFieldValue<byte[]>(1), r.IsDBNull(2) ? null : r.GetFieldValue<byte[]>(2));

    public async ValueTask<PreKeyCounts> CountPreKeysAsync(string username, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        return await CountAsync(connection, username, cancellationToken);
    }

    private static async Task<PreKeyCounts> CountAsync(NpgsqlConnection connection, string username, CancellationToken cancellationToken)
    {
        await using var c = PostgresStatement.Create(connection, """
            SELECT count(*) FILTER (WHERE kind = 0), count(*) FILTER (WHERE kind = 1) FROM msg_prekeys WHERE username = @u AND kind IN (0, 1)
            """, "u")
            .Bind("u", username);
        await using var r = await c.ExecuteReaderAsync(cancellationToken);
        await r.ReadAsync(cancellationToken);
        return new PreKeyCounts((int)r.GetInt64(0), (int)r.GetInt64(1));
    }

    public async ValueTask<EnqueueResult> EnqueueAsync(NewEnvelope envelope, int maxQueued, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        return await EnqueueAsync(connection, envelope, maxQueued, cancellationToken);
    }

    private static async Task<EnqueueResult> EnqueueAsync(NpgsqlConnection connection, NewEnvelope e, int? maxQueued, CancellationToken cancellationToken)
    {
        // The counter update takes the recipient's row lock, so one recipient's envelopes get ids in commit order.
        await using (var c = PostgresStatement.Create(connection, """
            WITH counted AS (UPDATE msg_accounts SET queued = queued + 1 WHERE username = @r AND queued < @m RETURNING username)
            INSERT INTO msg_envelopes (recipient, sender, type, group_id, server_ts, expires_at, content)
            SELECT username, @s, @t, @g, @n, @e, @c FROM counted RETURNING id
            """, "r", "m", "s", "t", "g", "n", "e", "c")
            .Bind("r", e.Recipient)
            .Bind("m", maxQueued ?? int.MaxValue)
            .Bind("s", e.Sender)
            .Bind("t", e.Type)
            .Bind("g", e.GroupId)
            .Bind("n", e.Now.ToUnixTimeMilliseconds())
            .Bind("e", e.ExpiresAt.ToUnixTimeMilliseconds())
            .Bind("c", e.Content))
        {
            if (await c.ExecuteScalarAsync(cancellationToken) is long id)
            {
                return new EnqueueResult(EnqueueStatus.Queued, id);
            }
        }

        await using var exists = PostgresStatement.Create(connection, "SELECT 1 FROM msg_accounts WHERE username = @u", "u")
            .Bind("u", e.Recipient);
        return new EnqueueResult(await exists.ExecuteScalarAsync(cancellationToken) is null ? EnqueueStatus.UnknownRecipient : EnqueueStatus.QueueFull, 0);
    }

    public async ValueTask<IReadOnlyList<StoredEnvelope>> ReadQueueAsync(string recipient, long afterId, int max, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection, """
            SELECT id, sender, type, group_id, server_ts, content FROM msg_envelopes
            WHERE recipient = @r AND id > @a AND expires_at > @n ORDER BY id LIMIT @m
            """, "r", "a", "n", "m")
            .Bind("r", recipient)
            .Bind("a", afterId)
            .Bind("n", now.ToUnixTimeMilliseconds())
            .Bind("m", max);
        await using var r = await c.ExecuteReaderAsync(cancellationToken);
        var result = new List<StoredEnvelope>();
        while (await r.ReadAsync(cancellationToken))
        {
            result.Add(new StoredEnvelope(r.GetInt64(0), recipient, r.GetString(1), r.GetInt32(2),
                r.IsDBNull(3) ? null : r.GetFieldValue<byte[]>(3), Time(r.GetInt64(4)), r.GetFieldValue<byte[]>(5)));
        }

        return result;
    }

    public async ValueTask<IReadOnlyList<AckedEnvelope>> AckAsync(string recipient, IReadOnlyList<long> ids, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection, """
            WITH deleted AS (DELETE FROM msg_envelopes WHERE recipient = @r AND id = ANY(@ids) RETURNING id, sender),
            counted AS (UPDATE msg_accounts SET queued = queued - (SELECT count(*) FROM deleted)
              WHERE username = @r AND EXISTS (SELECT 1 FROM deleted))
            SELECT id, sender FROM deleted ORDER BY id
            """, "r", "ids")
            .Bind("r", recipient)
            .Bind("ids", ids.ToArray());
        await using var r = await c.ExecuteReaderAsync(cancellationToken);
        var acked = new List<AckedEnvelope>();
        while (await r.ReadAsync(cancellationToken))
        {
            acked.Add(new AckedEnvelope(r.GetInt64(0), r.GetString(1)));
        }

        return acked;
    }

    public async ValueTask<IReadOnlyList<long>> QueuedOfAsync(string sender, IReadOnlyList<long> ids, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection,
            "SELECT id FROM msg_envelopes WHERE id = ANY(@ids) AND sender = @s AND expires_at > @n ORDER BY id", "ids", "s", "n")
            .Bind("ids", ids.ToArray())
            .Bind("s", sender)
            .Bind("n", now.ToUnixTimeMilliseconds());
        return await ReadColumnAsync(c, static r => r.GetInt64(0), cancellationToken);
    }

    private static async Task<List<T>> ReadColumnAsync<T>(Statement<NpgsqlCommand> c, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken)
    {
        await using var r = await c.ExecuteReaderAsync(cancellationToken);
        var result = new List<T>();
        while (await r.ReadAsync(cancellationToken))
        {
            result.Add(read(r));
        }

        return result;
    }

    public async ValueTask<long> CountEnvelopesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection, "SELECT count(*) FROM msg_envelopes");
        return (long)(await c.ExecuteScalarAsync(cancellationToken))!;
    }

    public async ValueTask<bool> SetPresenceGrantAsync(string subject, string viewer, PresenceGrant grant, CancellationToken cancellationToken)
    {
        // One statement: the CTEs see the row as it was before the upsert; a pair that has a record keeps it
        // when the grant comes from a send. The result tells whether the viewer's view changed.
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection, """
            WITH was AS (SELECT allowed FROM msg_presence WHERE subject = @s AND viewer = @v),
            put AS (
              INSERT INTO msg_presence (subject, viewer, allowed) SELECT @s, @v, @a
              WHERE EXISTS (SELECT 1 FROM msg_accounts WHERE username = @s) AND EXISTS (SELECT 1 FROM msg_accounts WHERE username = @v)
              ON CONFLICT (subject, viewer) DO UPDATE SET allowed = excluded.allowed WHERE NOT @sent
              RETURNING allowed)
            SELECT EXISTS (SELECT 1 FROM put) AND (SELECT allowed FROM put) IS DISTINCT FROM coalesce((SELECT allowed FROM was), false)
            """, "s", "v", "a", "sent")
            .Bind("s", subject)
            .Bind("v", viewer)
            .Bind("a", grant != PresenceGrant.Withdrawn)
            .Bind("sent", grant == PresenceGrant.Sent);
        return await c.ExecuteScalarAsync(cancellationToken) is true;
    }

    public ValueTask<IReadOnlyList<string>> PresenceViewersAsync(string subject, CancellationToken cancellationToken) =>
        PresenceOfAsync("SELECT viewer FROM msg_presence WHERE subject = @u AND allowed ORDER BY viewer", subject, cancellationToken);

    public ValueTask<IReadOnlyList<string>> PresenceSubjectsAsync(string viewer, CancellationToken cancellationToken) =>
        PresenceOfAsync("SELECT subject FROM msg_presence WHERE viewer = @u AND allowed ORDER BY subject", viewer, cancellationToken);

    private async ValueTask<IReadOnlyList<string>> PresenceOfAsync(string sql, string username, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection, sql, "u")
            .Bind("u", username);
        return await ReadColumnAsync(c, static r => r.GetString(0), cancellationToken);
    }

    public async ValueTask<T> InGroupTransactionAsync<T>(Func<IGroupTransaction, ValueTask<T>> work, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        var result = await work(new Transaction(connection, cancellationToken));
        await tx.CommitAsync(cancellationToken);
        return result;
    }

    public async ValueTask<IReadOnlyList<GroupRecord>> GroupsOfAsync(string username, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        List<byte[]> ids;
        await using (var c = PostgresStatement.Create(connection, """
            SELECT g.id FROM msg_groups g JOIN msg_group_members m ON m.group_id = g.id WHERE m.username = @u ORDER BY g.created_at, g.id
            """, "u")
            .Bind("u", username))
        {
            ids = await ReadColumnAsync(c, static r => r.GetFieldValue<byte[]>(0), cancellationToken);
        }

        var groups = new List<GroupRecord>();
        foreach (var id in ids)
        {
            if (await ReadGroupAsync(connection, id, forUpdate: false, cancellationToken) is { } g)
            {
                groups.Add(g);
            }
        }

        return groups;
    }

    private static async Task<GroupRecord?> ReadGroupAsync(NpgsqlConnection connection, byte[] id, bool forUpdate, CancellationToken cancellationToken)
    {
        string name;
        long created;
        await using (var g = PostgresStatement.Create(connection,
            "SELECT name, created_at FROM msg_groups WHERE id = @g" + (forUpdate ? " FOR UPDATE" : ""), "g")
            .Bind("g", id))
        await using (var r = await g.ExecuteReaderAsync(cancellationToken))
        {
            if (!await r.ReadAsync(cancellationToken))
            {
                return null;
            }

            name = r.GetString(0);
            created = r.GetInt64(1);
        }

        await using var m = PostgresStatement.Create(connection, """
            SELECT username, admin, invited, joined_at FROM msg_group_members WHERE group_id = @g ORDER BY joined_at, username COLLATE "C"
            """, "g")
            .Bind("g", id);
        var rows = await ReadColumnAsync(m, static r => new GroupMemberRecord(r.GetString(0),
            r.GetBoolean(2) ? GroupRole.Invited : r.GetBoolean(1) ? GroupRole.Admin : GroupRole.Member, Time(r.GetInt64(3))), cancellationToken);
        return GroupRecord.Of(id, name, Time(created), rows);
    }

    public async ValueTask<MessagingSweep> SweepAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        var ms = now.ToUnixTimeMilliseconds();
        int envelopes;
        await using (var c = PostgresStatement.Create(connection, """
            WITH deleted AS (DELETE FROM msg_envelopes WHERE expires_at <= @n RETURNING recipient),
            counts AS (SELECT recipient, count(*) AS n FROM deleted GROUP BY recipient),
            updated AS (UPDATE msg_accounts a SET queued = a.queued - counts.n FROM counts WHERE a.username = counts.recipient)
            SELECT count(*) FROM deleted
            """, "n")
            .Bind("n", ms))
        {
            envelopes = (int)(long)(await c.ExecuteScalarAsync(cancellationToken))!;
        }

        async Task<int> DeleteAsync(string table)
        {
            await using var c = PostgresStatement.Create(connection, $"DELETE FROM {table} WHERE expires_at <= @n", "n")
                .Bind("n", ms);
            return await c.ExecuteNonQueryAsync(cancellationToken);
        }

        return new MessagingSweep(envelopes, await DeleteAsync("msg_challenges"), await DeleteAsync("msg_tokens"));
    }

    private static DateTimeOffset Time(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    private sealed class Transaction(NpgsqlConnection connection, CancellationToken cancellationToken) : IGroupTransaction
    {
        public async ValueTask<GroupRecord?> LockGroupAsync(byte[] groupId) =>
            await ReadGroupAsync(connection, groupId, forUpdate: true, cancellationToken);

        public async ValueTask<bool> AccountExistsAsync(string username) =>
            await FindAccountAsync(connection, username, cancellationToken) is not null;


        public async ValueTask CreateGroupAsync(byte[] groupId, string name, DateTimeOffset now)
        {
            await using var c = PostgresStatement.Create(connection,
                "INSERT INTO msg_groups (id, name, created_at) VALUES (@g, @n, @t)", "g", "n", "t")
                .Bind("g", groupId)
                .Bind("n", name)
                .Bind("t", now.ToUnixTimeMilliseconds());
            await c.ExecuteNonQueryAsync(cancellationToken);
        }

        public async ValueTask AddMemberAsync(byte[] groupId, string username, GroupRole role, DateTimeOffset now)
        {
            await using var c = PostgresStatement.Create(connection, """
                INSERT INTO msg_group_members (group_id, username, admin, invited, joined_at) VALUES (@g, @u, @a, @i, @t)
                ON CONFLICT (group_id, username) DO UPDATE SET admin = excluded.admin, invited = excluded.invited, joined_at = excluded.joined_at
                """, "g", "u", "a", "i", "t")
                .Bind("g", groupId)
                .Bind("u", username)
                .Bind("a", role == GroupRole.Admin)
                .Bind("i", role == GroupRole.Invited)
                .Bind("t", now.ToUnixTimeMilliseconds());
            await c.ExecuteNonQueryAsync(cancellationToken);
        }

        public async ValueTask RemoveMemberAsync(byte[] groupId, string username)
        {
            await using var c = PostgresStatement.Create(connection, "DELETE FROM msg_group_members WHERE group_id = @g AND username = @u", "g", "u")
                .Bind("g", groupId)
                .Bind("u", username);
            await c.ExecuteNonQueryAsync(cancellationToken);
        }

        public async ValueTask SetAdminAsync(byte[] groupId, string username, bool admin)
        {
            await using var c = PostgresStatement.Create(connection,
                "UPDATE msg_group_members SET admin = @a WHERE group_id = @g AND username = @u", "a", "g", "u")
                .Bind("a", admin)
                .Bind("g", groupId)
                .Bind("u", username);
            await c.ExecuteNonQueryAsync(cancellationToken);
        }

        public async ValueTask DeleteGroupAsync(byte[] groupId)
        {
            await using var c = PostgresStatement.Create(connection, "DELETE FROM msg_groups WHERE id = @g", "g")
                .Bind("g", groupId);
            await c.ExecuteNonQueryAsync(cancellationToken);
        }

        public async ValueTask<EnqueueResult> EnqueueAsync(NewEnvelope envelope, int? maxQueued) =>
            await PostgresMessagingStore.EnqueueAsync(connection, envelope, maxQueued, cancellationToken);
    }
}
