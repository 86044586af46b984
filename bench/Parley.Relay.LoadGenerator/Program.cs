using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Parley.Client.Messaging;
using Parley.Contracts.Messaging;
using Parley.Crypto;
using Parley.Crypto.Kem;

// Relay load generator (docs/benchmarks.md, "Messaging relay"). Modes:
//   run      N pairs, each sender at a fixed rate; latency from the scheduled send time to receipt
//   idle     connect authenticated sockets in steps and read the server's RSS after each step
// Accounts are registered and logged in first (not timed). Sockets bind 127.0.0.1..127.0.0.K.
// Each mode ends with one "json: {...}" line (bench/relay-vs-prosody.sh reads it). The generator's own
// lag is reported beside the latency: how late sends started against their schedule, and how long
// work waited in its thread pool (a probe every 5 ms), so its delay can be told from the server's.
var o = Args.Parse(args);
var server = new Uri(o.Get("server", "http://127.0.0.1:5090"));
// Receivers may connect elsewhere (another node of the same cluster, or another proxy port): the relay then
// carries each envelope from node to node (bench/relay-two-nodes.sh).
var receiverServer = new Uri(o.Get("receiver-server", server.ToString()));
var mode = o.Get("mode", "run");
var sources = int.Parse(o.Get("sources", "4"), CultureInfo.InvariantCulture);
var serverPid = int.Parse(o.Get("server-pid", "0"), CultureInfo.InvariantCulture);
var prefix = o.Get("prefix", "b" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
var addresses = Enumerable.Range(1, sources).Select(i => IPAddress.Parse("127.0.0." + i)).ToArray();

using var setupApi = new MessagingApi(server);
var serverName = setupApi.ServerName;
// One Kyber key (and one signed EC prekey) shared by every bench account, each signed by its own identity key.
using var kyber = Kyber1024.Instance.GenerateKeyPair();
var kyberBytes = kyber.PublicKey.Serialize();
using var spk = Curve25519PrivateKey.Generate();
var spkBytes = spk.PublicKey.Serialize();

var connectRates = new List<double>();

async Task<(string Name, string Token)[]> AccountsAsync(int count)
{
    var result = new (string, string)[count];
    var next = -1;
    var sw = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
    {
        using var api = new MessagingApi(server);
        int i;
        while ((i = Interlocked.Increment(ref next)) < count)
        {
            var name = $"{prefix}u{i}";
            using var identity = Curve25519PrivateKey.Generate();
            string B(byte[] b) => AccountKeys.B64u(b);
            await api.RegisterAsync(new RegisterRequest(name, B(identity.PublicKey.Serialize()), 1 + (uint)(i % 16000),
                B(MessagingSignatures.SignRegistration(identity, serverName, name)),
                new SignedPreKey(1, B(spkBytes), B(identity.Sign(spkBytes))), new SignedPreKey(2, B(kyberBytes), B(identity.Sign(kyberBytes))),
                null, null, null));
            var login = await api.LoginAsync(name, identity);
            result[i] = (name, login.Token);
        }
    }));
    Console.WriteLine($"accounts: {count} registered and logged in in {sw.Elapsed.TotalSeconds:F1} s");
    return result;
}

async Task<RelayClient[]> ConnectAsync((string Name, string Token)[] accounts, int offset, int concurrency, Uri? at = null)
{
    var clients = new RelayClient[accounts.Length];
    var next = -1;
    var sw = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
    {
        int i;
        while ((i = Interlocked.Increment(ref next)) < accounts.Length)
        {
            clients[i] = await RelayClient.ConnectAsync(at ?? server, accounts[i].Token,
                new RelayClientOptions { LocalAddress = addresses[(offset + i) % addresses.Length] });
        }
    }));
    var seconds = sw.Elapsed.TotalSeconds;
    Console.WriteLine($"connected {accounts.Length} sockets in {seconds:F2} s: {accounts.Length / seconds:F0} authenticated connects/s");
    connectRates.Add(Math.Round(accounts.Length / seconds));
    return clients;
}

