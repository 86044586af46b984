// The messenger benchmark (docs/benchmarks.md, "Messenger"): two full clients with durable, encrypted
// profiles talk through a Parley server that bench/messenger.sh started. It measures
//   1. throughput one way, end to end: encrypt, relay, decrypt, commit, acknowledge (messages/s);
//   2. latency at a fixed rate (p50/p99 from the send call to the receiver's stored event);
//   3. the receiver's profile bytes per stored message;
//   4. a cold `parley inbox` on a profile holding 10,000 messages with nothing pending, next to `parley --version`.
using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Parley.Client.Messenger;
using Parley.Client.Profiles;

var options = Args.Parse(args);
var server = new Uri(options["server"]);
var work = options["work"];
var cli = options["cli"];
var messages = int.Parse(options.GetValueOrDefault("messages", "20000"), CultureInfo.InvariantCulture);
var rate = int.Parse(options.GetValueOrDefault("rate", "100"), CultureInfo.InvariantCulture);
var seconds = int.Parse(options.GetValueOrDefault("seconds", "20"), CultureInfo.InvariantCulture);
const string Passphrase = "benchmark profile passphrase";
var root = Path.Combine(work, "xdg", "parley", "profiles");
var clientOptions = new MessengerOptions { ProfilesRoot = root, PreKeyBatch = 100 };
string Name(string stem) => stem + Guid.NewGuid().ToString("N")[..6];

Console.WriteLine($"load average at start: {File.ReadAllText("/proc/loadavg").Trim()}");
var aliceName = Name("alice");
var bobName = Name("bob");
await using var alice = await Messenger.RegisterAsync("alice", Passphrase, server, aliceName, options: clientOptions);
var bob = await Messenger.RegisterAsync("bob", Passphrase, server, bobName, options: clientOptions);
await alice.SendTextAsync(bobName, "warm-up");
await bob.ReceivePendingAsync();
await bob.SendTextAsync(aliceName, "warm-up reply");
await alice.ReceivePendingAsync();

// bob listens over the hub; every stored message is stamped on arrival
var arrivals = Channel.CreateUnbounded<(StoredMessage Message, long At)>();
using var stop = new CancellationTokenSource();
var listening = Task.Run(async () =>
{
    await foreach (var e in bob.FollowAsync(cancellationToken: stop.Token))
    {
        if (e is MessageReceived { Message.Kind: StoredMessage.KindText } m)
        {
            arrivals.Writer.TryWrite((m.Message, Stopwatch.GetTimestamp()));
        }
    }
});
// alice sends over the hub too (one SendBatch call per 256 envelopes)
var aliceFollow = Task.Run(async () =>
{
    await foreach (var _ in alice.FollowAsync(cancellationToken: stop.Token))
    {
    }
});
await Task.Delay(1000);

// warm-up (not measured): the JIT compiles and tiers up the hot paths of both clients
var warmUp = Enumerable.Range(0, 5000).Select(i => $"warm-up message {i:D6}").ToList();
var warmSend = alice.SendTextsAsync(bobName, warmUp);
for (var seen = 0; seen < warmUp.Count;)
{
    seen += (await arrivals.Reader.ReadAsync()).Message.Text.StartsWith("warm-up message", StringComparison.Ordinal) ? 1 : 0;
}

await warmSend;

// 1. throughput
Console.WriteLine($"throughput: {messages} messages alice -> bob, load average {LoadAverage()}");
var texts = Enumerable.Range(0, messages).Select(i => $"throughput message {i:D6} with some words in it").ToList();
var started = Stopwatch.GetTimestamp();
var send = Task.Run(async () =>
{
    for (var i = 0; i < texts.Count; i += 1000)
    {
        await alice.SendTextsAsync(bobName, texts.Skip(i).Take(1000).ToList());
    }
});
var received = 0;
while (received < messages)
{
    var (m, _) = await arrivals.Reader.ReadAsync();
    if (m.Text.StartsWith("throughput", StringComparison.Ordinal))
    {
        received++;
    }
}

