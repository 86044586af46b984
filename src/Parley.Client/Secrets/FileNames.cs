using System.Globalization;
using System.Text;

namespace Parley.Client.Secrets;

/// <summary>
/// Turns untrusted file names from a manifest into safe names for one folder, following the
/// algorithm of docs/secret-format.md §5 (the vectors file holds its expected outputs).
/// </summary>
public static class FileNames
{
    private const string Fallback = "file";

    private static readonly HashSet<string> Reserved = BuildReserved();

    /// <summary>A single safe name: no path, no control or reserved characters, no device name, at most 255 UTF-8 bytes, never empty.</summary>
    public static string Sanitize(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var s = name.Replace('\\', '/');
        s = s[(s.LastIndexOf('/') + 1)..];
        if (SecretKeys.IsWellFormed(s))
        {
            s = s.Normalize(NormalizationForm.FormC);
        }

        var kept = new StringBuilder(s.Length);
        foreach (var rune in s.EnumerateRunes())
        {
            if (!IsRemoved(rune.Value))
            {
                kept.Append(rune.ToString());
            }
        }

        s = TrimDotsSpaces(kept.ToString());
        var dot = s.IndexOf('.', StringComparison.Ordinal);
        var stem = dot < 0 ? s : s[..dot];
        if (Reserved.Contains(FoldAscii(stem)))
        {
            s = "_" + s;
        }

        if (Encoding.UTF8.GetByteCount(s) > SecretFormat.MaxFileNameBytes)
        {
            s = CutTo(s, SecretFormat.MaxFileNameBytes).TrimEnd('.', ' ');
        }

        return s.Length == 0 ? Fallback : s;
    }

    /// <summary>Sanitizes every name and makes them unique within the list (ASCII case-insensitively), in order.</summary>
    public static IReadOnlyList<string> SanitizeAll(IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var taken = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<string>();
        foreach (var raw in names)
        {
            var chosen = FirstFree(Sanitize(raw), candidate => taken.Contains(FoldAscii(candidate)));
            taken.Add(FoldAscii(chosen));
            result.Add(chosen);
        }

        return result;
    }

    /// <summary>
    /// <paramref name="name"/> itself when <paramref name="isTaken"/> says it is free, otherwise
    /// <c>name (2)</c>, <c>name (3)</c>, … (before the extension), the first that is free.
    /// </summary>
    public static string FirstFree(string name, Func<string, bool> isTaken)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(isTaken);
        var candidate = name;
        for (var n = 2; isTaken(candidate); n++)
        {
            candidate = Numbered(name, n);
        }

        return candidate;
    }

    /// <summary><c>stem (n).ext</c>, cut to 255 bytes of UTF-8 as the format describes.</summary>
    public static string Numbered(string name, int n)
    {
        ArgumentNullException.ThrowIfNull(name);
        var suffix = $" ({n.ToString(CultureInfo.InvariantCulture)})";
        var dot = name.LastIndexOf('.');
        var (stem, ext) = dot > 0 ? (name[..dot], name[dot..]) : (name, string.Empty);
        if (Encoding.UTF8.GetByteCount(suffix) + Encoding.UTF8.GetByteCount(ext) > SecretFormat.MaxFileNameBytes)
        {
            (stem, ext) = (name, string.Empty);
        }

        var room = SecretFormat.MaxFileNameBytes - Encoding.UTF8.GetByteCount(suffix) - Encoding.UTF8.GetByteCount(ext);
        if (Encoding.UTF8.GetByteCount(stem) > room)
        {
            stem = CutTo(stem, room).TrimEnd('.', ' ');
        }

        return stem + suffix + ext;
    }

    /// <summary>ASCII letters to upper case, everything else unchanged: the comparison key for "same name".</summary>
    public static string FoldAscii(string s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return string.Create(s.Length, s, static (span, src) =>
        {
            for (var i = 0; i < src.Length; i++)
            {
                span[i] = src[i] is >= 'a' and <= 'z' ? (char)(src[i] - 32) : src[i];
            }
        });
    }

    private static bool IsRemoved(int cp) =>
        cp <= 0x1F || cp is >= 0x7F and <= 0x9F
        || cp is ':' or '*' or '?' or '"' or '<' or '>' or '|'
        || cp is >= 0x200B and <= 0x200F
        || cp is >= 0x202A and <= 0x202E
        || cp is >= 0x2060 and <= 0x2064
        || cp is >= 0x2066 and <= 0x2069
        || cp == 0xFEFF;

    private static string TrimDotsSpaces(string s) => s.Trim('.', ' ');

    private static string CutTo(string s, int maxBytes)
    {
        if (maxBytes <= 0)
        {
            return string.Empty;
        }

        var sb = new StringBuilder();
        var bytes = 0;
        foreach (var rune in s.EnumerateRunes())
        {
            if (bytes + rune.Utf8SequenceLength > maxBytes)
            {
                break;
            }

            bytes += rune.Utf8SequenceLength;
            sb.Append(rune.ToString());
        }

        return sb.ToString();
    }

    private static HashSet<string> BuildReserved()
    {
        var set = new HashSet<string>(StringComparer.Ordinal) { "CON", "PRN", "AUX", "NUL" };
        for (var d = 0; d <= 9; d++)
        {
            set.Add("COM" + d.ToString(CultureInfo.InvariantCulture));
            set.Add("LPT" + d.ToString(CultureInfo.InvariantCulture));
        }

        return set;
    }
}
