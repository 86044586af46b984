namespace Parley.Client;

/// <summary>Marker type for the client assembly.</summary>
public static class ClientAssembly;
