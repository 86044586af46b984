using Npgsql;
using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Features.Messaging.Storage;

internal sealed partial class PostgresMessagingStore : IGroupStore
{
    public async ValueTask<T> InGroupTransactionAsync<T>(Func<IGroupTransaction, ValueTask<T>> work, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        var result = await work(new Transaction(connection, cancellationToken));
        await tx.CommitAsync(cancellationToken);
        return result;
    }

    public async ValueTask<IReadOnlyList<StoredGroup>> GroupsOfAsync(string username, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        List<byte[]> ids;
        await using (var c = PostgresStatement.Create(connection, """
            SELECT g.id FROM msg_groups g JOIN msg_group_members m ON m.group_id = g.id WHERE m.username = @u ORDER BY g.created_at, g.id
            """, "u")
            .Bind("u", username))
        {
            ids = await ReadColumnAsync(c, static r => r.GetFieldValue<byte[]>(0), cancellationToken);
        }

        var groups = new List<StoredGroup>();
        foreach (var id in ids)
        {
            if (await ReadGroupAsync(connection, id, forUpdate: false, cancellationToken) is { } g)
            {
                groups.Add(g);
            }
        }

        return groups;
    }

    private static async Task<StoredGroup?> ReadGroupAsync(NpgsqlConnection connection, byte[] id, bool forUpdate, CancellationToken cancellationToken)
    {
        string name;
        long created;
        await using (var g = PostgresStatement.Create(connection,
            "SELECT name, created_at FROM msg_groups WHERE id = @g" + (forUpdate ? " FOR UPDATE" : ""), "g")
            .Bind("g", id))
        await using (var r = await g.ExecuteReaderAsync(cancellationToken))
        {
            if (!await r.ReadAsync(cancellationToken))
            {
                return null;
            }

            name = r.GetString(0);
            created = r.GetInt64(1);
        }

        await using var m = PostgresStatement.Create(connection, """
            SELECT username, admin, invited, joined_at FROM msg_group_members WHERE group_id = @g ORDER BY joined_at, username COLLATE "C"
            """, "g")
            .Bind("g", id);
        var rows = await ReadColumnAsync(m, static r => new StoredGroupMember(r.GetString(0),
            r.GetBoolean(2) ? GroupRole.Invited : r.GetBoolean(1) ? GroupRole.Admin : GroupRole.Member, Time(r.GetInt64(3))), cancellationToken);
        return StoredGroup.Of(id, name, Time(created), rows);
    }

    private sealed class Transaction(NpgsqlConnection connection, CancellationToken cancellationToken) : IGroupTransaction
    {
        public async ValueTask<StoredGroup?> LockGroupAsync(byte[] groupId) =>
            await ReadGroupAsync(connection, groupId, forUpdate: true, cancellationToken);

        public async ValueTask<bool> AccountExistsAsync(string username) =>
            await FindAccountAsync(connection, username, cancellationToken) is not null;


        public async ValueTask CreateGroupAsync(byte[] groupId, string name, DateTimeOffset now)
        {
            await using var c = PostgresStatement.Create(connection,
                "INSERT INTO msg_groups (id, name, created_at) VALUES (@g, @n, @t)", "g", "n", "t")
                .Bind("g", groupId)
                .Bind("n", name)
                .Bind("t", now.ToUnixTimeMilliseconds());
            await c.ExecuteNonQueryAsync(cancellationToken);
        }

        public async ValueTask AddMemberAsync(byte[] groupId, string username, GroupRole role, DateTimeOffset now)
        {
            await using var c = PostgresStatement.Create(connection, """
                INSERT INTO msg_group_members (group_id, username, admin, invited, joined_at) VALUES (@g, @u, @a, @i, @t)
                ON CONFLICT (group_id, username) DO UPDATE SET admin = excluded.admin, invited = excluded.invited, joined_at = excluded.joined_at
                """, "g", "u", "a", "i", "t")
                .Bind("g", groupId)
                .Bind("u", username)
                .Bind("a", role == GroupRole.Admin)
                .Bind("i", role == GroupRole.Invited)
                .Bind("t", now.ToUnixTimeMilliseconds());
            await c.ExecuteNonQueryAsync(cancellationToken);
        }

        public async ValueTask RemoveMemberAsync(byte[] groupId, string username)
        {
            await using var c = PostgresStatement.Create(connection, "DELETE FROM msg_group_members WHERE group_id = @g AND username = @u", "g", "u")
                .Bind("g", groupId)
                .Bind("u", username);
            await c.ExecuteNonQueryAsync(cancellationToken);
        }

        public async ValueTask SetAdminAsync(byte[] groupId, string username, bool admin)
        {
            await using var c = PostgresStatement.Create(connection,
                "UPDATE msg_group_members SET admin = @a WHERE group_id = @g AND username = @u", "a", "g", "u")
                .Bind("a", admin)
                .Bind("g", groupId)
                .Bind("u", username);
            await c.ExecuteNonQueryAsync(cancellationToken);
        }

        public async ValueTask DeleteGroupAsync(byte[] groupId)
        {
            await using var c = PostgresStatement.Create(connection, "DELETE FROM msg_groups WHERE id = @g", "g")
                .Bind("g", groupId);
            await c.ExecuteNonQueryAsync(cancellationToken);
        }

        public async ValueTask<EnqueueResult> EnqueueAsync(NewEnvelope envelope, int? maxQueued) =>
            await PostgresMessagingStore.EnqueueAsync(connection, envelope, maxQueued, cancellationToken);
    }
}
