using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Microsoft.Data.Sqlite;
using Parley.Client.Messaging;
using Parley.Contracts;
using Parley.Contracts.Messaging;
using Parley.Messaging.Tests.Support;

namespace Parley.Messaging.Tests;

/// <summary>
/// Resource exhaustion against the real server process (SQLite, default limits): slow clients, silent
/// relay sockets, a flood of login challenges, tiny envelopes to one recipient and group fan-out, one
/// after the other on one server. Each is refused at its documented limit, nothing accepted is lost
/// or changed, the server answers others throughout, and its resident memory — sampled every 100 ms,
/// and its high-water mark at the end — stays under <see cref="HeadroomBytes"/> above the baseline
/// (docs/security.md, "A malicious client of the API").
/// </summary>
/// <remarks>
/// Every account registers and logs in from its own loopback address (127.1.x.y), so the per-address
/// limits (<c>RegistrationsPerHour</c> 20, <c>LoginsPerMinute</c> 30) stay at their defaults and bind only the
/// flood that is meant to hit them.
/// </remarks>
public sealed class ResourceExhaustionTests
{
    /// <summary>
    /// The memory ceiling: the server's RSS after start-up and a first exchange (~110 MiB on a 2-core
    /// machine), plus this. Measured there: the whole run peaks ~180–210 MiB above that baseline, almost all
    /// of it GC heap growth while 40 senders flood one queue (server GC, and workstation GC alike); it does not
    /// grow with the flood — three more floods of 10,000 on the same server added 88, 9 and 16 MiB. What the
    /// server holds on purpose is small beside it: the silent sockets' live backlogs (at most 1 MiB each,
    /// 16 per account), SQLite's page caches (one writer and 16 readers) and Kestrel's buffers. The ~90 MiB
    /// left is slack for a loaded CI machine. The limits themselves (429s, the queue cap, 8 challenges) are
    /// asserted on their own: memory alone would not show a queue past its cap, which lives on disk.
    /// </summary>
    private const long HeadroomBytes = 300L * 1024 * 1024;

    private const int SlowClients = 300;
    private const int SilentAccounts = 4;
    private const int ConnectionsPerAccount = 16; // MaxConnectionsPerAccount's default
    private const int QueueCap = 10_000; // MaxQueuedEnvelopes' default
    private const int GroupSize = 256; // MaxGroupMembers' default
    private const int LoginsPerMinute = 30; // LoginsPerMinute's default
    private const int SendsPerSecond = 50; // SendsPerSecond's default
    private const int Flooders = 40;

    private int _nextAddress;

