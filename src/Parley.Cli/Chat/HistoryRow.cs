namespace Parley.Cli.Chat;

/// <summary>How a row of the history is drawn.</summary>
internal enum RowStyle
{
    Incoming,
    Outgoing,
    Notice,
    DaySeparator,
}

/// <summary>One screen row of the history pane.</summary>
internal readonly record struct HistoryRow(string Text, RowStyle Style);
