using Npgsql;
using Parley.Server.Infrastructure.Storage;
using static Parley.Server.Features.Messaging.Storage.MessagingSchema;

namespace Parley.Server.Features.Messaging.Storage;

internal sealed partial class PostgresMessagingStore : IPreKeyStore
{
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
}
