namespace Parley.Contracts;

/// <summary>Marker type for the contracts assembly.</summary>
public static class ContractsAssembly;
