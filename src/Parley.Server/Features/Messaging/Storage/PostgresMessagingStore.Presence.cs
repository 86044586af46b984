using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Features.Messaging.Storage;

internal sealed partial class PostgresMessagingStore : IPresenceStore
{
    public async ValueTask<bool> SetPresenceGrantAsync(string subject, string viewer, PresenceGrant grant, CancellationToken cancellationToken)
    {
        // One statement: the CTEs see the row as it was before the upsert; a pair that has a record keeps it
        // when the grant comes from a send. The result tells whether the viewer's view changed.
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection, """
            WITH was AS (SELECT allowed FROM msg_presence WHERE subject = @s AND viewer = @v),
            put AS (
              INSERT INTO msg_presence (subject, viewer, allowed) SELECT @s, @v, @a
              WHERE EXISTS (SELECT 1 FROM msg_accounts WHERE username = @s) AND EXISTS (SELECT 1 FROM msg_accounts WHERE username = @v)
              ON CONFLICT (subject, viewer) DO UPDATE SET allowed = excluded.allowed WHERE NOT @sent
              RETURNING allowed)
            SELECT EXISTS (SELECT 1 FROM put) AND (SELECT allowed FROM put) IS DISTINCT FROM coalesce((SELECT allowed FROM was), false)
            """, "s", "v", "a", "sent")
            .Bind("s", subject)
            .Bind("v", viewer)
            .Bind("a", grant != PresenceGrant.Withdrawn)
            .Bind("sent", grant == PresenceGrant.Sent);
        return await c.ExecuteScalarAsync(cancellationToken) is true;
    }

    public ValueTask<IReadOnlyList<string>> PresenceViewersAsync(string subject, CancellationToken cancellationToken) =>
        PresenceOfAsync("SELECT viewer FROM msg_presence WHERE subject = @u AND allowed ORDER BY viewer", subject, cancellationToken);

    public ValueTask<IReadOnlyList<string>> PresenceSubjectsAsync(string viewer, CancellationToken cancellationToken) =>
        PresenceOfAsync("SELECT subject FROM msg_presence WHERE viewer = @u AND allowed ORDER BY subject", viewer, cancellationToken);

    private async ValueTask<IReadOnlyList<string>> PresenceOfAsync(string sql, string username, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var c = PostgresStatement.Create(connection, sql, "u")
            .Bind("u", username);
        return await ReadColumnAsync(c, static r => r.GetString(0), cancellationToken);
    }
}
