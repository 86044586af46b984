namespace Parley.Cli.Chat;

/// <summary>One row of the conversation list: a 1:1 conversation or a group, with what the list shows about it.</summary>
internal sealed record ConversationEntry(
    string Id,
    string Title,
    int Unread,
    DateTimeOffset LastActivity,
    bool Online,
    bool Verified,
    bool KeyChanged,
    int? Members,
    bool Invited)
{
    public bool IsGroup => Members is not null;

    /// <summary>The row as text, fitted to <paramref name="width"/> columns: marks, title, member count, unread count.</summary>
    public string Row(int width)
    {
        var mark = KeyChanged ? "!" : IsGroup ? "#" : Online ? "●" : "○";
        var verified = Verified ? "✓" : " ";
        var suffix = Invited ? " (invited)" : Members is { } n ? $" ({n})" : "";
        var unread = Unread > 0 ? " " + (Unread > 999 ? "999+" : Unread.ToString(System.Globalization.CultureInfo.InvariantCulture)) : "";
        var name = (IsGroup ? Title.TrimStart('#') : Title.TrimStart('@')) + suffix;
        var room = Math.Max(1, width - 3 - unread.Length);
        name = TextCells.Fit(name, room);
        return $"{mark}{verified} {name}{new string(' ', Math.Max(0, room - TextCells.Width(name)))}{unread}";
    }
}
