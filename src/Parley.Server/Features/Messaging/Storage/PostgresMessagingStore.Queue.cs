using Npgsql;
using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Features.Messaging.Storage;

internal sealed partial class PostgresMessagingStore : IEnvelopeQueue
{
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

    public async ValueTask<long> CountEnvelopesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection, "SELECT count(*) FROM msg_envelopes");
        return (long)(await c.ExecuteScalarAsync(cancellationToken))!;
    }

    public async ValueTask<int> SweepEnvelopesAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection, """
            WITH deleted AS (DELETE FROM msg_envelopes WHERE expires_at <= @n RETURNING recipient),
            counts AS (SELECT recipient, count(*) AS n FROM deleted GROUP BY recipient),
            updated AS (UPDATE msg_accounts a SET queued = a.queued - counts.n FROM counts WHERE a.username = counts.recipient)
            SELECT count(*) FROM deleted
            """, "n")
            .Bind("n", now.ToUnixTimeMilliseconds());
        return (int)(long)(await c.ExecuteScalarAsync(cancellationToken))!;
    }
}
