using Npgsql;
using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Features.Messaging.Storage;

/// <summary>
/// PostgreSQL store, shareable by several nodes. Each racing change is one statement or one
/// transaction with row locks: enqueueing bumps the recipient's counter under the cap in the same
/// statement that inserts (so one recipient's envelopes commit in id order), a bundle fetch deletes
/// the oldest one-time prekeys with <c>FOR UPDATE SKIP LOCKED</c>, and group changes lock the group row.
/// Implements every messaging store over the provider's one database, a partial file per store:
/// Accounts (<see cref="IAccountStore"/>), PreKeys, Queue (<see cref="IEnvelopeQueue"/>), Presence, Groups.
/// </summary>
internal sealed partial class PostgresMessagingStore(PostgresDatabase db)
{
    private static async Task<List<T>> ReadColumnAsync<T>(Statement<NpgsqlCommand> c, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken)
    {
        await using var r = await c.ExecuteReaderAsync(cancellationToken);
        var result = new List<T>();
        while (await r.ReadAsync(cancellationToken))
        {
            result.Add(read(r));
        }

        return result;
    }

    private static DateTimeOffset Time(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
}
