using Npgsql;

namespace Parley.Server.Infrastructure.Storage;

/// <summary>Streamed content as chunk rows in PostgreSQL (secrets' file streams, blobs): one insert per chunk, never the whole upload in memory.</summary>
internal static class PostgresChunks
{
    /// <summary>
    /// Reads exactly <paramref name="length"/> bytes from <paramref name="source"/> and stores them, in chunks of
    /// <paramref name="chunkSize"/>, with <paramref name="insertSql"/>: an insert of <c>($1 id, $2 start offset, $3 bytes)</c>
    /// (positional, so every store's chunk table fits) inside <paramref name="transaction"/>, which the caller rolls back
    /// unless the outcome is complete.
    /// </summary>
    public static async ValueTask<CopyOutcome> InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string insertSql, byte[] id,
        Stream source, long offset, long length, int chunkSize, CancellationToken cancellationToken)
    {
        await using var insert = PostgresStatement.Positional(connection, insertSql, 3);
        return await StreamCopy.CopyExactAsync(source, offset, length, chunkSize, (insert, id),
            static async (s, position, block, ct) =>
            {
                // Every chunk binds all three: nothing carries over from the previous chunk.
                await s.insert.Again()
                    .Bind(0, s.id)
                    .Bind(1, position)
                    .Bind(2, block)
                    .ExecuteNonQueryAsync(ct);
            }, cancellationToken);
    }
}
