using System.Data;
using Npgsql;
using NpgsqlTypes;
using Parley.Server.Features.Secrets;
using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Features.Requests.Storage;

/// <summary>PostgreSQL store, shareable by several nodes. The answer's compare-and-set is one <c>UPDATE</c>.</summary>
internal sealed class PostgresRequestStore(PostgresDatabase db) : IRequestStore
{
    private const string Columns =
        "token_verifier, send_verifier, label, created_at, expires_at, answer_secret_id, ephemeral_key, answered_at, destroyed_at";

    public async ValueTask CreateAsync(NewRequest n, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = new NpgsqlCommand("""
            INSERT INTO secret_requests (id, token_verifier, send_verifier, label, created_at, expires_at)
            VALUES ($1, $2, $3, $4, $5, $6)
            """, connection);
        c.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = n.Id.ToByteArray() });
        c.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = n.TokenVerifier });
        c.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = n.SendVerifier });
        c.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)n.Label ?? DBNull.Value });
        c.Parameters.Add(new NpgsqlParameter<long> { TypedValue = n.CreatedAt.ToUnixTimeMilliseconds() });
        c.Parameters.Add(new NpgsqlParameter<long> { TypedValue = n.ExpiresAt.ToUnixTimeMilliseconds() });
        await c.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask<RequestRecord?> FindAsync(SecretId id, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = new NpgsqlCommand($"SELECT {Columns} FROM secret_requests WHERE id = $1", connection);
        c.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = id.ToByteArray() });
        await using var r = await c.ExecuteReaderAsync(CommandBehavior.SingleRow, cancellationToken);
        if (!await r.ReadAsync(cancellationToken))
        {
            return null;
        }

        var answer = r.IsDBNull(5) ? null
            : new RequestAnswer(SecretId.FromBytes(r.GetFieldValue<byte[]>(5)), r.GetFieldValue<byte[]>(6), Time(r.GetInt64(7)));
        return new RequestRecord(id, r.GetFieldValue<byte[]>(0), r.GetFieldValue<byte[]>(1), r.IsDBNull(2) ? null : r.GetString(2),
            Time(r.GetInt64(3)), Time(r.GetInt64(4)), answer, r.IsDBNull(8) ? null : Time(r.GetInt64(8)));
    }

    public async ValueTask<bool> TryAnswerAsync(SecretId id, SecretId? expected, RequestAnswer answer, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        // Under READ COMMITTED a racing UPDATE waits for the first one's commit, then re-checks the
        // WHERE clause on the new row version: the second answer finds answer_secret_id changed.
        await using var c = new NpgsqlCommand("""
            UPDATE secret_requests SET answer_secret_id = @s, ephemeral_key = @k, answered_at = @now
            WHERE id = @id AND destroyed_at IS NULL AND expires_at > @now AND answer_secret_id IS NOT DISTINCT FROM @expected
            """, connection);
        c.Parameters.Add(new NpgsqlParameter<byte[]>("id", id.ToByteArray()));
        c.Parameters.Add(new NpgsqlParameter<byte[]>("s", answer.SecretId.ToByteArray()));
        c.Parameters.Add(new NpgsqlParameter<byte[]>("k", answer.EphemeralKey));
        c.Parameters.Add(new NpgsqlParameter<long>("now", now.ToUnixTimeMilliseconds()));
        c.Parameters.Add(new NpgsqlParameter("expected", NpgsqlDbType.Bytea) { Value = expected is { } e ? e.ToByteArray() : DBNull.Value });
        return await c.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async ValueTask<bool> DestroyAsync(SecretId id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = new NpgsqlCommand("""
            UPDATE secret_requests SET destroyed_at = @now, label = NULL
            WHERE id = @id AND destroyed_at IS NULL AND expires_at > @now
            """, connection);
        c.Parameters.Add(new NpgsqlParameter<byte[]>("id", id.ToByteArray()));
        c.Parameters.Add(new NpgsqlParameter<long>("now", now.ToUnixTimeMilliseconds()));
        return await c.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async ValueTask<RequestSweepResult> SweepAsync(DateTimeOffset now, TimeSpan retention, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var labels = new NpgsqlCommand("UPDATE secret_requests SET label = NULL WHERE label IS NOT NULL AND expires_at <= @now", connection);
        labels.Parameters.Add(new NpgsqlParameter<long>("now", now.ToUnixTimeMilliseconds()));
        var dropped = await labels.ExecuteNonQueryAsync(cancellationToken);
        await using var purge = new NpgsqlCommand("DELETE FROM secret_requests WHERE expires_at <= @cutoff", connection);
        purge.Parameters.Add(new NpgsqlParameter<long>("cutoff", (now - retention).ToUnixTimeMilliseconds()));
        return new RequestSweepResult(dropped, await purge.ExecuteNonQueryAsync(cancellationToken));
    }

    public async ValueTask<long> CountAsync(CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = new NpgsqlCommand("SELECT count(*) FROM secret_requests", connection);
        return (long)(await c.ExecuteScalarAsync(cancellationToken))!;
    }

    private static DateTimeOffset Time(long unixMilliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds);
}
