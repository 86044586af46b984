using System.Net;
using System.Net.Sockets;
using System.Text;
using Parley.Server.Tests.Support;

namespace Parley.Server.Tests;

/// <summary>
/// Clients that hold connections without finishing a request (slowloris): each is cut off when the
/// request-header timeout runs out, they cost bounded memory while they last, and everyone else is
/// served meanwhile. The real server process; the timeout is shortened from its 30 s default.
/// </summary>
public sealed class SlowClientTests
{
    private const int SlowClients = 1000;

    [Fact]
    public async Task Slow_clients_are_cut_off_at_the_header_timeout_while_others_are_served()
    {
        await using var server = await ServerProcess.StartAsync(new Dictionary<string, string?>
        {
            ["Parley:Storage:Provider"] = "sqlite",
            ["Kestrel:Limits:RequestHeadersTimeout"] = "00:00:03",
        });
        using var http = new HttpClient { BaseAddress = server.BaseUrl, Timeout = TimeSpan.FromSeconds(20) };
        (await new SecretsHttp(http).CreateAsync(new TestSecret())).Id.ShouldNotBeNull();
        var before = server.ReadRssBytes();

        // each starts a request and then sends one more header line every half second, never the end
        var slow = new List<Socket>(SlowClients);
        try
        {
            for (var i = 0; i < SlowClients; i++)
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(IPAddress.Loopback, server.BaseUrl.Port);
                await socket.SendAsync(Encoding.ASCII.GetBytes("POST /api/secrets HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
                slow.Add(socket);
            }

            var cutOff = new HashSet<Socket>();
            var served = 0;
            var watch = System.Diagnostics.Stopwatch.StartNew();
            while (cutOff.Count < slow.Count && watch.Elapsed < TimeSpan.FromSeconds(30))
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
                health.StatusCode.ShouldBe(HttpStatusCode.OK);
                served++;
                await Task.Delay(500);
            }

            cutOff.Count.ShouldBe(SlowClients, "every slow client is cut off by the header timeout");
            watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(30));
            served.ShouldBeGreaterThan(2);
            // docs/configuration.md ("Connections") states this ceiling: 64 KiB per slow connection
            (server.ReadPeakRssBytes() - before).ShouldBeLessThan(SlowClients * 64L * 1024);
            (await new SecretsHttp(http).CreateAsync(new TestSecret())).Id.ShouldNotBeNull();
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
