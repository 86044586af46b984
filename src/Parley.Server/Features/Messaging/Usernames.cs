namespace Parley.Server.Features.Messaging;

/// <summary>
/// Username rules: 3 to 32 characters, ASCII letters, digits, '_', '.' and '-', starting with a letter,
/// no two punctuation marks in a row, not ending in one. Unique without regard to case: the server
/// keys accounts by the lower-case form. Names that could pass for the operator or the server are reserved.
/// </summary>
internal static class Usernames
{
    public const int MinLength = 3;
    public const int MaxLength = 32;

    private static readonly HashSet<string> BuiltInReserved = new(StringComparer.Ordinal)
    {
        "admin", "administrator", "root", "system", "sysadmin", "parley", "support", "help", "security", "abuse",
        "postmaster", "hostmaster", "webmaster", "info", "noreply", "no-reply", "api", "server", "operator",
        "moderator", "mod", "staff", "official", "everyone", "all", "here", "me", "null", "undefined", "anonymous",
    };

    public enum Verdict
    {
        Valid,
        Invalid,
        Reserved,
    }

    /// <summary>Checks <paramref name="username"/>; on success <paramref name="canonical"/> is its lower-case form.</summary>
    public static Verdict Check(string? username, IReadOnlyCollection<string> extraReserved, out string canonical)
    {
        canonical = string.Empty;
        if (!IsWellFormed(username))
        {
            return Verdict.Invalid;
        }

        canonical = username!.ToLowerInvariant();
        var key = canonical;
        return BuiltInReserved.Contains(key) || extraReserved.Any(r => string.Equals(r, key, StringComparison.OrdinalIgnoreCase))
            ? Verdict.Reserved
            : Verdict.Valid;
    }

    /// <summary>The canonical form of a name that follows the rules, or null (used for lookups: no reserved check).</summary>
    public static string? Canonical(string? username) => IsWellFormed(username) ? username!.ToLowerInvariant() : null;

    private static bool IsWellFormed(string? username)
    {
        if (username is null || username.Length is < MinLength or > MaxLength || !char.IsAsciiLetter(username[0]))
        {
            return false;
        }

        var previousPunctuation = false;
        foreach (var c in username)
        {
            var punctuation = c is '_' or '.' or '-';
            if (!(char.IsAsciiLetterOrDigit(c) || punctuation) || (punctuation && previousPunctuation))
            {
                return false;
            }

            previousPunctuation = punctuation;
        }

        return !previousPunctuation;
    }
}
