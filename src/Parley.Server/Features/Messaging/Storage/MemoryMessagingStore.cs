namespace Parley.Server.Features.Messaging.Storage;

/// <summary>
/// RAM-only store: nothing touches disk. One lock makes every operation a single indivisible step
/// (the operations are a few dictionary lookups each, far below the cost of the network around them).
/// </summary>
internal sealed class MemoryMessagingStore : IMessagingStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Account> _accounts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string User, DateTimeOffset ExpiresAt)> _challenges = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TokenRecord> _tokens = new(StringComparer.Ordinal);
    private readonly HashSet<string> _usedInvites = new(StringComparer.Ordinal);
    private readonly Dictionary<long, StoredEnvelopeEntry> _envelopes = [];
    private readonly Dictionary<(string Subject, string Viewer), bool> _presence = [];
    private readonly Dictionary<string, Group> _groups = new(StringComparer.Ordinal);
    private long _nextEnvelopeId;

    public ValueTask<bool> PingAsync(CancellationToken cancellationToken) => ValueTask.FromResult(true);

    public ValueTask<RegisterStatus> RegisterAsync(NewAccount a, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_accounts.ContainsKey(a.Username))
            {
                return ValueTask.FromResult(RegisterStatus.UsernameTaken);
            }

            if (a.InviteHash is not null && !_usedInvites.Add(Convert.ToHexString(a.InviteHash)))
            {
                return ValueTask.FromResult(RegisterStatus.InviteUsed);
            }

            var account = new Account(new AccountRecord(a.Username, a.IdentityKey, a.RegistrationId, a.CreatedAt))
            {
                SignedPreKey = a.SignedPreKey,
                LastResort = a.KyberLastResort,
            };
            account.PreKeys.AddRange(a.PreKeys);
            account.KyberPreKeys.AddRange(a.KyberPreKeys);
            _accounts.Add(a.Username, account);
            return ValueTask.FromResult(RegisterStatus.Registered);
        }
    }

    public ValueTask<AccountRecord?> FindAccountAsync(string username, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_accounts.TryGetValue(username, out var a) ? a.Record : null);
        }
    }

    public ValueTask<bool> DeleteAccountAsync(string username, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_accounts.Remove(username, out var account))
            {
                return ValueTask.FromResult(false);
            }

            foreach (var id in account.Queue)
            {
                _envelopes.Remove(id);
            }

            RemoveWhere(_tokens, t => t.Username == username);
            RemoveWhere(_challenges, c => c.User == username);
            foreach (var pair in _presence.Keys.Where(k => k.Subject == username || k.Viewer == username).ToList())
            {
                _presence.Remove(pair);
            }

            foreach (var group in _groups.Values)
            {
                group.Members.RemoveAll(m => m.Username == username);
            }

            return ValueTask.FromResult(true);
        }
    }

    private static void RemoveWhere<TValue>(Dictionary<string, TValue> map, Func<TValue, bool> match)
    {
        foreach (var key in map.Where(p => match(p.Value)).Select(p => p.Key).ToList())
        {
            map.Remove(key);
        }
    }

    public ValueTask StoreChallengeAsync(string username, byte[] nonceHash, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var key = Convert.ToHexString(nonceHash);
            var older = _challenges.Where(p => p.Value.User == username && p.Key != key).OrderByDescending(p => p.Value.ExpiresAt)
                .Skip(MessagingStoreLimits.PendingChallenges - 1).Select(p => p.Key).ToList();
            older.ForEach(k => _challenges.Remove(k));
            _challenges[key] = (username, expiresAt);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<DateTimeOffset?> TakeChallengeAsync(string username, byte[] nonceHash, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var key = Convert.ToHexString(nonceHash);
            if (_challenges.TryGetValue(key, out var c) && c.User == username)
            {
                _challenges.Remove(key);
                return ValueTask.FromResult<DateTimeOffset?>(c.ExpiresAt);
            }

            return ValueTask.FromResult<DateTimeOffset?>(null);
        }
    }

    public ValueTask StoreTokenAsync(byte[] tokenHash, string username, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _tokens[Convert.ToHexString(tokenHash)] = new TokenRecord(username, expiresAt);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<TokenRecord?> FindTokenAsync(byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_tokens.TryGetValue(Convert.ToHexString(tokenHash), out var t) && t.ExpiresAt > now ? t : null);
        }
    }

    public ValueTask<bool> DeleteTokenAsync(byte[] tokenHash, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_tokens.Remove(Convert.ToHexString(tokenHash)));
        }
    }

    public ValueTask<UploadStatus> AddPreKeysAsync(string username, PreKeyUpload upload, int maxStored, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_accounts.TryGetValue(username, out var a))
            {
                return ValueTask.FromResult(UploadStatus.UnknownAccount);
            }

            if (a.PreKeys.Count + upload.PreKeys.Count > maxStored || a.KyberPreKeys.Count + upload.KyberPreKeys.Count > maxStored)
            {
                return ValueTask.FromResult(UploadStatus.TooMany);
            }

            if (upload.PreKeys.Any(k => a.PreKeys.Exists(p => p.Id == k.Id))
                || upload.KyberPreKeys.Any(k => a.KyberPreKeys.Exists(p => p.Id == k.Id)))
            {
                return ValueTask.FromResult(UploadStatus.Conflict);
            }

            a.PreKeys.AddRange(upload.PreKeys);
            a.KyberPreKeys.AddRange(upload.KyberPreKeys);
            a.SignedPreKey = upload.SignedPreKey ?? a.SignedPreKey;
            a.LastResort = upload.KyberLastResort ?? a.LastResort;
            return ValueTask.FromResult(UploadStatus.Stored);
        }
    }

    public ValueTask<BundleRecord?> TakeBundleAsync(string username, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_accounts.TryGetValue(username, out var a))
            {
                return ValueTask.FromResult<BundleRecord?>(null);
            }

            StoredPreKey? preKey = null;
            if (a.PreKeys.Count > 0)
            {
                preKey = a.PreKeys[0];
                a.PreKeys.RemoveAt(0);
            }

            var kyber = a.LastResort;
            var lastResort = true;
            if (a.KyberPreKeys.Count > 0)
            {
                kyber = a.KyberPreKeys[0];
                a.KyberPreKeys.RemoveAt(0);
                lastResort = false;
            }

            return ValueTask.FromResult<BundleRecord?>(new BundleRecord(a.Record, preKey, a.SignedPreKey, kyber, lastResort));
        }
    }

    public ValueTask<PreKeyCounts> CountPreKeysAsync(string username, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_accounts.TryGetValue(username, out var a)
                ? new PreKeyCounts(a.PreKeys.Count, a.KyberPreKeys.Count)
                : default);
        }
    }

    public ValueTask<EnqueueResult> EnqueueAsync(NewEnvelope envelope, int maxQueued, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(Enqueue(envelope, maxQueued));
        }
    }

    private EnqueueResult Enqueue(NewEnvelope e, int? maxQueued)
    {
        if (!_accounts.TryGetValue(e.Recipient, out var account))
        {
            return new EnqueueResult(EnqueueStatus.UnknownRecipient, 0);
        }

        if (maxQueued is { } max && account.Queue.Count >= max)
        {
            return new EnqueueResult(EnqueueStatus.QueueFull, 0);
        }

        var id = ++_nextEnvelopeId;
        _envelopes.Add(id, new StoredEnvelopeEntry(
            new StoredEnvelope(id, e.Recipient, e.Sender, e.Type, e.GroupId, e.Now, e.Content), e.ExpiresAt));
        account.Queue.Add(id);
        return new EnqueueResult(EnqueueStatus.Queued, id);
    }

    public ValueTask<IReadOnlyList<StoredEnvelope>> ReadQueueAsync(string recipient, long afterId, int max, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_accounts.TryGetValue(recipient, out var account))
            {
                return ValueTask.FromResult<IReadOnlyList<StoredEnvelope>>([]);
            }

            var result = new List<StoredEnvelope>();
            foreach (var id in account.Queue.GetViewBetween(afterId + 1, long.MaxValue))
            {
                var entry = _envelopes[id];
                if (entry.ExpiresAt > now)
                {
                    result.Add(entry.Envelope);
                    if (result.Count == max)
                    {
                        break;
                    }
                }
            }

            return ValueTask.FromResult<IReadOnlyList<StoredEnvelope>>(result);
        }
    }

    public ValueTask<IReadOnlyList<AckedEnvelope>> AckAsync(string recipient, IReadOnlyList<long> ids, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var acked = new List<AckedEnvelope>();
            if (_accounts.TryGetValue(recipient, out var account))
            {
                foreach (var id in ids)
                {
                    if (account.Queue.Remove(id) && _envelopes.Remove(id, out var entry))
                    {
                        acked.Add(new AckedEnvelope(id, entry.Envelope.Sender));
                    }
                }
            }

            return ValueTask.FromResult<IReadOnlyList<AckedEnvelope>>(acked);
        }
    }

    public ValueTask<IReadOnlyList<long>> QueuedOfAsync(string sender, IReadOnlyList<long> ids, DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult<IReadOnlyList<long>>(
                [.. ids.Distinct().Where(id => _envelopes.TryGetValue(id, out var e) && e.Envelope.Sender == sender && e.ExpiresAt > now).Order()]);
        }
    }

    public ValueTask<long> CountEnvelopesAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult((long)_envelopes.Count);
        }
    }

    public ValueTask<bool> SetPresenceGrantAsync(string subject, string viewer, PresenceGrant grant, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var had = _presence.TryGetValue((subject, viewer), out var was);
            if ((grant == PresenceGrant.Sent && had) || !_accounts.ContainsKey(subject) || !_accounts.ContainsKey(viewer))
            {
                return ValueTask.FromResult(false);
            }

            var allowed = grant != PresenceGrant.Withdrawn;
            _presence[(subject, viewer)] = allowed;
            return ValueTask.FromResult(was != allowed);
        }
    }

    public ValueTask<IReadOnlyList<string>> PresenceViewersAsync(string subject, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult<IReadOnlyList<string>>(
                [.. _presence.Where(p => p.Value && p.Key.Subject == subject).Select(p => p.Key.Viewer).Order(StringComparer.Ordinal)]);
        }
    }

    public ValueTask<IReadOnlyList<string>> PresenceSubjectsAsync(string viewer, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult<IReadOnlyList<string>>(
                [.. _presence.Where(p => p.Value && p.Key.Viewer == viewer).Select(p => p.Key.Subject).Order(StringComparer.Ordinal)]);
        }
    }

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

    public ValueTask<IReadOnlyList<GroupRecord>> GroupsOfAsync(string username, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult<IReadOnlyList<GroupRecord>>(
                [.. _groups.Values.Where(g => g.Members.Exists(m => m.Username == username)).OrderBy(g => g.CreatedAt).Select(g => g.Snapshot())]);
        }
    }

    public ValueTask<MessagingSweep> SweepAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var expired = _envelopes.Values.Where(e => e.ExpiresAt <= now).Select(e => e.Envelope).ToList();
            foreach (var e in expired)
            {
                _envelopes.Remove(e.Id);
                if (_accounts.TryGetValue(e.Recipient, out var a))
                {
                    a.Queue.Remove(e.Id);
                }
            }

            var challenges = _challenges.Count;
            RemoveWhere(_challenges, c => c.ExpiresAt <= now);
            var tokens = _tokens.Count;
            RemoveWhere(_tokens, t => t.ExpiresAt <= now);
            return ValueTask.FromResult(new MessagingSweep(expired.Count, challenges - _challenges.Count, tokens - _tokens.Count));
        }
    }

    private sealed class Account(AccountRecord record)
    {
        public AccountRecord Record { get; } = record;

        public StoredPreKey SignedPreKey { get; set; } = null!;

        public StoredPreKey LastResort { get; set; } = null!;

        public List<StoredPreKey> PreKeys { get; } = [];

        public List<StoredPreKey> KyberPreKeys { get; } = [];

        public SortedSet<long> Queue { get; } = [];
    }

    private sealed record StoredEnvelopeEntry(StoredEnvelope Envelope, DateTimeOffset ExpiresAt);

    private sealed class Group(byte[] id, string name, DateTimeOffset createdAt)
    {
        public byte[] Id { get; } = id;

        public string Name { get; } = name;

        public DateTimeOffset CreatedAt { get; } = createdAt;

        /// <summary>Members and invitees.</summary>
        public List<GroupMemberRecord> Members { get; init; } = [];

        // The order of the SQL stores: by time, then username.
        public GroupRecord Snapshot() =>
            GroupRecord.Of(Id, Name, CreatedAt, Members.OrderBy(m => m.Since).ThenBy(m => m.Username, StringComparer.Ordinal));
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

        public ValueTask<GroupRecord?> LockGroupAsync(byte[] groupId) =>
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
            members.Add(new GroupMemberRecord(username, role, now));
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
