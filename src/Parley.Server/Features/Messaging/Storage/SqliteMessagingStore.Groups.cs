using Parley.Server.Infrastructure.Storage;

namespace Parley.Server.Features.Messaging.Storage;

internal sealed partial class SqliteMessagingStore : IGroupStore
{
    public ValueTask<T> InGroupTransactionAsync<T>(Func<IGroupTransaction, ValueTask<T>> work, CancellationToken cancellationToken) =>
        ValueTask.FromResult(db.WriteTransaction(work, static (s, w) =>
        {
            // Every primitive completes synchronously on the writer connection, inside this transaction.
            var task = w(new Transaction(s));
            if (!task.IsCompleted)
            {
                throw new InvalidOperationException("Group work must not await anything but the transaction.");
            }

            return task.GetAwaiter().GetResult();
        }));

    public async ValueTask<IReadOnlyList<StoredGroup>> GroupsOfAsync(string username, CancellationToken cancellationToken) =>
        await db.ReadAsync(username, static (s, u) =>
        {
            var c = s.Statement("""
                SELECT g.id FROM msg_groups g JOIN msg_group_members m ON m.group_id = g.id
                WHERE m.username = $u ORDER BY g.created_at, g.id
                """, "$u")
                .Bind("$u", u);
            var ids = ReadColumn(c, static r => (byte[])r.GetValue(0));
            return (IReadOnlyList<StoredGroup>)[.. ids.Select(id => ReadGroup(s, id)!)];
        }, cancellationToken);

    private static StoredGroup? ReadGroup(SqliteSession s, byte[] id)
    {
        var g = s.Statement("SELECT name, created_at FROM msg_groups WHERE id = $g", "$g")
            .Bind("$g", id);
        string name;
        long created;
        using (var r = g.ExecuteReader())
        {
            if (!r.Read())
            {
                return null;
            }

            name = r.GetString(0);
            created = r.GetInt64(1);
        }

        var m = s.Statement("SELECT username, admin, invited, joined_at FROM msg_group_members WHERE group_id = $g ORDER BY joined_at, username", "$g")
            .Bind("$g", id);
        var rows = ReadColumn(m, static r => new StoredGroupMember(r.GetString(0),
            r.GetInt64(2) != 0 ? GroupRole.Invited : r.GetInt64(1) != 0 ? GroupRole.Admin : GroupRole.Member, Time(r.GetInt64(3))));
        return StoredGroup.Of(id, name, Time(created), rows);
    }

    private sealed class Transaction(SqliteSession s) : IGroupTransaction
    {
        public ValueTask<StoredGroup?> LockGroupAsync(byte[] groupId) => ValueTask.FromResult(ReadGroup(s, groupId));

        public ValueTask<bool> AccountExistsAsync(string username) => ValueTask.FromResult(FindAccount(s, username) is not null);

        public ValueTask CreateGroupAsync(byte[] groupId, string name, DateTimeOffset now)
        {
            var c = s.Statement("INSERT INTO msg_groups (id, name, created_at) VALUES ($g, $n, $t)", "$g", "$n", "$t")
                .Bind("$g", groupId)
                .Bind("$n", name)
                .Bind("$t", now.ToUnixTimeMilliseconds());
            c.ExecuteNonQuery();
            return ValueTask.CompletedTask;
        }

        public ValueTask AddMemberAsync(byte[] groupId, string username, GroupRole role, DateTimeOffset now)
        {
            var c = s.Statement("""
                INSERT INTO msg_group_members (group_id, username, admin, invited, joined_at) VALUES ($g, $u, $a, $i, $t)
                ON CONFLICT (group_id, username) DO UPDATE SET admin = excluded.admin, invited = excluded.invited, joined_at = excluded.joined_at
                """, "$g", "$u", "$a", "$i", "$t")
                .Bind("$g", groupId)
                .Bind("$u", username)
                .Bind("$a", role == GroupRole.Admin ? 1 : 0)
                .Bind("$i", role == GroupRole.Invited ? 1 : 0)
                .Bind("$t", now.ToUnixTimeMilliseconds());
            c.ExecuteNonQuery();
            return ValueTask.CompletedTask;
        }

        public ValueTask RemoveMemberAsync(byte[] groupId, string username)
        {
            var c = s.Statement("DELETE FROM msg_group_members WHERE group_id = $g AND username = $u", "$g", "$u")
                .Bind("$g", groupId)
                .Bind("$u", username);
            c.ExecuteNonQuery();
            return ValueTask.CompletedTask;
        }

        public ValueTask SetAdminAsync(byte[] groupId, string username, bool admin)
        {
            var c = s.Statement("UPDATE msg_group_members SET admin = $a WHERE group_id = $g AND username = $u", "$a", "$g", "$u")
                .Bind("$a", admin ? 1 : 0)
                .Bind("$g", groupId)
                .Bind("$u", username);
            c.ExecuteNonQuery();
            return ValueTask.CompletedTask;
        }

        public ValueTask DeleteGroupAsync(byte[] groupId)
        {
            var c = s.Statement("DELETE FROM msg_groups WHERE id = $g", "$g")
                .Bind("$g", groupId);
            c.ExecuteNonQuery();
            return ValueTask.CompletedTask;
        }

        public ValueTask<EnqueueResult> EnqueueAsync(NewEnvelope envelope, int? maxQueued) =>
            ValueTask.FromResult(Enqueue(s, envelope, maxQueued));
    }
}
