namespace Parley.Fuzz;

/// <summary>
/// Runs a decoder and swallows only the exception type its documentation promises for bad input:
/// every other exception is a bug and must reach afl as a crash.
/// </summary>
internal static class Refusals
{
    public static void Allow<TDocumented>(Action decode)
        where TDocumented : Exception
    {
        try
        {
            decode();
        }
        catch (TDocumented)
        {
            // The documented refusal of malformed input.
        }
    }

    /// <summary>Fuzz input as text, the way a decoder reading UTF-8 from outside would get it.</summary>
    public static string Text(ReadOnlySpan<byte> input) => System.Text.Encoding.UTF8.GetString(input);

    /// <summary>
    /// Splits a selector byte off the input: targets that cover several body kinds use it to pick one,
    /// so afl can mutate the choice like any other byte.
    /// </summary>
    public static int Select(ReadOnlySpan<byte> input, int choices, out ReadOnlySpan<byte> rest)
    {
        rest = input.IsEmpty ? input : input[1..];
        return input.IsEmpty ? 0 : input[0] % choices;
    }
}
