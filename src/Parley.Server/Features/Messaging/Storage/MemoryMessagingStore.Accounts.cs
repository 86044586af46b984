namespace Parley.Server.Features.Messaging.Storage;

internal sealed partial class MemoryMessagingStore : IAccountStore
{
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

            var account = new Account(new StoredAccount(a.Username, a.IdentityKey, a.RegistrationId, a.CreatedAt))
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

    public ValueTask<StoredAccount?> FindAccountAsync(string username, CancellationToken cancellationToken)
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
            _tokens[Convert.ToHexString(tokenHash)] = new StoredToken(username, expiresAt);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<StoredToken?> FindTokenAsync(byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken)
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

    public ValueTask<LoginSweep> SweepLoginsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var challenges = _challenges.Count;
            RemoveWhere(_challenges, c => c.ExpiresAt <= now);
            var tokens = _tokens.Count;
            RemoveWhere(_tokens, t => t.ExpiresAt <= now);
            return ValueTask.FromResult(new LoginSweep(challenges - _challenges.Count, tokens - _tokens.Count));
        }
    }
}
