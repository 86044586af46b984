namespace Parley.Cli.Chat;

/// <summary>Who is typing where; each notice fades after a few seconds unless it is renewed (a "stopped" can get lost).</summary>
internal sealed class TypingIndicators(TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(6);
    private readonly Dictionary<string, Dictionary<string, DateTimeOffset>> _until = new(StringComparer.Ordinal);

    public void Set(string conversation, string user, bool typing)
    {
        if (typing)
        {
            if (!_until.TryGetValue(conversation, out var users))
            {
                _until[conversation] = users = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
            }

            users[user] = time.GetUtcNow() + Lifetime;
        }
        else if (_until.TryGetValue(conversation, out var users))
        {
            users.Remove(user);
        }
    }

    /// <summary>Forgets notices that faded; true when one did (the screen redraws).</summary>
    public bool Prune()
    {
        var now = time.GetUtcNow();
        var changed = false;
        foreach (var users in _until.Values)
        {
            foreach (var (user, until) in users.ToList())
            {
                if (until <= now)
                {
                    changed |= users.Remove(user);
                }
            }
        }

        return changed;
    }

    /// <summary>"bob is typing…", "bob and carol are typing…", or empty.</summary>
    public string Describe(string conversation)
    {
        if (!_until.TryGetValue(conversation, out var users) || users.Count == 0)
        {
            return "";
        }

        var names = users.Keys.Order(StringComparer.Ordinal).ToList();
        return names.Count switch
        {
            1 => $"{names[0]} is typing…",
            2 => $"{names[0]} and {names[1]} are typing…",
            _ => $"{names.Count} people are typing…",
        };
    }
}