var cpu = new CpuMeter(serverPid);
if (mode == "idle")
{
    var steps = o.Get("steps", "1000,5000,10000,15000,19000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
    var accounts = await AccountsAsync(steps[^1]);
    var all = new List<RelayClient>();
    Console.WriteLine("connections\tserver RSS MiB");
    var points = new List<(int N, double Mib)>();
    foreach (var step in steps)
    {
        all.AddRange(await ConnectAsync(accounts[all.Count..step], all.Count, 64));
        await Task.Delay(TimeSpan.FromSeconds(double.Parse(o.Get("settle", "10"), CultureInfo.InvariantCulture)));
        var rss = serverPid > 0 ? Proc.RssKib(serverPid) / 1024.0 : 0;
        points.Add((step, rss));
        Console.WriteLine($"{step}\t{rss:F1}");
    }

    var slope = points.Count > 1 ? (points[^1].Mib - points[0].Mib) * 1024 / (points[^1].N - points[0].N) : double.NaN;
    Console.WriteLine($"slope {points[0].N}→{points[^1].N}: {slope:F2} KiB per idle authenticated connection");
    Console.WriteLine(cpu.Report());
    Json.Line(new Dictionary<string, object?>
    {
        ["mode"] = "idle",
        ["from"] = points[0].N,
        ["to"] = points[^1].N,
        ["kib_per_connection"] = double.IsNaN(slope) ? null : Math.Round(slope, 2),
        ["server_rss_mib"] = Math.Round(points[^1].Mib, 1),
        ["connects_per_s"] = connectRates,
    });
    foreach (var c in all)
    {
        await c.DisposeAsync();
    }

    return;
}

// --- run
var pairs = int.Parse(o.Get("pairs", "1000"), CultureInfo.InvariantCulture);
var rate = double.Parse(o.Get("rate", "2"), CultureInfo.InvariantCulture); // envelopes/s per sender
var duration = TimeSpan.FromSeconds(double.Parse(o.Get("duration", "20"), CultureInfo.InvariantCulture));
var warmup = TimeSpan.FromSeconds(double.Parse(o.Get("warmup", "5"), CultureInfo.InvariantCulture));
var size = Math.Max(16, int.Parse(o.Get("size", "256"), CultureInfo.InvariantCulture)); // scheduled and sent times ride in the first 16 bytes
// With the server's Prometheus endpoint (Parley:Metrics), its GC pauses inside the measured window are reported too.
var serverMetrics = o.Get("server-metrics", "");
var accountsRun = await AccountsAsync(pairs * 2);
var senders = await ConnectAsync(accountsRun[..pairs], 0, 64);
var receivers = await ConnectAsync(accountsRun[pairs..], pairs, 64, receiverServer);
var clock = Stopwatch.StartNew();
var measureFrom = warmup;
var measureTo = warmup + duration;
var latencies = new ConcurrentBag<long[]>();
var fromSend = new ConcurrentBag<long[]>(); // from the moment the send call started: the generator's own send lag left out
var sendLag = new List<long>(1 << 16);
long delivered = 0, sendErrors = 0, sent = 0, calls = 0;
using var stop = new CancellationTokenSource();

// Receivers record arrival at once and acknowledge in batches, as a client that stores before it
// acknowledges would: each receiver acknowledges its pending ids ack-ms after the first of them arrived
// (a receiver with 256 waiting acknowledges at once). One flusher looks every 10 ms, so idle receivers
// cost no timers, and receivers acknowledge at their own times as independent people's clients do;
// --ack-mode together acknowledges every receiver's ids at once every ack-ms instead (the earlier
// generator: a burst of up to one call per receiver that the server meets all at once).
var ackEvery = TimeSpan.FromMilliseconds(double.Parse(o.Get("ack-ms", "100"), CultureInfo.InvariantCulture));
var ackTogether = o.Get("ack-mode", "own") == "together";
var pending = receivers.Select(_ => new List<long>(256)).ToArray();
var firstPendingAt = new long[receivers.Length];
var receiveTasks = receivers.Select((r, k) => Task.Run(async () =>
{
    var local = new List<long>(1024);
    var localFromSend = new List<long>(1024);
    var mine = pending[k];
    try
    {
        while (await r.Envelopes.WaitToReadAsync(stop.Token))
        {
            var now = clock.Elapsed.Ticks;
            long[]? full = null;
            lock (mine)
            {
                while (r.Envelopes.TryRead(out var e))
                {
                    if (mine.Count == 0)
                    {
                        Volatile.Write(ref firstPendingAt[k], now);
                    }

                    mine.Add(e.Id);
                    var scheduled = BitConverter.ToInt64(e.Content);
                    if (scheduled >= measureFrom.Ticks && scheduled < measureTo.Ticks)
                    {
                        local.Add(now - scheduled);
                        localFromSend.Add(now - BitConverter.ToInt64(e.Content.AsSpan(8)));
                        Interlocked.Increment(ref delivered);
                    }
                }

                if (mine.Count >= 256)
                {
                    full = [.. mine];
                    mine.Clear();
                }
            }

            if (full is not null)
            {
                await r.AckAsync(full);
            }
        }
    }
    catch (OperationCanceledException)
    {
    }

    latencies.Add([.. local]);
    fromSend.Add([.. localFromSend]);
})).ToArray();
var ackTask = Task.Run(async () =>
{
    using var timer = new PeriodicTimer(ackTogether ? ackEvery : TimeSpan.FromMilliseconds(10));
    try
    {
        var receiptsReadAt = clock.Elapsed;
        while (await timer.WaitForNextTickAsync(stop.Token))
        {
            var acks = new List<Task>();
            if (clock.Elapsed - receiptsReadAt >= TimeSpan.FromMilliseconds(500))
            {
                receiptsReadAt = clock.Elapsed;
                // Delivered receipts are not measured; read them now and then so they do not pile up in memory
                // (every 10 ms, a TryRead on each of 9,000 channels was a large part of the generator's core).
                foreach (var s in senders)
                {
                    while (s.Receipts.TryRead(out _))
                    {
                    }
                }
            }

            var dueBefore = clock.Elapsed.Ticks - ackEvery.Ticks;
            for (var k = 0; k < receivers.Length; k++)
            {
                // Count read without the lock: a list that just filled is seen at the next look.
                if (!ackTogether && (pending[k].Count == 0 || Volatile.Read(ref firstPendingAt[k]) > dueBefore))
                {
                    continue; // nothing pending, or its oldest pending id is younger than ack-ms
                }

                lock (pending[k])
                {
                    // At most 1000 ids per Ack call (the hub's limit).
                    for (var from = 0; from < pending[k].Count; from += 1000)
                    {
                        acks.Add(receivers[k].AckAsync(pending[k].GetRange(from, Math.Min(1000, pending[k].Count - from))));
                    }

                    pending[k].Clear();
                }
            }

            await Task.WhenAll(acks);
        }
    }
    catch (OperationCanceledException)
    {
    }
});

// Senders keep a fixed schedule (a late send does not move the next one). With --batch on (default), a
// sender that is behind sends everything due in one SendBatch call; each envelope still carries its own
// scheduled time, so the latency stays measured from the schedule. One scheduler thread (not a timer per
// send) keeps the senders that are not waiting for a call in a queue ordered by their next due time and
// hands each due sender to the thread pool; a sender whose call returns late sends what became due at once.
var batching = o.Get("batch", "on") == "on";
var interval = TimeSpan.FromSeconds(1 / rate);
var nextDue = new long[pairs];
var waiting = new PriorityQueue<int, long>(pairs);
for (var i = 0; i < pairs; i++)
{
    // Spread the senders' phases evenly over one interval.
    nextDue[i] = interval.Ticks * i / pairs;
    waiting.Enqueue(i, nextDue[i]);
}

var sendersLeft = pairs;
var sendersDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

async Task SendDueAsync(int i)
{
    var s = senders[i];
    var to = accountsRun[pairs + i].Name;
    var batch = new List<HubOutgoingEnvelope>();
    while (true)
    {
        var now = clock.Elapsed.Ticks;
        if (nextDue[i] >= measureFrom.Ticks)
        {
            lock (sendLag)
            {
                sendLag.Add(now - nextDue[i]);
            }
        }

        batch.Clear();
        do
        {
            var payload = new byte[size];
            BitConverter.TryWriteBytes(payload, nextDue[i]);
            BitConverter.TryWriteBytes(payload.AsSpan(8), now);
            batch.Add(new HubOutgoingEnvelope { To = to, Type = 2, Content = payload });
            nextDue[i] += interval.Ticks;
        }
        while (batching && nextDue[i] <= now && nextDue[i] < measureTo.Ticks && batch.Count < HubNames.MaxSendBatch && (batch.Count + 1) * (size + 64) < 60_000);

        Interlocked.Increment(ref calls);
        try
        {
            if (batch.Count == 1)
            {
                await s.SendAsync(to, 2, batch[0].Content);
                Interlocked.Increment(ref sent);
            }
            else
            {
                foreach (var result in await s.SendBatchAsync(batch))
                {
                    Interlocked.Increment(ref result.Problem is null ? ref sent : ref sendErrors);
                }
            }
        }
        catch (MessagingApiException)
        {
            Interlocked.Add(ref sendErrors, batch.Count);
        }

        if (nextDue[i] >= measureTo.Ticks)
        {
            if (Interlocked.Decrement(ref sendersLeft) == 0)
            {
                sendersDone.TrySetResult();
            }

            return;
        }

        if (nextDue[i] > clock.Elapsed.Ticks)
        {
            lock (waiting)
            {
                waiting.Enqueue(i, nextDue[i]);
            }

            return;
        }
    }
}

var scheduler = new Thread(() =>
{
    Action<int> send = i => _ = SendDueAsync(i);
    var due = new List<int>();
    while (!sendersDone.Task.IsCompleted)
    {
        var now = clock.Elapsed.Ticks;
        lock (waiting)
        {
            while (waiting.TryPeek(out var i, out var at) && at <= now)
            {
                waiting.Dequeue();
                due.Add(i);
            }
        }

        foreach (var i in due)
        {
            ThreadPool.UnsafeQueueUserWorkItem(send, i, preferLocal: false);
        }

        due.Clear();
        Thread.Sleep(1); // ~1 ms ticks; what a tick delays still counts in the latency (from the schedule)
    }
})
{ IsBackground = true, Name = "send scheduler" };
scheduler.Start();

var cpuAtStart = (CpuMeter?)null;
await Task.Delay(warmup);
cpuAtStart = new CpuMeter(serverPid);
var gcAtStart = await ServerGc.ReadAsync(serverMetrics);
var probe = new LagProbe(TimeSpan.FromMilliseconds(5));
var ownGcAtStart = (Pause: GC.GetTotalPauseDuration(), Count: GC.CollectionCount(0));
await sendersDone.Task;
var ownGc = (Pause: GC.GetTotalPauseDuration() - ownGcAtStart.Pause, Count: GC.CollectionCount(0) - ownGcAtStart.Count);
var cpuReport = cpuAtStart.Report();
var cpuShares = cpuAtStart.Shares();
var gc = (await ServerGc.ReadAsync(serverMetrics)) - gcAtStart;
probe.Dispose();
await Task.Delay(TimeSpan.FromSeconds(3)); // let the last envelopes arrive
await stop.CancelAsync();
await Task.WhenAll(receiveTasks);
await ackTask;
var all2 = latencies.SelectMany(l => l).Order().ToArray();
var sendToArrival = fromSend.SelectMany(l => l).Order().ToArray();
double Ms(double q) => Quantile(all2, q);
double Quantile(long[] sorted, double q) => sorted.Length == 0 ? double.NaN : TimeSpan.FromTicks(sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))]).TotalMilliseconds;
var expected = (long)(pairs * rate * duration.TotalSeconds);
Console.WriteLine($"pairs {pairs}, {rate} envelopes/s per sender, offered {pairs * rate:F0}/s, {size} B, measured {duration.TotalSeconds} s after {warmup.TotalSeconds} s warm-up");
Console.WriteLine($"delivered in window {delivered} of ~{expected}: {delivered / duration.TotalSeconds:F0} envelopes/s; send errors {sendErrors}");
Console.WriteLine($"hub send calls {calls}: {(double)(sent + sendErrors) / Math.Max(1, calls):F2} envelopes per call (batching {(batching ? "on" : "off")})");
Console.WriteLine($"latency from scheduled send: p50 {Ms(0.50):F1} ms, p99 {Ms(0.99):F1} ms, p99.9 {Ms(0.999):F1} ms, max {Ms(1):F1} ms");
Console.WriteLine($"latency from the send call's start (the generator's send lag left out): p50 {Quantile(sendToArrival, 0.5):F1} ms, p99 {Quantile(sendToArrival, 0.99):F1} ms");
if (gc is not null)
{
    Console.WriteLine($"server GC in the window: {gc.Gen0} gen0, {gc.Gen1} gen1, {gc.Gen2} gen2 collections, {gc.PauseMs:F0} ms paused");
}
Console.WriteLine(cpuReport);
var lagP99 = TimeSpan.FromTicks(Quantiles.Of(sendLag, 0.99)).TotalMilliseconds;
Console.WriteLine($"generator lag: sends started p99 {lagP99:F1} ms after their schedule; thread-pool wait p50 {probe.Quantile(0.5):F2} ms, p99 {probe.Quantile(0.99):F1} ms; its own GC in the window: {ownGc.Count} collections, {ownGc.Pause.TotalMilliseconds:F0} ms paused");
Json.Line(new Dictionary<string, object?>
{
    ["mode"] = "run",
    ["pairs"] = pairs,
    ["offered_per_s"] = Math.Round(pairs * rate),
    ["delivered_per_s"] = Math.Round(delivered / duration.TotalSeconds),
    ["lost"] = Math.Max(0, expected - delivered) + sendErrors,
    ["p50_ms"] = all2.Length == 0 ? null : Math.Round(Ms(0.50), 1),
    ["p99_ms"] = all2.Length == 0 ? null : Math.Round(Ms(0.99), 1),
    ["p999_ms"] = all2.Length == 0 ? null : Math.Round(Ms(0.999), 1),
    ["p50_from_send_ms"] = sendToArrival.Length == 0 ? null : Math.Round(Quantile(sendToArrival, 0.5), 1),
    ["p99_from_send_ms"] = sendToArrival.Length == 0 ? null : Math.Round(Quantile(sendToArrival, 0.99), 1),
    ["client_send_lag_p99_ms"] = Math.Round(lagP99, 1),
    ["client_pool_wait_p99_ms"] = Math.Round(probe.Quantile(0.99), 1),
    ["client_gc_pause_ms"] = Math.Round(ownGc.Pause.TotalMilliseconds),
    ["server_cpu_pct"] = cpuShares.Server,
    ["client_cpu_pct"] = cpuShares.Self,
    ["other_cpu_pct"] = cpuShares.Other,
    ["server_gc_pause_ms"] = gc is null ? null : Math.Round(gc.PauseMs),
    ["server_gc_gen2"] = gc?.Gen2,
});
foreach (var c in senders.Concat(receivers))
{
    await c.DisposeAsync();
}