    [Fact]
    public async Task Each_abuse_is_refused_at_its_limit_and_the_server_stays_under_its_memory_ceiling()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await ServerProcess.StartAsync(new Dictionary<string, string?>
        {
            ["Parley:Storage:Provider"] = "sqlite",
            // Lowered from the 30 s default so that the slow clients are cut off within the test.
            ["Kestrel:Limits:RequestHeadersTimeout"] = "00:00:05",
        }, cancellationToken: ct);
        using var http = new HttpClient { BaseAddress = server.BaseUrl, Timeout = TimeSpan.FromSeconds(30) };
        var users = new List<TestUser>();
        try
        {
            // Warm-up: one exchange, so the baseline includes the JIT-compiled paths and the store's caches.
            var warmA = await UserAsync(server, users);
            var warmB = await UserAsync(server, users);
            await ExchangeAsync(warmA, warmB);
            var baseline = server.ReadRssBytes();
            var ceiling = baseline + HeadroomBytes;
            await using var rss = new RssSampler(server);

            // The group (and the flooders and the victim among its members) first: setting it up is not an abuse.
            rss.Phase = "setup";
            var members = await UsersAsync(server, users, GroupSize);
            var creator = members[0];
            var victim = members[1];
            var flooders = members.Skip(2).Take(Flooders).ToList();
            var group = await creator.Api.CreateGroupAsync("exhaust", [.. members.Skip(1).Select(m => m.Name)], ct);
            await ForEachAsync(members.Skip(1), m => m.Api.AcceptGroupInvitationAsync(group.Id, ct));
            var extra = await UserAsync(server, users);
            (await Should.ThrowAsync<MessagingApiException>(() => creator.Api.AddMembersAsync(group.Id, [extra.Name], ct)))
                .Type.ShouldBe(MessagingProblemTypes.GroupFull);

            rss.Phase = "slow clients";
            await SlowClientsAsync(server, http);

            rss.Phase = "silent sockets";
            await SilentSocketsAsync(server, users, http);

            rss.Phase = "challenge flood";
            await ChallengeFloodAsync(server, victim);

            rss.Phase = "queue flood";
            var drained = await QueueFloodAsync(server, victim, flooders, creator, group.Id, rss);

            rss.Phase = "group fan-out";
            await GroupFanOutAsync(server, creator, drained, group.Id, http);

            rss.Phase = "afterwards";
            var alice = await UserAsync(server, users);
            var bob = await UserAsync(server, users);
            await ExchangeAsync(alice, bob);

            var peaks = await rss.StopAsync();
            var highWater = server.ReadPeakRssBytes();
            var report = $"baseline {Mib(baseline)}, ceiling {Mib(ceiling)}, high-water mark {Mib(highWater)}; sampled peaks: "
                + string.Join(", ", peaks.Select(p => $"{p.Key} {Mib(p.Value)}"));
            TestContext.Current.TestOutputHelper?.WriteLine(report);
            Console.WriteLine(report);
            peaks.Values.Max().ShouldBeLessThan(ceiling, report);
            highWater.ShouldBeLessThan(ceiling, report);
        }
        finally
        {
            foreach (var user in users)
            {
                await user.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Slowloris: connections that send a request head a line at a time and never finish it are closed
    /// at <c>Kestrel:Limits:RequestHeadersTimeout</c>; a health check is answered while they wait.
    /// </summary>
    private static async Task SlowClientsAsync(ServerProcess server, HttpClient http)
    {
        var (cutOff, served, _) = await Parley.Testing.SlowClients.DripAsync(server.BaseUrl, http, "POST /api/messages HTTP/1.1",
            SlowClients, TimeSpan.FromSeconds(60));
        cutOff.ShouldBe(SlowClients, "every slow client is cut off at the request-headers timeout");
        served.ShouldBeGreaterThan(0);
    }

    /// <summary>
    /// Half-open relay sockets: several accounts each open <c>MaxConnectionsPerAccount</c> sockets that
    /// upgrade and then never read (nor answer pings); one more is refused with 429. Each account then has
    /// envelopes sent to it, so every silent socket fills its live backlog (bounded at 1 MiB each); the
    /// server keeps answering, and freeing the sockets frees their slots.
    /// </summary>
    private async Task SilentSocketsAsync(ServerProcess server, List<TestUser> users, HttpClient http)
    {
        var hub = new Uri(new Uri(server.BaseUrl.ToString().Replace("http", "ws", StringComparison.Ordinal)), MessagingValues.HubPath);
        var accounts = await UsersAsync(server, users, SilentAccounts);
        var silent = new List<ClientWebSocket>();
        try
        {
            foreach (var account in accounts)
            {
                for (var i = 0; i < ConnectionsPerAccount; i++)
                {
                    silent.Add(await SilentSocketAsync(hub, account.Token));
                }

                // The node registers a socket just after its 101, so on a loaded machine the next upgrade can
                // be checked before the last one counts: the cap holds once the sockets are registered.
                HttpStatusCode? refusal = null;
                for (var attempt = 0; attempt < 10 && refusal is null; attempt++)
                {
                    var next = NewSilentSocket(account.Token);
                    try
                    {
                        await next.ConnectAsync(hub, CancellationToken.None);
                        silent.Add(next); // accepted in that window: closed with the others below
                        await Task.Delay(200);
                    }
                    catch (WebSocketException)
                    {
                        refusal = next.HttpStatusCode;
                        next.Dispose();
                    }
                }

                refusal.ShouldBe(HttpStatusCode.TooManyRequests, "sockets past MaxConnectionsPerAccount are refused");
            }

            // 40 × 48 KB to each account (sent to itself over REST): ~1.9 MB for each of its silent sockets,
            // more than a socket's kernel buffers take, so the rest waits in (or is dropped from) the node's backlog.
            await ForEachAsync(accounts, async account =>
            {
                var filler = new byte[48 * 1024];
                for (var i = 0; i < 40; i++)
                {
                    filler[0] = (byte)i;
                    await SendRetryingAsync(() => account.Api.SendAsync(account.Name, 2, filler));
                }
            });
            await Task.Delay(TimeSpan.FromSeconds(2));
            using var health = await http.GetAsync(new Uri("healthz", UriKind.Relative));
            health.StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        finally
        {
            foreach (var socket in silent)
            {
                socket.Abort();
                socket.Dispose();
            }
        }

        // The node notices the closed sockets and frees their slots: each account connects again.
        foreach (var account in accounts)
        {
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    using var again = await SilentSocketAsync(hub, account.Token);
                    await again.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                    break;
                }
                catch (WebSocketException) when (deadline.Elapsed < TimeSpan.FromSeconds(30))
                {
                    await Task.Delay(250);
                }
            }
        }
    }

    /// <summary>
    /// Challenges: one address gets <c>LoginsPerMinute</c> and then 429; many addresses asking for one
    /// account leave at most 8 challenges stored for it, and none for names that do not exist.
    /// </summary>
    private async Task ChallengeFloodAsync(ServerProcess server, TestUser victim)
    {
        // From one address: the login limit answers 429 past it (at most two fixed windows' worth get through).
        const int FromOne = 150;
        using var one = new MessagingApi(server.BaseUrl, HandlerFrom(NextAddress()));
        int granted = 0, limited = 0;
        for (var i = 0; i < FromOne; i++)
        {
            try
            {
                await one.ChallengeAsync(victim.Name);
                granted++;
            }
            catch (MessagingApiException e) when (e.Type == ProblemTypes.RateLimited)
            {
                limited++;
            }
        }

        granted.ShouldBeGreaterThan(0);
        granted.ShouldBeLessThanOrEqualTo(2 * LoginsPerMinute);
        limited.ShouldBe(FromOne - granted);

        // From 100 addresses, 10 each (under every address's limit): 1,000 challenges for the victim, 1,000 for unknown names.
        var unknown = Enumerable.Range(0, 10).Select(_ => TestUser.NewName("nobody")).ToArray();
        var accepted = 0;
        await ForEachAsync(Enumerable.Range(0, 100), async _ =>
        {
            using var api = new MessagingApi(server.BaseUrl, HandlerFrom(NextAddress()));
            for (var i = 0; i < 10; i++)
            {
                await api.ChallengeAsync(i % 2 == 0 ? victim.Name : unknown[i]);
                await api.ChallengeAsync(i % 2 == 0 ? unknown[i] : victim.Name);
                Interlocked.Add(ref accepted, 2);
            }
        });
        accepted.ShouldBe(2000);
        (await CountAsync(server, "SELECT count(*) FROM msg_challenges WHERE username = $u", ("$u", victim.Name)))
            .ShouldBeLessThanOrEqualTo(8, "an account keeps at most 8 challenges waiting");
        (await CountAsync(server, "SELECT count(*) FROM msg_challenges WHERE username LIKE 'nobody%'")).ShouldBe(0);
        var accounts = await CountAsync(server, "SELECT count(*) FROM msg_accounts");
        (await CountAsync(server, "SELECT count(*) FROM msg_challenges")).ShouldBeLessThanOrEqualTo(8 * accounts);

        // and the victim still logs in (its own address has room)
        await victim.Api.LoginAsync(victim.Name, victim.Keys.Identity);
    }

    /// <summary>
    /// Tiny envelopes to one recipient from many accounts, each at its send rate, until the queue is at
    /// <c>MaxQueuedEnvelopes</c>: exactly the cap is stored, everything past it is refused with 409
    /// <c>queue-full</c> (a group send that includes the recipient too, for everyone), and the recipient
    /// drains every accepted envelope, unchanged, and acknowledges them all. Returns its open socket.
    /// </summary>
    private static async Task<RelayClient> QueueFloodAsync(ServerProcess server, TestUser victim, List<TestUser> flooders, TestUser creator,
        string groupId, RssSampler rss)
    {
        var before = await QueuedAsync(server, victim.Name);
        before.ShouldBeLessThan(QueueCap);
        var accepted = new System.Collections.Concurrent.ConcurrentDictionary<long, string>();
        int queueFull = 0, limited = 0;
        await ForEachAsync(flooders, async flooder =>
        {
            var relay = await flooder.ConnectAsync();
            var clock = Stopwatch.StartNew();
            for (var batch = 0; clock.Elapsed < TimeSpan.FromSeconds(90); batch++)
            {
                var contents = Enumerable.Range(0, SendsPerSecond).Select(i => $"{flooder.Name}:{batch}:{i}").ToArray();
                var results = await relay.SendBatchAsync([.. contents.Select(c => new HubOutgoingEnvelope
                {
                    To = victim.Name,
                    Type = 2,
                    Content = Encoding.UTF8.GetBytes(c),
                })]);
                var full = 0;
                var slowed = false;
                for (var i = 0; i < results.Length; i++)
                {
                    if (results[i].Problem is null)
                    {
                        accepted.TryAdd(results[i].Id, contents[i]).ShouldBeTrue("each id once");
                    }
                    else if (results[i].Problem!.StartsWith(MessagingProblemTypes.QueueFull + ": ", StringComparison.Ordinal))
                    {
                        full++;
                    }
                    else
                    {
                        results[i].Problem!.ShouldStartWith(ProblemTypes.RateLimited + ": ");
                        Interlocked.Increment(ref limited);
                        slowed = true;
                    }
                }

                Interlocked.Add(ref queueFull, full);
                if (full == results.Length || accepted.Count > QueueCap)
                {
                    return; // the queue is full and stays so (or, were the cap not kept, the test has seen enough)
                }

                await Task.Delay(slowed ? 300 : 0);
            }
        }, parallelism: Flooders);

        ((long)accepted.Count).ShouldBe(QueueCap - before, $"exactly the room left in the queue ({queueFull} queue-full, {limited} rate-limited)");
        queueFull.ShouldBeGreaterThan(0);
        (await QueuedAsync(server, victim.Name)).ShouldBe(QueueCap, "nothing stored past MaxQueuedEnvelopes");
        // (the flooder's last batch may have used up its one-second window: a refused envelope takes a permit too)
        (await Should.ThrowAsync<MessagingApiException>(() => SendRetryingAsync(() => flooders[0].Api.SendAsync(victim.Name, 2, [1]))))
            .Type.ShouldBe(MessagingProblemTypes.QueueFull);

        // A group send with a full member queues for nobody.
        var groupBefore = await CountAsync(server, "SELECT count(*) FROM msg_envelopes WHERE group_id IS NOT NULL AND type = 7");
        (await Should.ThrowAsync<MessagingApiException>(() => creator.Api.SendGroupAsync(groupId, 7, [7])))
            .Type.ShouldBe(MessagingProblemTypes.QueueFull);
        (await CountAsync(server, "SELECT count(*) FROM msg_envelopes WHERE group_id IS NOT NULL AND type = 7")).ShouldBe(groupBefore);

        rss.Phase = "queue drain";
        // The recipient drains the whole queue in order, every accepted envelope once and unchanged, and acknowledges it.
        var reader = await victim.ConnectAsync();
        var got = await reader.ReceiveAsync(QueueCap, TimeSpan.FromSeconds(180));
        got.Select(e => e.Id).ShouldBeInOrder(SortDirection.Ascending);
        got.Select(e => e.Id).Distinct().Count().ShouldBe(QueueCap);
        var flood = got.Where(e => accepted.ContainsKey(e.Id)).ToList();
        flood.Count.ShouldBe(accepted.Count, "every accepted envelope arrives");
        foreach (var envelope in flood)
        {
            Encoding.UTF8.GetString(envelope.Content).ShouldBe(accepted[envelope.Id], "unchanged");
            envelope.Sender.ShouldBe(accepted[envelope.Id][..accepted[envelope.Id].IndexOf(':', StringComparison.Ordinal)]);
        }

        (await reader.Envelopes.StaysQuietAsync(TimeSpan.FromMilliseconds(500))).ShouldBeTrue();
        var deleted = 0;
        foreach (var chunk in got.Select(e => e.Id).Chunk(1000))
        {
            deleted += await reader.AckAsync(chunk);
        }

        deleted.ShouldBe(QueueCap);
        (await QueuedAsync(server, victim.Name)).ShouldBe(0);
        return reader;
    }

    /// <summary>
    /// Group fan-out: one member of a full group (<c>MaxGroupMembers</c>) sends as fast as it can; each send
    /// takes 255 permits of <c>SendsPerSecond</c>, so about one a second goes through and the rest get 429.
    /// Exactly 255 envelopes are stored per accepted send, and a member receives each one.
    /// </summary>
    private static async Task GroupFanOutAsync(ServerProcess server, TestUser sender, RelayClient member, string groupId, HttpClient http)
    {
        var relay = await sender.ConnectAsync();
        int sent = 0, limited = 0;
        var contents = new List<byte[]>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(6))
        {
            var content = Encoding.UTF8.GetBytes($"group:{sent}:{limited}");
            try
            {
                var result = await relay.SendGroupAsync(groupId, 7, content);
                result.Recipients.ShouldBe(GroupSize - 1);
                result.Ids.Length.ShouldBe(GroupSize - 1);
                contents.Add(content);
                sent++;
            }
            catch (MessagingApiException e) when (e.Type == ProblemTypes.RateLimited)
            {
                limited++;
                await Task.Delay(20);
            }
        }

        var seconds = (int)Math.Ceiling(clock.Elapsed.TotalSeconds);
        sent.ShouldBeGreaterThan(0);
        sent.ShouldBeLessThanOrEqualTo(seconds + 1, "a send bigger than SendsPerSecond takes a whole one-second window");
        limited.ShouldBeGreaterThan(0);
        (await CountAsync(server, "SELECT count(*) FROM msg_envelopes WHERE group_id IS NOT NULL AND type = 7"))
            .ShouldBe(sent * (GroupSize - 1), "one envelope per other member and accepted send, none for refused ones");
        using var health = await http.GetAsync(new Uri("healthz", UriKind.Relative));
        health.StatusCode.ShouldBe(HttpStatusCode.OK);

        var got = await member.ReceiveAsync(sent, TimeSpan.FromSeconds(60));
        got.Select(e => e.Content).ShouldBe(contents);
        got.ShouldAllBe(e => e.GroupId == groupId && e.Sender == sender.Name);
        (await member.AckAsync([.. got.Select(e => e.Id)])).ShouldBe(sent);
    }

