using Terminal.Gui.ViewBase;
using Attribute = Terminal.Gui.Drawing.Attribute;

namespace Parley.Cli.Chat;

/// <summary>A view that draws itself from the chat session, row by row.</summary>
internal abstract class SessionView : View
{
    protected SessionView(ChatSession session, ChatTheme theme)
    {
        Session = session;
        Theme = theme;
        CanFocus = false;
    }

    protected ChatSession Session { get; }

    protected ChatTheme Theme { get; }

    /// <summary>Writes <paramref name="text"/> at row <paramref name="y"/>, fitted to the width and padded with spaces.</summary>
    protected void Row(int y, string text, Attribute attribute, int x = 0, int? width = null)
    {
        var w = width ?? Viewport.Width - x;
        if (w <= 0 || y < 0 || y >= Viewport.Height)
        {
            return;
        }

        var fitted = TextCells.Fit(text, w);
        SetAttribute(attribute);
        Move(x, y);
        AddStr(fitted + new string(' ', Math.Max(0, w - TextCells.Width(fitted))));
    }
}

/// <summary>The conversation list on the left: marks, names, member counts, unread counts; a line on its right edge.</summary>
internal sealed class ConversationListView(ChatSession session, ChatTheme theme) : SessionView(session, theme)
{
    protected override bool OnDrawingContent(DrawContext? context)
    {
        var width = Viewport.Width - 1;
        Row(0, "Conversations", Theme.Title, 0, width);
        var rows = Viewport.Height - 1;
        var entries = Session.Entries;
        var selected = Session.Current is null ? -1 : entries.FindIndex(e => e.Id == Session.Current.Id);
        var first = Math.Max(0, Math.Min(selected - rows / 2, entries.Count - rows));
        for (var y = 0; y < rows; y++)
        {
            var i = first + y;
            if (i >= entries.Count)
            {
                Row(y + 1, "", Theme.Normal, 0, width);
                continue;
            }

            var e = entries[i];
            var attribute = i == selected ? Theme.Selected : e.KeyChanged ? Theme.Warning : e.Unread > 0 ? Theme.Title : Theme.Normal;
            Row(y + 1, e.Row(width), attribute, 0, width);
        }

        SetAttribute(Theme.Separator);
        for (var y = 0; y < Viewport.Height; y++)
        {
            Move(width, y);
            AddStr("│");
        }

        return true;
    }
}

/// <summary>The open conversation's title, and under it the banner when a key changed or the session was reset.</summary>
internal sealed class HeaderView(ChatSession session, ChatTheme theme) : SessionView(session, theme)
{
    /// <summary>The banner's rows at <paramref name="width"/> (0 without a banner).</summary>
    public List<string> BannerRows(int width) =>
        Session.Current is { } c && Session.BannerOf(c) is { } banner ? TextCells.Wrap(banner, Math.Max(10, width - 2)) : [];

    protected override bool OnDrawingContent(DrawContext? context)
    {
        if (Session.Current is not { } c)
        {
            Row(0, " No conversation: /open <user> or /open #group, F1 for help", Theme.Dim);
            return true;
        }

        string title;
        if (Session.GroupOf(c) is { } group)
        {
            var standing = group.Standing switch
            {
                Client.Profiles.GroupStanding.Invited => " · invited: /accept to join",
                Client.Profiles.GroupStanding.Gone => " · you are no longer in this group",
                _ => "",
            };
            // The standing goes first: at 80 columns the member list is what gets cut.
            title = $" {c.Title}{standing} · {group.Members.Count} member{(group.Members.Count == 1 ? "" : "s")}: {string.Join(", ", group.Members.Select(m => m.Username))}";
        }
        else
        {
            var contact = Session.ContactOf(Client.Messenger.ConversationId.Subject(c.Id));
            var verified = contact is null ? "" : contact.Verified ? " · ✓ verified" : " · not verified";
            title = $" {c.Title}{verified} · {(c.Online ? "online" : "offline")}";
        }

        Row(0, title, Theme.Title);
        var y = 1;
        foreach (var line in BannerRows(Viewport.Width))
        {
            Row(y++, " " + line, Theme.Banner);
        }

        return true;
    }
}

/// <summary>The open conversation's history (or a panel: help, a safety number), newest at the bottom.</summary>
internal sealed class HistoryView(ChatSession session, ChatTheme theme) : SessionView(session, theme)
{
    /// <summary>Older messages; in a panel, back towards its top.</summary>
    public void PageUp() => Scroll(Math.Max(1, Viewport.Height - 2));

    /// <summary>Newer messages; in a panel, further down it.</summary>
    public void PageDown() => Scroll(-Math.Max(1, Viewport.Height - 2));

    /// <summary>Scrolls <paramref name="rows"/> towards older messages (negative: newer); a panel moves the other way, up by as many.</summary>
    public void Scroll(int rows)
    {
        if (Session.Panel is not null)
        {
            Session.PanelScroll = Math.Max(0, Session.PanelScroll - rows);
            SetNeedsDraw();
            return;
        }

        var before = Session.Scroll;
        Session.Scroll = Math.Max(0, Session.Scroll + rows);
        if (before > 0 && Session.Scroll == 0)
        {
            Session.ScrolledToBottom();
        }

        SetNeedsDraw();
    }

