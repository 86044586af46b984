using Terminal.Gui.Text;

namespace Parley.Cli.Chat;

/// <summary>Text measured in terminal cells (an emoji or a CJK character takes two), cut and wrapped to fit.</summary>
internal static class TextCells
{
    public static int Width(string text) => text.GetColumns();

    /// <summary><paramref name="text"/> cut to at most <paramref name="width"/> cells, with … when it was cut.</summary>
    public static string Fit(string text, int width)
    {
        if (width <= 0)
        {
            return "";
        }

        if (Width(text) <= width)
        {
            return text;
        }

        var result = new System.Text.StringBuilder();
        var used = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            var w = Math.Max(0, rune.GetColumns());
            if (used + w > width - 1)
            {
                break;
            }

            result.Append(rune.ToString());
            used += w;
        }

        return result.Append('…').ToString();
    }

    /// <summary>
    /// <see cref="Wrap"/> with a hanging indent: rows after the first start where the line's text does
    /// (after its leading spaces), or at its second column (after the first run of two or more spaces)
    /// when that is in the left half: <c>Ctrl-F   search …</c> wraps under <c>search</c>.
    /// </summary>
    public static List<string> WrapHanging(string line, int width)
    {
        var rows = Wrap(line, width);
        if (rows.Count == 1)
        {
            return rows;
        }

        var lead = line.Length - line.TrimStart(' ').Length;
        var gap = line.IndexOf("  ", lead, StringComparison.Ordinal);
        var column = gap;
        while (column >= 0 && column < line.Length && line[column] == ' ')
        {
            column++;
        }

        var hang = column > 0 && Width(line[..column]) <= width / 2 ? Width(line[..column]) : lead;
        var rest = line[rows[0].Length..].TrimStart(' ');
        return [rows[0], .. Wrap(rest, Math.Max(1, width - hang)).Select(r => new string(' ', hang) + r)];
    }

    /// <summary>
    /// Splits one line of text into rows of at most <paramref name="width"/> cells, breaking at spaces
    /// where it can and inside a word where it must.
    /// </summary>
    public static List<string> Wrap(string line, int width)
    {
        var rows = new List<string>();
        width = Math.Max(1, width);
        var current = new System.Text.StringBuilder();
        var used = 0;
        var lastSpace = -1; // index in current after the last space
        foreach (var rune in line.EnumerateRunes())
        {
            var w = Math.Max(0, rune.GetColumns());
            if (used + w > width && current.Length > 0)
            {
                if (lastSpace > 0 && rune.Value != ' ')
                {
                    var head = current.ToString(0, lastSpace).TrimEnd();
                    var tail = current.ToString(lastSpace, current.Length - lastSpace);
                    rows.Add(head);
                    current.Clear().Append(tail);
                    used = Width(tail);
                }
                else
                {
                    rows.Add(current.ToString().TrimEnd());
                    current.Clear();
                    used = 0;
                }

                lastSpace = -1;
                if (rune.Value == ' ')
                {
                    continue; // a break swallows the space
                }
            }

            current.Append(rune.ToString());
            used += w;
            if (rune.Value == ' ')
            {
                lastSpace = current.Length;
            }
        }

        rows.Add(current.ToString());
        return rows;
    }
}