internal sealed class Args(Dictionary<string, string> values)
{
    public static Args Parse(string[] args)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            d[args[i].TrimStart('-')] = args[i + 1];
        }

        return new Args(d);
    }

    public string Get(string key, string fallback) => values.TryGetValue(key, out var v) ? v : fallback;
}

internal static class Proc
{
    public static long RssKib(int pid) => Field(pid, "VmRSS:");

    private static long Field(int pid, string name)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith(name, StringComparison.Ordinal))
            {
                return long.Parse(line[name.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    /// <summary>Busy seconds of the whole machine (user + nice + system), from /proc/stat.</summary>
    public static double MachineBusySeconds()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (long.Parse(fields[1], CultureInfo.InvariantCulture) + long.Parse(fields[2], CultureInfo.InvariantCulture)
            + long.Parse(fields[3], CultureInfo.InvariantCulture)) / 100.0;
    }

    /// <summary>utime + stime of a process, in seconds (from /proc/pid/stat).</summary>
    public static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }
}

internal sealed class CpuMeter(int serverPid)
{
    private readonly Stopwatch _wall = Stopwatch.StartNew();
    private readonly double _self = Proc.CpuSeconds(Environment.ProcessId);
    private readonly double _server = serverPid > 0 ? Proc.CpuSeconds(serverPid) : 0;
    private readonly double _machine = Proc.MachineBusySeconds();

    /// <summary>CPU of the server, this generator and everything else on the machine since the start, in % of one core.</summary>
    public (double Server, double Self, double Other) Shares()
    {
        var wall = _wall.Elapsed.TotalSeconds;
        var self = Proc.CpuSeconds(Environment.ProcessId) - _self;
        var server = serverPid > 0 ? Proc.CpuSeconds(serverPid) - _server : 0;
        var other = Math.Max(0, Proc.MachineBusySeconds() - _machine - self - server);
        return (Math.Round(server / wall * 100), Math.Round(self / wall * 100), Math.Round(other / wall * 100));
    }

    public string Report()
    {
        var wall = _wall.Elapsed.TotalSeconds;
        var self = (Proc.CpuSeconds(Environment.ProcessId) - _self) / wall;
        var server = serverPid > 0 ? (Proc.CpuSeconds(serverPid) - _server) / wall : double.NaN;
        return $"CPU over {wall:F1} s: server {server * 100:F0}% of one core, load generator {self * 100:F0}% (2 cores = 200%)";
    }
}