var elapsed = Stopwatch.GetElapsedTime(started);
await send;
Console.WriteLine($"  {messages} messages in {elapsed.TotalSeconds:F2} s = {messages / elapsed.TotalSeconds:F0} messages/s end to end; load average {LoadAverage()}");

// 2. latency at a fixed rate
Console.WriteLine($"latency: {rate} messages/s for {seconds} s, load average {LoadAverage()}");
var sentAt = new Dictionary<string, long>();
var latencies = new List<double>();
var total = rate * seconds;
var pace = Stopwatch.GetTimestamp();
var collect = Task.Run(async () =>
{
    while (latencies.Count < total)
    {
        var (m, at) = await arrivals.Reader.ReadAsync();
        lock (sentAt)
        {
            if (sentAt.Remove(m.Text, out var t0))
            {
                latencies.Add(Stopwatch.GetElapsedTime(t0, at).TotalMilliseconds);
            }
        }
    }
});
for (var i = 0; i < total; i++)
{
    var due = pace + (long)(i * (double)Stopwatch.Frequency / rate);
    while (Stopwatch.GetTimestamp() < due)
    {
        await Task.Delay(1);
    }

    var text = $"latency {i:D6}";
    lock (sentAt)
    {
        sentAt[text] = Stopwatch.GetTimestamp();
    }

    await alice.SendTextAsync(bobName, text);
}

await collect.WaitAsync(TimeSpan.FromMinutes(2));
latencies.Sort();
Console.WriteLine($"  p50 {Percentile(latencies, 0.50):F1} ms, p99 {Percentile(latencies, 0.99):F1} ms, max {latencies[^1]:F1} ms over {latencies.Count} messages; load average {LoadAverage()}");

await stop.CancelAsync();
await Task.WhenAll(listening, aliceFollow);

// 3. bytes per stored message, and 4. a cold inbox with 10,000 stored messages
var stored = bob.Profile.CountMessages();
await bob.DisposeAsync();
Checkpoint(Path.Combine(root, "bob", ProfileStore.DatabaseFile));
var bytes = Directory.GetFiles(Path.Combine(root, "bob")).Sum(f => new FileInfo(f).Length);
Console.WriteLine($"storage: bob's profile holds {stored} messages in {bytes / 1024.0 / 1024.0:F1} MiB = {bytes / (double)stored:F0} bytes per message (all files, after a checkpoint)");

var env = new Dictionary<string, string> { ["XDG_DATA_HOME"] = Path.Combine(work, "xdg"), ["PARLEY_PASSPHRASE"] = Passphrase };
var version = TimeRuns(cli, ["--version"], env, 10);
var inbox = TimeRuns(cli, ["--profile", "bob", "inbox"], env, 10);
Console.WriteLine($"cold start: parley --version median {version:F0} ms; parley inbox (profile with {stored} messages, nothing pending) median {inbox:F0} ms; difference {inbox - version:F0} ms; load average {LoadAverage()}");
return 0;

static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ')[..3]);

static void Checkpoint(string database)
{
    using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={database};Pooling=False");
    db.Open();
    using var command = db.CreateCommand();
    command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
    command.ExecuteNonQuery();
}

/// <summary>Median wall time of <paramref name="runs"/> runs of the CLI (dotnet parley.dll …), after one untimed run.</summary>
static double TimeRuns(string cli, string[] arguments, Dictionary<string, string> env, int runs)
{
    var times = new List<double>();
    for (var i = 0; i <= runs; i++)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(cli);
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        foreach (var (k, v) in env)
        {
            start.Environment[k] = v;
        }

        var t0 = Stopwatch.GetTimestamp();
        using var p = Process.Start(start)!;
        p.StandardOutput.ReadToEnd();
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"parley {string.Join(' ', arguments)} exited {p.ExitCode}");
        }

        if (i > 0)
        {
            times.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }
    }

    times.Sort();
    return times[times.Count / 2];
}

internal static class Args
{
    public static Dictionary<string, string> Parse(string[] args)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            result[args[i].TrimStart('-')] = args[i + 1];
        }

        return result;
    }
}
