using System.Globalization;
using Parley.Cli.Messaging;
using Parley.Client.Profiles;

namespace Parley.Cli.Chat;

/// <summary>
/// A stored message as the history pane shows it: a day separator when it starts a new day, then
/// <c>HH:mm author: text</c> wrapped to the pane's width, with the delivery mark after an own message.
/// The rows are made once per width and message state, not on every redraw.
/// </summary>
internal sealed class HistoryEntry(StoredMessage message)
{
    private HistoryRow[]? _rows;
    private int _width;
    private bool _separated;
    private DateOnly? _day;

    public StoredMessage Message { get; private set; } = message;

    /// <summary>The message changed (delivered, read): its rows are made again.</summary>
    public void Update(StoredMessage message)
    {
        Message = message;
        _rows = null;
    }

    /// <summary>The local day it was written (worked out once: the time zone lookup is not free, and every redraw asks).</summary>
    public DateOnly Day => _day ??= DateOnly.FromDateTime(When.LocalDateTime);

    private DateTimeOffset When => Message.Kind == StoredMessage.KindNotice ? Message.ReceivedAt : Message.SentAt;

    /// <summary>The rows of this entry at <paramref name="width"/> cells; <paramref name="newDay"/>: a day separator goes first.</summary>
    public HistoryRow[] Rows(int width, bool newDay)
    {
        if (_rows is not null && _width == width && _separated == newDay)
        {
            return _rows;
        }

        var rows = new List<HistoryRow>();
        if (newDay)
        {
            var label = $" {When.LocalDateTime.ToString("ddd d MMM yyyy", CultureInfo.InvariantCulture)} ";
            var side = Math.Max(2, (width - TextCells.Width(label)) / 2);
            rows.Add(new HistoryRow(TextCells.Fit(new string('─', side) + label + new string('─', side), width), RowStyle.DaySeparator));
        }

        var m = Message;
        var time = When.LocalDateTime.ToString("HH:mm", CultureInfo.InvariantCulture);
        var style = m.Kind == StoredMessage.KindNotice ? RowStyle.Notice
            : m.Direction == MessageDirection.Outgoing ? RowStyle.Outgoing : RowStyle.Incoming;
        var head = m.Kind == StoredMessage.KindNotice ? "* "
            : (m.Direction == MessageDirection.Outgoing ? "you" : Display.Safe(m.Author)) + ": ";
        var text = Display.Safe(m.Text) + Mark(m);
        // The first row starts with the time and the author; every row after it, wrapped or a line of
        // its own, lines up under the text.
        var prefix = $"{time} {head}";
        var hanging = new string(' ', TextCells.Width(prefix));
        foreach (var line in text.ReplaceLineEndings("\n").Split('\n'))
        {
            foreach (var piece in TextCells.Wrap(line, Math.Max(8, width - hanging.Length)))
            {
                rows.Add(new HistoryRow(prefix + piece, style));
                prefix = hanging;
            }
        }

        (_rows, _width, _separated) = ([.. rows], width, newDay);
        return _rows;
    }

    /// <summary>The delivery mark of an own message: … waiting, ✓ sent, ✓✓ delivered, ✓✓ read (groups: how many read).</summary>
    public static string Mark(StoredMessage m)
    {
        if (m.Direction != MessageDirection.Outgoing)
        {
            return "";
        }

        if (m.Kind == StoredMessage.KindNotice)
        {
            return m.State == DeliveryState.Pending ? " …" : "";
        }

        if (m.ReadBy.Count > 0 && m.State is DeliveryState.Sent or DeliveryState.Delivered)
        {
            return m.ReadBy.Count >= m.Recipients.Count || m.Recipients.Count <= 1
                ? " ✓✓ read"
                : $" ✓✓ read by {m.ReadBy.Count}/{m.Recipients.Count}";
        }

        return Display.Mark(m);
    }
}
