using System.Net;
using System.Net.Sockets;
using System.Text;
using Xunit;

namespace Parley.Testing;

/// <summary>
/// Slowloris against a real server process: connections that start a request and then send one more
/// header line every half second, never the end of the head, while a person's health check keeps going.
/// </summary>
public static class SlowClients
{
    /// <summary>
    /// Opens <paramref name="count"/> such connections with <paramref name="requestLine"/> and drips until the
    /// server has closed them all or <paramref name="limit"/> passes; every health check in between must be
    /// answered 200. Returns how many the server closed, how many health checks it answered, and the time taken.
    /// </summary>
    public static async Task<(int CutOff, int Served, TimeSpan Elapsed)> DripAsync(Uri server, HttpClient http, string requestLine,
        int count, TimeSpan limit)
    {
        var slow = new List<Socket>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(IPAddress.Loopback, server.Port);
                await socket.SendAsync(Encoding.ASCII.GetBytes($"{requestLine}\r\nHost: 127.0.0.1\r\n"));
                slow.Add(socket);
            }

            var cutOff = new HashSet<Socket>();
            var served = 0;
            var watch = System.Diagnostics.Stopwatch.StartNew();
            while (cutOff.Count < slow.Count && watch.Elapsed < limit)
            {
                foreach (var socket in slow.Where(s => !cutOff.Contains(s)))
                {
                    if (IsClosedByServer(socket))
                    {
                        cutOff.Add(socket);
                        continue;
                    }

                    try
                    {
                        socket.Send("X-Slow: 1\r\n"u8);
                    }
                    catch (SocketException)
                    {
                        cutOff.Add(socket);
                    }
                }

                // a person's request goes through while the slow ones wait
                using var health = await http.GetAsync(new Uri("healthz", UriKind.Relative));
                Assert.Equal(HttpStatusCode.OK, health.StatusCode);
                served++;
                await Task.Delay(500);
            }

            return (cutOff.Count, served, watch.Elapsed);
        }
        finally
        {
            slow.ForEach(s => s.Dispose());
        }
    }

    /// <summary>True once the server has closed the connection (what it may have sent first, e.g. a 408, is read and dropped).</summary>
    private static bool IsClosedByServer(Socket socket)
    {
        try
        {
            var buffer = new byte[4096];
            while (socket.Poll(0, SelectMode.SelectRead))
            {
                if (socket.Receive(buffer) == 0)
                {
                    return true;
                }
            }

            return false;
        }
        catch (SocketException)
        {
            return true;
        }
    }
}
