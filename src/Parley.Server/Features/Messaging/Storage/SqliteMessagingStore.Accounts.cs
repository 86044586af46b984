using Parley.Server.Infrastructure.Storage;
using static Parley.Server.Features.Messaging.Storage.MessagingSchema;

namespace Parley.Server.Features.Messaging.Storage;

internal sealed partial class SqliteMessagingStore : IAccountStore
{
    public async ValueTask<bool> PingAsync(CancellationToken cancellationToken) =>
        await db.ReadAsync(0, static (s, _) => s.Statement("SELECT 1").ExecuteScalar() is 1L, cancellationToken);

    public ValueTask<RegisterStatus> RegisterAsync(NewAccount a, CancellationToken cancellationToken) =>
        ValueTask.FromResult(db.WriteTransaction(a, static (s, a) =>
        {
            var exists = s.Statement("SELECT 1 FROM msg_accounts WHERE username = $u", "$u")
                .Bind("$u", a.Username);
            if (exists.ExecuteScalar() is not null)
            {
                return RegisterStatus.UsernameTaken;
            }

            if (a.InviteHash is not null)
            {
                var invite = s.Statement("INSERT INTO msg_invites_used (code_hash, used_at) VALUES ($h, $t) ON CONFLICT DO NOTHING", "$h", "$t")
                    .Bind("$h", a.InviteHash)
                    .Bind("$t", a.CreatedAt.ToUnixTimeMilliseconds());
                if (invite.ExecuteNonQuery() == 0)
                {
                    return RegisterStatus.InviteUsed;
                }
            }

            var insert = s.Statement("INSERT INTO msg_accounts (username, identity_key, registration_id, created_at) VALUES ($u, $k, $r, $t)",
                "$u", "$k", "$r", "$t")
                .Bind("$u", a.Username)
                .Bind("$k", a.IdentityKey)
                .Bind("$r", (long)a.RegistrationId)
                .Bind("$t", a.CreatedAt.ToUnixTimeMilliseconds());
            insert.ExecuteNonQuery();
            InsertPreKey(s, a.Username, KindSigned, a.SignedPreKey);
            InsertPreKey(s, a.Username, KindLastResort, a.KyberLastResort);
            foreach (var k in a.PreKeys)
            {
                InsertPreKey(s, a.Username, KindPreKey, k);
            }

            foreach (var k in a.KyberPreKeys)
            {
                InsertPreKey(s, a.Username, KindKyber, k);
            }

            return RegisterStatus.Registered;
        }));

    public async ValueTask<StoredAccount?> FindAccountAsync(string username, CancellationToken cancellationToken) =>
        await db.ReadAsync(username, static (s, u) => FindAccount(s, u), cancellationToken);

    private static StoredAccount? FindAccount(SqliteSession s, string username)
    {
        var c = s.Statement("SELECT identity_key, registration_id, created_at FROM msg_accounts WHERE username = $u", "$u")
            .Bind("$u", username);
        using var r = c.ExecuteReader();
        return r.Read() ? new StoredAccount(username, (byte[])r.GetValue(0), (uint)r.GetInt64(1), Time(r.GetInt64(2))) : null;
    }

    public ValueTask<bool> DeleteAccountAsync(string username, CancellationToken cancellationToken) =>
        ValueTask.FromResult(db.WriteTransaction(username, static (s, u) =>
        {
            // Foreign keys cascade to prekeys, challenges, tokens, contacts, memberships and the queue.
            var c = s.Statement("DELETE FROM msg_accounts WHERE username = $u", "$u")
                .Bind("$u", u);
            return c.ExecuteNonQuery() > 0;
        }));

    public ValueTask StoreChallengeAsync(string username, byte[] nonceHash, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        db.Write((username, nonceHash, expiresAt), static (s, a) =>
        {
            var c = s.Statement("INSERT INTO msg_challenges (nonce_hash, username, expires_at) VALUES ($h, $u, $e)", "$h", "$u", "$e")
                .Bind("$h", a.nonceHash)
                .Bind("$u", a.username)
                .Bind("$e", a.expiresAt.ToUnixTimeMilliseconds());
            c.ExecuteNonQuery();
            var trim = s.Statement(MessagingSchema.TrimChallengesSqlite, "$h", "$u")
                .Bind("$h", a.nonceHash)
                .Bind("$u", a.username);
            return trim.ExecuteNonQuery();
        });
        return ValueTask.CompletedTask;
    }

    public ValueTask<DateTimeOffset?> TakeChallengeAsync(string username, byte[] nonceHash, CancellationToken cancellationToken) =>
        ValueTask.FromResult(db.Write((username, nonceHash), static (s, a) =>
        {
            var c = s.Statement("DELETE FROM msg_challenges WHERE nonce_hash = $h AND username = $u RETURNING expires_at", "$h", "$u")
                .Bind("$h", a.nonceHash)
                .Bind("$u", a.username);
            return c.ExecuteScalar() is long expires ? Time(expires) : (DateTimeOffset?)null;
        }));

    public ValueTask StoreTokenAsync(byte[] tokenHash, string username, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        db.Write((tokenHash, username, expiresAt), static (s, a) =>
        {
            var c = s.Statement("INSERT INTO msg_tokens (token_hash, username, expires_at) VALUES ($h, $u, $e)", "$h", "$u", "$e")
                .Bind("$h", a.tokenHash)
                .Bind("$u", a.username)
                .Bind("$e", a.expiresAt.ToUnixTimeMilliseconds());
            return c.ExecuteNonQuery();
        });
        return ValueTask.CompletedTask;
    }

    public async ValueTask<StoredToken?> FindTokenAsync(byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken) =>
        await db.ReadAsync((tokenHash, now), static (s, a) =>
        {
            var c = s.Statement("SELECT username, expires_at FROM msg_tokens WHERE token_hash = $h AND expires_at > $n", "$h", "$n")
                .Bind("$h", a.tokenHash)
                .Bind("$n", a.now.ToUnixTimeMilliseconds());
            using var r = c.ExecuteReader();
            return r.Read() ? new StoredToken(r.GetString(0), Time(r.GetInt64(1))) : null;
        }, cancellationToken);

    public ValueTask<bool> DeleteTokenAsync(byte[] tokenHash, CancellationToken cancellationToken) =>
        ValueTask.FromResult(db.Write(tokenHash, static (s, h) =>
        {
            var c = s.Statement("DELETE FROM msg_tokens WHERE token_hash = $h", "$h")
                .Bind("$h", h);
            return c.ExecuteNonQuery() > 0;
        }));

    public ValueTask<LoginSweep> SweepLoginsAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        ValueTask.FromResult(db.WriteTransaction(now.ToUnixTimeMilliseconds(), static (s, now) =>
            new LoginSweep(DeleteExpired(s, "msg_challenges", now), DeleteExpired(s, "msg_tokens", now))));
}
