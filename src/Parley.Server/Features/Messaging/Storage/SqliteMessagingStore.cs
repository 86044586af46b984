using Microsoft.Data.Sqlite;
using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Features.Messaging.Storage;

/// <summary>
/// SQLite store in the shared database file. The hot writes (enqueue, acknowledge) go through the
/// database's group commit, so thousands of envelopes a second cost a few transactions; everything
/// else is one write transaction on the single writer connection, which makes each step atomic.
/// Implements every messaging store over the provider's one database, a partial file per store:
/// Accounts (<see cref="IAccountStore"/>), PreKeys, Queue (<see cref="IEnvelopeQueue"/>), Presence, Groups.
/// </summary>
internal sealed partial class SqliteMessagingStore(SqliteDatabase db)
{
    private static List<T> ReadColumn<T>(Statement<SqliteCommand> c, Func<SqliteDataReader, T> read)
    {
        var result = new List<T>();
        using var r = c.ExecuteReader();
        while (r.Read())
        {
            result.Add(read(r));
        }

        return result;
    }

    /// <summary>Deletes the rows of <paramref name="table"/> (one with an <c>expires_at</c>) expired at <paramref name="now"/> (Unix ms).</summary>
    private static int DeleteExpired(SqliteSession s, string table, long now) =>
        s.Statement($"DELETE FROM {table} WHERE expires_at <= $n", "$n").Bind("$n", now).ExecuteNonQuery();

    private static DateTimeOffset Time(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
}
