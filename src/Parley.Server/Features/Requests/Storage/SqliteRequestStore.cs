using Microsoft.Data.Sqlite;
using Parley.Server.Features.Secrets;
using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Features.Requests.Storage;

/// <summary>SQLite store in the shared database file. The answer's compare-and-set is one <c>UPDATE</c>.</summary>
internal sealed class SqliteRequestStore(SqliteDatabase db) : IRequestStore
{
    private const string Columns =
        "token_verifier, send_verifier, label, created_at, expires_at, answer_secret_id, ephemeral_key, answered_at, destroyed_at";

    public async ValueTask CreateAsync(NewRequest request, CancellationToken cancellationToken)
    {
        await db.WriteBatchedAsync(request, static (s, n) =>
        {
            var c = s.Command("""
                INSERT INTO secret_requests (id, token_verifier, send_verifier, label, created_at, expires_at)
                VALUES ($id, $tv, $sv, $l, $c, $e)
                """, "$id", "$tv", "$sv", "$l", "$c", "$e");
            var p = c.Parameters;
            p[0].Value = n.Id.ToByteArray();
            p[1].Value = n.TokenVerifier;
            p[2].Value = n.SendVerifier;
            p[3].Value = (object?)n.Label ?? DBNull.Value;
            p[4].Value = n.CreatedAt.ToUnixTimeMilliseconds();
            p[5].Value = n.ExpiresAt.ToUnixTimeMilliseconds();
            return c.ExecuteNonQuery();
        });
    }

    public async ValueTask<RequestRecord?> FindAsync(SecretId id, CancellationToken cancellationToken) =>
        await db.ReadAsync(id, static (s, id) =>
        {
            var c = s.Command($"SELECT {Columns} FROM secret_requests WHERE id = $id", "$id");
            c.Parameters[0].Value = id.ToByteArray();
            using var r = c.ExecuteReader();
            if (!r.Read())
            {
                return null;
            }

            var answer = r.IsDBNull(5) ? null
                : new RequestAnswer(SecretId.FromBytes((byte[])r.GetValue(5)), (byte[])r.GetValue(6), Time(r.GetInt64(7)));
            return new RequestRecord(id, (byte[])r.GetValue(0), (byte[])r.GetValue(1), r.IsDBNull(2) ? null : r.GetString(2),
                Time(r.GetInt64(3)), Time(r.GetInt64(4)), answer, r.IsDBNull(8) ? null : Time(r.GetInt64(8)));
        }, cancellationToken);

    public async ValueTask<bool> TryAnswerAsync(SecretId id, SecretId? expected, RequestAnswer answer, DateTimeOffset now,
        CancellationToken cancellationToken) =>
        await db.WriteBatchedAsync((id, expected, answer, now), static (s, a) =>
        {
            var c = s.Command("""
                UPDATE secret_requests SET answer_secret_id = $s, ephemeral_key = $k, answered_at = $now
                WHERE id = $id AND destroyed_at IS NULL AND expires_at > $now AND answer_secret_id IS $expected
                """, "$id", "$s", "$k", "$now", "$expected");
            var p = c.Parameters;
            p[0].Value = a.id.ToByteArray();
            p[1].Value = a.answer.SecretId.ToByteArray();
            p[2].Value = a.answer.EphemeralKey;
            p[3].Value = a.now.ToUnixTimeMilliseconds();
            p[4].Value = a.expected is { } e ? e.ToByteArray() : DBNull.Value;
            return c.ExecuteNonQuery() == 1;
        });

    public async ValueTask<bool> DestroyAsync(SecretId id, DateTimeOffset now, CancellationToken cancellationToken) =>
        await db.WriteBatchedAsync((id, now), static (s, a) =>
        {
            var c = s.Command("""
                UPDATE secret_requests SET destroyed_at = $now, label = NULL
                WHERE id = $id AND destroyed_at IS NULL AND expires_at > $now
                """, "$id", "$now");
            c.Parameters[0].Value = a.id.ToByteArray();
            c.Parameters[1].Value = a.now.ToUnixTimeMilliseconds();
            return c.ExecuteNonQuery() == 1;
        });

    public async ValueTask<RequestSweepResult> SweepAsync(DateTimeOffset now, TimeSpan retention, CancellationToken cancellationToken) =>
        await db.WriteBatchedAsync((now.ToUnixTimeMilliseconds(), (now - retention).ToUnixTimeMilliseconds()), static (s, a) =>
        {
            var labels = s.Command("UPDATE secret_requests SET label = NULL WHERE label IS NOT NULL AND expires_at <= $now", "$now");
            labels.Parameters[0].Value = a.Item1;
            var dropped = labels.ExecuteNonQuery();
            var purge = s.Command("DELETE FROM secret_requests WHERE expires_at <= $cutoff", "$cutoff");
            purge.Parameters[0].Value = a.Item2;
            return new RequestSweepResult(dropped, purge.ExecuteNonQuery());
        });

    public async ValueTask<long> CountAsync(CancellationToken cancellationToken) =>
        await db.ReadAsync(0, static (s, _) => (long)s.Command("SELECT count(*) FROM secret_requests").ExecuteScalar()!, cancellationToken);

    private static DateTimeOffset Time(long unixMilliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds);
}
