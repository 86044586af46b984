/// <summary>Quantiles of recorded values (nearest rank, as every figure of this generator).</summary>
internal static class Quantiles
{
    public static long Of(List<long> values, double q)
    {
        if (values.Count == 0)
        {
            return 0;
        }

        var sorted = values.Order().ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
    }
}
