using System.Buffers;
using System.Globalization;
using System.Text;

namespace Parley.Contracts;

/// <summary>
/// The one rule for free text that Parley shows to other people (request labels, group names): valid
/// Unicode with something visible in it, and none of the characters that hide or disguise text —
/// controls (category Cc), format characters (Cf: zero-width spaces and joiners, the byte-order mark,
/// text-direction controls, tag characters) and the line and paragraph separators (U+2028, U+2029).
/// Server and clients check with the same code, so a client can refuse before it sends.
/// </summary>
public static class VisibleText
{
    /// <summary>Why <paramref name="text"/> breaks the rule, as a phrase for an error ("must …"), or null when it is fine.</summary>
    /// <param name="text">The text to check.</param>
    /// <param name="maxLength">Most Unicode scalar values allowed.</param>
    public static string? Problem(string text, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (string.IsNullOrWhiteSpace(text))
        {
            return "must hold visible text";
        }

        var count = 0;
        for (var i = 0; i < text.Length; count++)
        {
            if (Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out var used) != OperationStatus.Done)
            {
                return "must be valid Unicode";
            }

            if (IsHidden(rune))
            {
                return "must not contain control characters, invisible formatting, line separators or text-direction characters";
            }

            i += used;
        }

        return count > maxLength ? $"must be at most {maxLength} characters" : null;
    }

    /// <summary>True for the characters the rule refuses: Cc, Cf, Zl and Zp.</summary>
    public static bool IsHidden(Rune rune) => Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format
        or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
}