    /// <summary>A normal user's round trip: send over REST, receive on the relay, acknowledge.</summary>
    private static async Task ExchangeAsync(TestUser from, TestUser to)
    {
        var relay = await to.ConnectAsync();
        var sent = await from.Api.SendAsync(to.Name, 2, "hello"u8);
        var got = await relay.Envelopes.NextAsync(TimeSpan.FromSeconds(60));
        got.Id.ShouldBe(sent.Id);
        got.Content.ShouldBe("hello"u8.ToArray());
        (await relay.AckAsync([got.Id])).ShouldBe(1);
    }

    private static async Task SendRetryingAsync(Func<Task> send)
    {
        while (true)
        {
            try
            {
                await send();
                return;
            }
            catch (MessagingApiException e) when (e.Type == ProblemTypes.RateLimited)
            {
                await Task.Delay(200);
            }
        }
    }

    private static ClientWebSocket NewSilentSocket(string token)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        socket.Options.KeepAliveInterval = TimeSpan.Zero; // and nothing reads it: pings go unanswered
        socket.Options.CollectHttpResponseDetails = true;
        return socket;
    }

    private static async Task<ClientWebSocket> SilentSocketAsync(Uri hub, string token)
    {
        var socket = NewSilentSocket(token);
        try
        {
            await socket.ConnectAsync(hub, CancellationToken.None);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task<TestUser> UserAsync(ServerProcess server, List<TestUser> users)
    {
        var user = await TestUser.CreateAsync(server.BaseUrl, handler: HandlerFrom(NextAddress()));
        lock (users)
        {
            users.Add(user);
        }

        return user;
    }

    private async Task<List<TestUser>> UsersAsync(ServerProcess server, List<TestUser> users, int count)
    {
        var made = new TestUser[count];
        await ForEachAsync(Enumerable.Range(0, count), async i => made[i] = await UserAsync(server, users));
        return [.. made];
    }

    /// <summary>A loopback address of its own for each client (Linux routes all of 127/8 to lo).</summary>
    private IPAddress NextAddress()
    {
        var n = Interlocked.Increment(ref _nextAddress);
        return new IPAddress([127, 1, (byte)(n / 250), (byte)(n % 250 + 1)]);
    }

    private static SocketsHttpHandler HandlerFrom(IPAddress local) => new()
    {
        ConnectCallback = async (context, token) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(local, 0));
                await socket.ConnectAsync(context.DnsEndPoint, token);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };

    private static Task ForEachAsync<T>(IEnumerable<T> items, Func<T, Task> body, int parallelism = 8) =>
        Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (item, _) => await body(item));

    private static Task<long> QueuedAsync(ServerProcess server, string username) =>
        CountAsync(server, "SELECT count(*) FROM msg_envelopes WHERE recipient = $u", ("$u", username));

    /// <summary>A count straight from the server's SQLite file (read-only, beside the running server).</summary>
    private static async Task<long> CountAsync(ServerProcess server, string sql, params (string Name, object Value)[] parameters)
    {
        var path = Path.Combine(server.DataDirectory, "parley.db");
        await using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False;Default Timeout=30");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static string Mib(long bytes) => $"{bytes / (1024.0 * 1024):F0} MiB";

    /// <summary>The server's resident memory every 100 ms, the highest value per phase.</summary>
    private sealed class RssSampler : IAsyncDisposable
    {
        private readonly ServerProcess _server;
        private readonly CancellationTokenSource _stop = new();
        private readonly Dictionary<string, long> _peaks = [];
        private readonly Task _loop;
        private string _phase = "start";

        public RssSampler(ServerProcess server)
        {
            _server = server;
            _loop = Task.Run(LoopAsync);
        }

        public string Phase
        {
            set
            {
                lock (_peaks)
                {
                    _phase = value;
                }
            }
        }

        public async Task<Dictionary<string, long>> StopAsync()
        {
            await _stop.CancelAsync();
            await _loop;
            lock (_peaks)
            {
                return new Dictionary<string, long>(_peaks);
            }
        }

        private async Task LoopAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                var rss = _server.ReadRssBytes();
                lock (_peaks)
                {
                    _peaks[_phase] = Math.Max(_peaks.GetValueOrDefault(_phase), rss);
                }

                try
                {
                    await Task.Delay(100, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (!_stop.IsCancellationRequested)
            {
                await StopAsync();
            }

            _stop.Dispose();
        }
    }
}
