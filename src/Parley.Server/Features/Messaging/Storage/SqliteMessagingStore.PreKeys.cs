using Microsoft.Data.Sqlite;
using Parley.Server.Infrastructure.Storage;
using static Parley.Server.Features.Messaging.Storage.MessagingSchema;

namespace Parley.Server.Features.Messaging.Storage;

internal sealed partial class SqliteMessagingStore : IPreKeyStore
{
    private static int InsertPreKey(SqliteSession s, string username, int kind, StoredPreKey key)
    {
        var c = s.Statement("""
            INSERT INTO msg_prekeys (username, kind, key_id, public_key, signature) VALUES ($u, $k, $i, $p, $s)
            ON CONFLICT DO NOTHING
            """, "$u", "$k", "$i", "$p", "$s")
            .Bind("$u", username)
            .Bind("$k", kind)
            .Bind("$i", (long)key.Id)
            .Bind("$p", key.PublicKey)
            .Bind("$s", key.Signature);
        return c.ExecuteNonQuery();
    }

    private static void ReplacePreKey(SqliteSession s, string username, int kind, StoredPreKey key)
    {
        var delete = s.Statement("DELETE FROM msg_prekeys WHERE username = $u AND kind = $k", "$u", "$k")
            .Bind("$u", username)
            .Bind("$k", kind);
        delete.ExecuteNonQuery();
        InsertPreKey(s, username, kind, key);
    }

    public ValueTask<UploadStatus> AddPreKeysAsync(string username, PreKeyUpload upload, int maxStored, CancellationToken cancellationToken)
    {
        try
        {
            return ValueTask.FromResult(AddPreKeys(username, upload, maxStored));
        }
        catch (PreKeyConflictException)
        {
            return ValueTask.FromResult(UploadStatus.Conflict);
        }
    }

    private UploadStatus AddPreKeys(string username, PreKeyUpload upload, int maxStored) =>
        db.WriteTransaction((username, upload, maxStored), static (s, a) =>
        {
            if (FindAccount(s, a.username) is null)
            {
                return UploadStatus.UnknownAccount;
            }

            var counts = Count(s, a.username);
            if (counts.PreKeys + a.upload.PreKeys.Count > a.maxStored || counts.KyberPreKeys + a.upload.KyberPreKeys.Count > a.maxStored)
            {
                return UploadStatus.TooMany;
            }

            foreach (var k in a.upload.PreKeys)
            {
                if (InsertPreKey(s, a.username, KindPreKey, k) == 0)
                {
                    throw new PreKeyConflictException();
                }
            }

            foreach (var k in a.upload.KyberPreKeys)
            {
                if (InsertPreKey(s, a.username, KindKyber, k) == 0)
                {
                    throw new PreKeyConflictException();
                }
            }

            if (a.upload.SignedPreKey is { } signed)
            {
                ReplacePreKey(s, a.username, KindSigned, signed);
            }

            if (a.upload.KyberLastResort is { } lastResort)
            {
                ReplacePreKey(s, a.username, KindLastResort, lastResort);
            }

            return UploadStatus.Stored;
        });

    public ValueTask<BundleRecord?> TakeBundleAsync(string username, CancellationToken cancellationToken) =>
        ValueTask.FromResult(db.WriteTransaction(username, static (s, u) =>
        {
            var account = FindAccount(s, u);
            if (account is null)
            {
                return null;
            }

            var preKey = TakeOldest(s, u, KindPreKey);
            var kyber = TakeOldest(s, u, KindKyber);
            var signed = ReadOne(s, u, KindSigned)!;
            var lastResort = kyber is null;
            return new BundleRecord(account, preKey, signed, kyber ?? ReadOne(s, u, KindLastResort)!, lastResort);
        }));

    private static StoredPreKey? TakeOldest(SqliteSession s, string username, int kind)
    {
        var c = s.Statement("""
            DELETE FROM msg_prekeys WHERE rowid = (SELECT rowid FROM msg_prekeys WHERE username = $u AND kind = $k ORDER BY rowid LIMIT 1)
            RETURNING key_id, public_key, signature
            """, "$u", "$k")
            .Bind("$u", username)
            .Bind("$k", kind);
        using var r = c.ExecuteReader();
        return r.Read() ? ReadKey(r) : null;
    }

    private static StoredPreKey? ReadOne(SqliteSession s, string username, int kind)
    {
        var c = s.Statement("SELECT key_id, public_key, signature FROM msg_prekeys WHERE username = $u AND kind = $k", "$u", "$k")
            .Bind("$u", username)
            .Bind("$k", kind);
        using var r = c.ExecuteReader();
        return r.Read() ? ReadKey(r) : null;
    }

    private static StoredPreKey ReadKey(SqliteDataReader r) =>
        new((uint)r.GetInt64(0), (byte[])r.GetValue(1), r.IsDBNull(2) ? null : (byte[])r.GetValue(2));

    public async ValueTask<PreKeyCounts> CountPreKeysAsync(string username, CancellationToken cancellationToken) =>
        await db.ReadAsync(username, static (s, u) => Count(s, u), cancellationToken);

    private static PreKeyCounts Count(SqliteSession s, string username)
    {
        var c = s.Statement("SELECT kind, count(*) FROM msg_prekeys WHERE username = $u AND kind IN (0, 1) GROUP BY kind", "$u")
            .Bind("$u", username);
        using var r = c.ExecuteReader();
        int pre = 0, kyber = 0;
        while (r.Read())
        {
            if (r.GetInt32(0) == KindPreKey)
            {
                pre = r.GetInt32(1);
            }
            else
            {
                kyber = r.GetInt32(1);
            }
        }

        return new PreKeyCounts(pre, kyber);
    }
}
