using Npgsql;
using NpgsqlTypes;

namespace Parley.Server.Infrastructure.Storage;

/// <summary>Streamed content as chunk rows in PostgreSQL (secrets' file streams, blobs): one insert per chunk, never the whole upload in memory.</summary>
internal static class PostgresChunks
{
    /// <summary>
    /// Reads exactly <paramref name="length"/> bytes from <paramref name="source"/> and stores them, in chunks of
    /// <paramref name="chunkSize"/>, with <paramref name="insertSql"/>: an insert of <c>($1 id, $2 start offset, $3 bytes)</c>
    /// inside <paramref name="transaction"/>, which the caller rolls back unless the outcome is complete.
    /// </summary>
    public static async ValueTask<CopyOutcome> InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string insertSql, byte[] id,
        Stream source, long offset, long length, int chunkSize, CancellationToken cancellationToken)
    {
        await using var insert = new NpgsqlCommand(insertSql, connection, transaction);
        insert.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = id });
        insert.Parameters.Add(new NpgsqlParameter<long>());
        insert.Parameters.Add(new NpgsqlParameter<ReadOnlyMemory<byte>> { NpgsqlDbType = NpgsqlDbType.Bytea });
        return await StreamCopy.CopyExactAsync(source, offset, length, chunkSize, insert,
            async (cmd, position, block, ct) =>
            {
                ((NpgsqlParameter<long>)cmd.Parameters[1]).TypedValue = position;
                ((NpgsqlParameter<ReadOnlyMemory<byte>>)cmd.Parameters[2]).TypedValue = block;
                await cmd.ExecuteNonQueryAsync(ct);
            }, cancellationToken);
    }
}
