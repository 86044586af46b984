using System.Net;
using System.Net.Sockets;

namespace Parley.Testing;

/// <summary>Free TCP ports on the loopback address, for the servers tests start.</summary>
public static class LoopbackPort
{
    /// <summary>A port nothing listens on right now (the system's next ephemeral one).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
