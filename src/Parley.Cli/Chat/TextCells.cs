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
