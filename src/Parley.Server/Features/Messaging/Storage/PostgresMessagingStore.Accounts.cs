using Npgsql;
using Parley.Server.Infrastructure.Storage;
using static Parley.Server.Features.Messaging.Storage.MessagingSchema;

namespace Parley.Server.Features.Messaging.Storage;

internal sealed partial class PostgresMessagingStore : IAccountStore
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

    public async ValueTask<StoredAccount?> FindAccountAsync(string username, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        return await FindAccountAsync(connection, username, cancellationToken);
    }

    private static async Task<StoredAccount?> FindAccountAsync(NpgsqlConnection connection, string username, CancellationToken cancellationToken)
    {
        await using var c = PostgresStatement.Create(connection,
            "SELECT identity_key, registration_id, created_at FROM msg_accounts WHERE username = @u", "u")
            .Bind("u", username);
        await using var r = await c.ExecuteReaderAsync(cancellationToken);
        return await r.ReadAsync(cancellationToken)
            ? new StoredAccount(username, r.GetFieldValue<byte[]>(0), (uint)r.GetInt64(1), Time(r.GetInt64(2)))
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
        await InsertExpiringAsync(connection, "INSERT INTO msg_challenges (nonce_hash, username, expires_at) VALUES (@h, @u, @e)",
            nonceHash, username, expiresAt, cancellationToken);
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
        await InsertExpiringAsync(connection, "INSERT INTO msg_tokens (token_hash, username, expires_at) VALUES (@h, @u, @e)",
            tokenHash, username, expiresAt, cancellationToken);
    }

    /// <summary>Inserts a login row (a challenge or a token): its hash <c>@h</c>, account <c>@u</c> and expiry <c>@e</c>.</summary>
    private static async Task InsertExpiringAsync(NpgsqlConnection connection, string sql, byte[] hash, string username, DateTimeOffset expiresAt,
        CancellationToken cancellationToken)
    {
        await using var c = PostgresStatement.Create(connection, sql, "h", "u", "e")
            .Bind("h", hash)
            .Bind("u", username)
            .Bind("e", expiresAt.ToUnixTimeMilliseconds());
        await c.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask<StoredToken?> FindTokenAsync(byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection,
            "SELECT username, expires_at FROM msg_tokens WHERE token_hash = @h AND expires_at > @n", "h", "n")
            .Bind("h", tokenHash)
            .Bind("n", now.ToUnixTimeMilliseconds());
        await using var r = await c.ExecuteReaderAsync(cancellationToken);
        return await r.ReadAsync(cancellationToken) ? new StoredToken(r.GetString(0), Time(r.GetInt64(1))) : null;
    }

    public async ValueTask<bool> DeleteTokenAsync(byte[] tokenHash, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection, "DELETE FROM msg_tokens WHERE token_hash = @h", "h")
            .Bind("h", tokenHash);
        return await c.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public async ValueTask<LoginSweep> SweepLoginsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        var ms = now.ToUnixTimeMilliseconds();
        return new LoginSweep(await DeleteExpiredAsync(connection, "msg_challenges", ms, cancellationToken),
            await DeleteExpiredAsync(connection, "msg_tokens", ms, cancellationToken));
    }

    /// <summary>Deletes the rows of <paramref name="table"/> (one with an <c>expires_at</c>) expired at <paramref name="now"/> (Unix ms).</summary>
    private static async Task<int> DeleteExpiredAsync(NpgsqlConnection connection, string table, long now, CancellationToken cancellationToken)
    {
        await using var c = PostgresStatement.Create(connection, $"DELETE FROM {table} WHERE expires_at <= @n", "n")
            .Bind("n", now);
        return await c.ExecuteNonQueryAsync(cancellationToken);
    }
}
