namespace Parley.Server.Features.Secrets;

/// <summary>Strict parsers for the byte-range headers of stream upload and download.</summary>
internal static class ByteRanges
{
    /// <summary>
    /// <c>Content-Range: bytes {first}-{last}/{total}</c> of an upload part: digits only, first ≤ last &lt; total.
    /// </summary>
    public static bool TryParseContentRange(string? header, out long first, out long last, out long total)
    {
        first = last = total = 0;
        if (header is null || !header.StartsWith("bytes ", StringComparison.Ordinal))
        {
            return false;
        }

        var rest = header.AsSpan(6);
        var dash = rest.IndexOf('-');
        var slash = rest.IndexOf('/');
        return dash > 0 && slash > dash + 1
            && TryDigits(rest[..dash], out first)
            && TryDigits(rest[(dash + 1)..slash], out last)
            && TryDigits(rest[(slash + 1)..], out total)
            && first <= last && last < total;
    }

    public enum RangeResult
    {
        Whole,
        Partial,
        Unsatisfiable,
    }

    /// <summary>
    /// One <c>Range: bytes=…</c> of a download. Forms other than a single first-last, first- or -suffix
    /// range are ignored (the whole stream is sent), as RFC 9110 allows.
    /// </summary>
    public static RangeResult ParseRange(string? header, long length, out long offset, out long count)
    {
        offset = 0;
        count = length;
        if (header is null || !header.StartsWith("bytes=", StringComparison.Ordinal) || header.Contains(','))
        {
            return RangeResult.Whole;
        }

        var spec = header.AsSpan(6).Trim();
        var dash = spec.IndexOf('-');
        if (dash < 0)
        {
            return RangeResult.Whole;
        }

        var left = spec[..dash];
        var right = spec[(dash + 1)..];
        if (left.IsEmpty)
        {
            if (!TryPosition(right, out var suffix) || suffix == 0)
            {
                return suffix == 0 && !right.IsEmpty ? RangeResult.Unsatisfiable : RangeResult.Whole;
            }

            count = Math.Min(suffix, length);
            offset = length - count;
            return count == 0 ? RangeResult.Unsatisfiable : RangeResult.Partial;
        }

        if (!TryPosition(left, out var first))
        {
            return RangeResult.Whole;
        }

        long last = length - 1;
        if (!right.IsEmpty && (!TryPosition(right, out last) || last < first))
        {
            return RangeResult.Whole;
        }

        if (first >= length)
        {
            return RangeResult.Unsatisfiable;
        }

        offset = first;
        count = Math.Min(last, length - 1) - first + 1;
        return RangeResult.Partial;
    }

    /// <summary>A range position: digits, where one too large for a long lies beyond the end of any stream.</summary>
    private static bool TryPosition(ReadOnlySpan<char> text, out long value)
    {
        if (text.Length > 18 && !text.ContainsAnyExceptInRange('0', '9'))
        {
            value = long.MaxValue;
            return true;
        }

        return TryDigits(text, out value);
    }

    private static bool TryDigits(ReadOnlySpan<char> text, out long value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > 18)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        return true;
    }
}
