using Parley.Client.Profiles;

namespace Parley.Client.Messenger;

/// <summary>
/// How conversations are named: <c>@alice</c> for a 1:1 conversation, <c>#&lt;group id&gt;</c> for a
/// group. People type a username, or <c>#</c> and a group's name or the start of its id.
/// </summary>
public static class ConversationId
{
    public static string Direct(string username) => "@" + username;

    public static string Group(string groupId) => "#" + groupId;

    public static bool IsGroup(string conversation) => conversation.StartsWith('#');

    /// <summary>The username or group id inside a conversation id.</summary>
    public static string Subject(string conversation) => conversation[1..];

    /// <summary>Parses a username the way the server canonicalizes it: letters lower-cased; null when invalid.</summary>
    public static string? CanonicalUsername(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var name = text.StartsWith('@') ? text[1..] : text;
        if (name.Length is < 3 or > 32 || !char.IsAsciiLetter(name[0]))
        {
            return null;
        }

        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            var mark = c is '_' or '.' or '-';
            if (!char.IsAsciiLetterOrDigit(c) && !mark)
            {
                return null;
            }

            if (mark && (i == name.Length - 1 || name[i + 1] is '_' or '.' or '-'))
            {
                return null;
            }
        }

        return name.ToLowerInvariant();
    }

    /// <summary>The group a user means by <paramref name="text"/> (<c>#name</c>, <c>#id</c> or the start of an id).</summary>
    public static GroupRecord? FindGroup(IEnumerable<GroupRecord> groups, string text)
    {
        var key = text.StartsWith('#') ? text[1..] : text;
        if (key.Length == 0)
        {
            return null;
        }

        var list = groups.ToList();
        var exact = list.Where(g => g.Id == key || string.Equals(g.Name, key, StringComparison.OrdinalIgnoreCase)).ToList();
        if (exact.Count == 1)
        {
            return exact[0];
        }

        var prefixed = list.Where(g => key.Length >= 4 && g.Id.StartsWith(key, StringComparison.Ordinal)).ToList();
        return exact.Count == 0 && prefixed.Count == 1 ? prefixed[0] : null;
    }
}
