namespace Parley.Server.Features.Messaging.Storage;

internal sealed partial class SqliteMessagingStore : IPresenceStore
{
    public async ValueTask<bool> SetPresenceGrantAsync(string subject, string viewer, PresenceGrant grant, CancellationToken cancellationToken) =>
        await db.WriteBatchedAsync((subject, viewer, grant), static (s, a) =>
        {
            var before = s.Statement("SELECT allowed FROM msg_presence WHERE subject = $s AND viewer = $v", "$s", "$v")
                .Bind("$s", a.subject)
                .Bind("$v", a.viewer);
            var was = before.ExecuteScalar() as long?;
            if (a.grant == PresenceGrant.Sent && was is not null)
            {
                return false;
            }

            var allowed = a.grant != PresenceGrant.Withdrawn;
            var c = s.Statement("""
                INSERT INTO msg_presence (subject, viewer, allowed) SELECT $s, $v, $a
                WHERE EXISTS (SELECT 1 FROM msg_accounts WHERE username = $s) AND EXISTS (SELECT 1 FROM msg_accounts WHERE username = $v)
                ON CONFLICT (subject, viewer) DO UPDATE SET allowed = excluded.allowed
                """, "$s", "$v", "$a")
                .Bind("$s", a.subject)
                .Bind("$v", a.viewer)
                .Bind("$a", allowed ? 1 : 0);
            return c.ExecuteNonQuery() == 1 && (was == 1) != allowed;
        }, cancellationToken);

    public async ValueTask<IReadOnlyList<string>> PresenceViewersAsync(string subject, CancellationToken cancellationToken) =>
        await PresenceOfAsync("SELECT viewer FROM msg_presence WHERE subject = $u AND allowed = 1 ORDER BY viewer", subject, cancellationToken);

    public async ValueTask<IReadOnlyList<string>> PresenceSubjectsAsync(string viewer, CancellationToken cancellationToken) =>
        await PresenceOfAsync("SELECT subject FROM msg_presence WHERE viewer = $u AND allowed = 1 ORDER BY subject", viewer, cancellationToken);

    private async ValueTask<IReadOnlyList<string>> PresenceOfAsync(string sql, string username, CancellationToken cancellationToken) =>
        await db.ReadAsync((sql, username), static (s, a) =>
        {
            var c = s.Statement(a.sql, "$u")
                .Bind("$u", a.username);
            return (IReadOnlyList<string>)ReadColumn(c, static r => r.GetString(0));
        }, cancellationToken);
}