    protected override bool OnDrawingContent(DrawContext? context)
    {
        var width = Viewport.Width;
        var height = Viewport.Height;
        Session.Width = width;
        if (Session.Panel is { } panel)
        {
            DrawPanel(panel, width, height);
            return true;
        }

        // Rows are laid out from the newest message upwards, only as far as the screen needs.
        var history = Session.History;
        var needed = Session.Scroll + height;
        var rows = new List<(HistoryRow Row, HistoryEntry Entry)>();
        var revealAt = -1;
        for (var i = history.Count - 1; i >= 0 && (rows.Count < needed || Session.Reveal is not null); i--)
        {
            var entry = history[i];
            var entryRows = entry.Rows(width, i == 0 ? Session.AtStart : history[i - 1].Day != entry.Day);
            for (var r = entryRows.Length - 1; r >= 0; r--)
            {
                rows.Add((entryRows[r], entry));
            }

            if (entry == Session.Reveal)
            {
                revealAt = rows.Count - 1;
                Session.Reveal = null;
            }
        }

        if (revealAt >= 0 && (revealAt < Session.Scroll || revealAt >= Session.Scroll + height))
        {
            Session.Scroll = Math.Max(0, revealAt - height / 2);
        }

        if (rows.Count < Session.Scroll + height)
        {
            if (Session.AtStart)
            {
                Session.Scroll = Math.Max(0, Math.Min(Session.Scroll, rows.Count - height));
            }
            else
            {
                Session.LoadOlder(); // draws again once the page is in
            }
        }

        for (var y = 0; y < height; y++)
        {
            var index = Session.Scroll + (height - 1 - y);
            if (index >= rows.Count)
            {
                Row(y, "", Theme.Normal);
                continue;
            }

            var (row, entry) = rows[index];
            var attribute = entry == Session.Match ? Theme.Match : row.Style switch
            {
                RowStyle.Outgoing => Theme.Outgoing,
                RowStyle.Notice => Theme.Notice,
                RowStyle.DaySeparator => Theme.Separator,
                _ => Theme.Incoming,
            };
            Row(y, row.Text, attribute);
        }

        if (Session.Scroll > 0)
        {
            Row(height - 1, $" ↓ {Session.Scroll} more rows below: PgDn or Ctrl-End ", Theme.Status, 0, Math.Min(width, 44));
        }

        return true;
    }

    private void DrawPanel(Panel panel, int width, int height)
    {
        var lines = new List<string> { " " + panel.Title, "" };
        foreach (var line in panel.Lines)
        {
            lines.AddRange(TextCells.WrapHanging(line, Math.Max(8, width - 2)).Select(l => " " + l));
        }

        // The last row says how to go on: the panel may be longer than the pane (help at 80×24).
        var rows = Math.Max(1, height - 1);
        Session.PanelScroll = Math.Min(Session.PanelScroll, Math.Max(0, lines.Count - rows));
        var first = Session.PanelScroll;
        for (var y = 0; y < rows; y++)
        {
            var i = first + y;
            Row(y, i < lines.Count ? lines[i] : "", i == 0 ? Theme.Title : Theme.Normal);
        }

        var more = first + rows < lines.Count;
        Row(height - 1, more ? " ↓ PgDn: more · Esc closes this" : first > 0 ? " PgUp: back · Esc closes this" : " Esc closes this", Theme.Dim);
    }
}

/// <summary>Above the input line: the last result or refusal (wrapped, a few rows at most), then who is typing.</summary>
internal sealed class TypingView(ChatSession session, ChatTheme theme) : SessionView(session, theme)
{
    private const int MaxFeedbackRows = 3;

    /// <summary>The feedback's rows at <paramref name="width"/> (none without feedback).</summary>
    public List<string> FeedbackRows(int width) =>
        Session.Feedback is { } text ? [.. TextCells.Wrap("» " + text, Math.Max(10, width - 1)).Take(MaxFeedbackRows)] : [];

    protected override bool OnDrawingContent(DrawContext? context)
    {
        var y = 0;
        foreach (var row in FeedbackRows(Viewport.Width))
        {
            Row(y++, " " + row, Theme.Notice);
        }

        Row(y, Session.Current is { } c ? " " + Session.Typing.Describe(c.Id) : "", Theme.Dim);
        return true;
    }
}

/// <summary>The bottom line: who and where, the connection, and the main keys (or what the input line is for now).</summary>
internal sealed class StatusView(ChatSession session, ChatTheme theme, string prompt) : SessionView(session, theme)
{
    /// <summary>What the input line is for ("search" while searching); shown before the hints.</summary>
    public string Mode { get; set; } = prompt;

    protected override bool OnDrawingContent(DrawContext? context)
    {
        var m = Session.Messenger;
        var connection = Session.Connected ? "● connected" : "○ " + (Session.ConnectionProblem ?? "offline");
        var tail = Mode.Length > 0 ? Mode : "F1 help · Ctrl-Q quit · Ctrl-N/P switch · Ctrl-F search";
        Row(0, $" {m.Username}@{m.Server.Authority} │ {connection} │ {tail}", Theme.Status);
        return true;
    }
}
