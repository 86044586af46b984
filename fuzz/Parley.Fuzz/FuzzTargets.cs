namespace Parley.Fuzz;

/// <summary>Every target by name, in the order <c>fuzz/run.sh all</c> runs them.</summary>
internal static class FuzzTargets
{
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        .. WireTargets.All(),
        .. RecordTargets.All(),
        FingerprintTarget.Create(),
        .. SecretFormatTargets.All(),
        .. RequestFormatTargets.All(),
        .. ServerJsonTargets.All(),
        RelayFrameTarget.Create(),
        WebSocketFramesTarget.Create(),
    ];

    public static FuzzTarget? Find(string name) => All.FirstOrDefault(t => t.Name == name);
}
