namespace Parley.Server.Features.Messaging.Storage;

internal sealed partial class MemoryMessagingStore : IGroupStore
{
    public ValueTask<T> InGroupTransactionAsync<T>(Func<IGroupTransaction, ValueTask<T>> work, CancellationToken cancellationToken)
    {
        // Every primitive below completes synchronously, so the whole unit runs under the lock.
        lock (_gate)
        {
            var tx = new Transaction(this);
            var task = work(tx);
            if (!task.IsCompleted)
            {
                throw new InvalidOperationException("Group work must not await anything but the transaction.");
            }

            if (task.IsFaulted)
            {
                tx.Rollback();
            }

            return ValueTask.FromResult(task.GetAwaiter().GetResult());
        }
    }

    public ValueTask<IReadOnlyList<StoredGroup>> GroupsOfAsync(string username, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult<IReadOnlyList<StoredGroup>>(
                [.. _groups.Values.Where(g => g.Members.Exists(m => m.Username == username)).OrderBy(g => g.CreatedAt).Select(g => g.Snapshot())]);
        }
    }

    /// <summary>Applies changes at once and keeps an undo log, so a unit that throws leaves nothing behind.</summary>
    private sealed class Transaction(MemoryMessagingStore store) : IGroupTransaction
    {
        private readonly List<Action> _undo = [];

        public void Rollback()
        {
            for (var i = _undo.Count - 1; i >= 0; i--)
            {
                _undo[i]();
            }
        }

        private static string Key(byte[] id) => Convert.ToHexString(id);

        public ValueTask<StoredGroup?> LockGroupAsync(byte[] groupId) =>
            ValueTask.FromResult(store._groups.TryGetValue(Key(groupId), out var g) ? g.Snapshot() : null);

        public ValueTask<bool> AccountExistsAsync(string username) => ValueTask.FromResult(store._accounts.ContainsKey(username));

        public ValueTask CreateGroupAsync(byte[] groupId, string name, DateTimeOffset now)
        {
            var key = Key(groupId);
            store._groups.Add(key, new Group(groupId, name, now));
            _undo.Add(() => store._groups.Remove(key));
            return ValueTask.CompletedTask;
        }

        public ValueTask AddMemberAsync(byte[] groupId, string username, GroupRole role, DateTimeOffset now)
        {
            var members = store._groups[Key(groupId)].Members;
            var before = members.ToList();
            members.RemoveAll(m => m.Username == username);
            members.Add(new StoredGroupMember(username, role, now));
            _undo.Add(() => { members.Clear(); members.AddRange(before); });
            return ValueTask.CompletedTask;
        }

        public ValueTask RemoveMemberAsync(byte[] groupId, string username)
        {
            var members = store._groups[Key(groupId)].Members;
            var before = members.ToList();
            members.RemoveAll(m => m.Username == username);
            _undo.Add(() => { members.Clear(); members.AddRange(before); });
            return ValueTask.CompletedTask;
        }

        public ValueTask SetAdminAsync(byte[] groupId, string username, bool admin)
        {
            var members = store._groups[Key(groupId)].Members;
            var before = members.ToList();
            var index = members.FindIndex(m => m.Username == username);
            if (index >= 0)
            {
                members[index] = members[index] with { Role = admin ? GroupRole.Admin : GroupRole.Member };
            }

            _undo.Add(() => { members.Clear(); members.AddRange(before); });
            return ValueTask.CompletedTask;
        }

        public ValueTask DeleteGroupAsync(byte[] groupId)
        {
            var key = Key(groupId);
            if (store._groups.Remove(key, out var group))
            {
                _undo.Add(() => store._groups.Add(key, group));
            }

            return ValueTask.CompletedTask;
        }

        public ValueTask<EnqueueResult> EnqueueAsync(NewEnvelope envelope, int? maxQueued)
        {
            var result = store.Enqueue(envelope, maxQueued);
            if (result.Status == EnqueueStatus.Queued)
            {
                _undo.Add(() =>
                {
                    store._envelopes.Remove(result.Id);
                    store._accounts[envelope.Recipient].Queue.Remove(result.Id);
                });
            }

            return ValueTask.FromResult(result);
        }
    }
}
