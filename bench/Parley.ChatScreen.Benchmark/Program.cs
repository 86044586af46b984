// The chat screen benchmark (docs/benchmarks.md, "Chat screen"), run by bench/chat-screen.sh against a
// server it started. The real `parley chat` runs in a tmux pane (80×24); tmux copies everything the
// program writes to the terminal into a FIFO (pipe-pane), where this program watches for the text.
//   1. responsiveness: a conversation with 10,000 messages of history is open on the screen; another
//      client sends messages at a steady rate; each one's time is taken from just before the send call
//      to the moment its text reaches the terminal (so it includes encryption, the server, the screen's
//      client storing it, and drawing: an upper bound of arrival-to-appearance); then the same with
//      `parley inbox --follow` in the pane instead of the screen, the part that is not the screen's;
//   2. memory: a profile with 100 conversations and 100,000 stored messages; the screen goes through
//      every conversation (each loads its newest 200 messages) and pages back in some; peak RSS (VmHWM).
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Parley.Client.Messenger;

var options = Args.Parse(args);
var server = new Uri(options["server"]);
var work = options["work"];
var cli = options["cli"];
var history = int.Parse(options.GetValueOrDefault("history", "10000"), CultureInfo.InvariantCulture);
var samples = int.Parse(options.GetValueOrDefault("samples", "300"), CultureInfo.InvariantCulture);
var conversations = int.Parse(options.GetValueOrDefault("conversations", "100"), CultureInfo.InvariantCulture);
var perConversation = int.Parse(options.GetValueOrDefault("per-conversation", "1000"), CultureInfo.InvariantCulture);
const string Passphrase = "benchmark profile passphrase";
string Name(string stem) => stem + Guid.NewGuid().ToString("N")[..6];
string Load() => File.ReadAllText("/proc/loadavg").Trim();

Console.WriteLine($"load average at start: {Load()}");
await Responsiveness();
await Memory();
Console.WriteLine($"load average at the end: {Load()}");

async Task Responsiveness()
{
    var home = Path.Combine(work, "reader");
    var clientOptions = new MessengerOptions { ProfilesRoot = Path.Combine(home, "parley", "profiles") };
    var readerName = Name("reader");
    var writerName = Name("writer");
    var reader = await Messenger.RegisterAsync("default", Passphrase, server, readerName, options: clientOptions);
    await using var writer = await Messenger.RegisterAsync("writer", Passphrase, server, writerName,
        options: new MessengerOptions { ProfilesRoot = Path.Combine(work, "writer") });
    await Fill(writer, reader, readerName, history, "history");
    await reader.DisposeAsync();
    Console.WriteLine($"history: {history} messages stored; {Load()}");

    await writer.FollowOnce();
    using (var screen = await Screen.StartAsync(work, "r", home, cli, $"chat {writerName}"))
    {
        await screen.WaitFor($"history {history - 1:D6}", TimeSpan.FromSeconds(60));
        var text = await Measure(screen, "live");
        Console.WriteLine($"responsiveness: {samples} messages at 10/s into a conversation with {history} messages of history, send → on screen: " +
            $"{text}; screen peak RSS {screen.PeakRssMb():F0} MB; {Load()}");
        await screen.Quit();
    }

    // The same path without the screen: what the messenger, the server and tmux take by themselves.
    using (var follow = await Screen.StartAsync(work, "f", home, cli, "inbox --follow"))
    {
        await follow.WaitFor("Listening as", TimeSpan.FromSeconds(60));
        await Task.Delay(2000); // the hub connects after the line
        var text = await Measure(follow, "base");
        Console.WriteLine($"baseline without the screen (parley inbox --follow in the same pane): {text}; {Load()}");
        await follow.Quit("C-c");
    }

    // Sends samples (+20 to warm up) at 10/s; each one's time from the send call to its text on the terminal.
    async Task<string> Measure(Screen screen, string prefix)
    {
        var latencies = new List<double>(samples);
        var pace = TimeSpan.FromMilliseconds(100);
        for (var i = 0; i < samples + 20; i++)
        {
            var marker = $"{prefix}{i:D5}x";
            var started = Stopwatch.GetTimestamp();
            await writer.SendTextAsync(readerName, marker);
            var seen = await screen.WaitFor(marker, TimeSpan.FromSeconds(10));
            if (i >= 20)
            {
                latencies.Add(Stopwatch.GetElapsedTime(started, seen).TotalMilliseconds); // the first 20 warm up
            }

            var next = started + (long)(pace.TotalSeconds * Stopwatch.Frequency);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }
        }

        latencies.Sort();
        double P(double q) => latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(q * latencies.Count) - 1)];
        return $"p50 {P(0.50):F1} ms, p95 {P(0.95):F1} ms, p99 {P(0.99):F1} ms, max {latencies[^1]:F1} ms";
    }
}

async Task Memory()
{
    var home = Path.Combine(work, "many");
    var clientOptions = new MessengerOptions { ProfilesRoot = Path.Combine(home, "parley", "profiles"), PreKeyBatch = 100 };
    var ownerName = Name("owner");
    var owner = await Messenger.RegisterAsync("default", Passphrase, server, ownerName, options: clientOptions);
    var writers = new List<string>();
    for (var c = 0; c < conversations; c++)
    {
        var name = Name("peer");
        await using var peer = await Messenger.RegisterAsync("peer" + c, Passphrase, server, name,
            options: new MessengerOptions { ProfilesRoot = Path.Combine(work, "peers"), KdfMemoryKiB = 256, KdfIterations = 1 });
        await Fill(peer, owner, ownerName, perConversation, $"c{c}");
        writers.Add(name);
    }

    var stored = owner.Profile.CountMessages();
    await owner.DisposeAsync();
    Console.WriteLine($"memory profile: {conversations} conversations, {stored} stored messages; {Load()}");

    using var screen = await Screen.StartAsync(work, "m", home, cli, "chat");
    await screen.WaitFor("● connected", TimeSpan.FromSeconds(60));
    var rssAfterOpen = screen.RssMb();
    for (var c = 0; c < conversations; c++)
    {
        await screen.Keys("C-n");
        await Task.Delay(60);
        if (c % 10 == 0)
        {
            for (var p = 0; p < 10; p++)
            {
                await screen.Keys("PPage"); // back through ~200 rows: older pages load
                await Task.Delay(30);
            }
        }
    }

    await Task.Delay(2000);
    Console.WriteLine($"memory: screen RSS {rssAfterOpen:F0} MB after opening, {screen.RssMb():F0} MB after visiting all {conversations} conversations, " +
        $"peak (VmHWM) {screen.PeakRssMb():F0} MB; {Load()}");
    await screen.Quit();
}

// Sends `count` messages from `from` to `to` in batches and has `to` store them (REST, in process).
static async Task Fill(Messenger from, Messenger to, string toName, int count, string label)
{
    for (var i = 0; i < count; i += 500)
    {
        var batch = Enumerable.Range(i, Math.Min(500, count - i)).Select(n => $"{label} {n:D6} some words to make the line look like a chat message").ToList();
        await from.SendTextsAsync(toName, batch);
        await to.ReceivePendingAsync();
    }
}

/// <summary>`parley chat` in a private tmux server; what it writes to the terminal streams through a FIFO.</summary>
internal sealed class Screen : IDisposable
{
    private readonly string _socket;
    private readonly StringBuilder _seen = new();
    private readonly Dictionary<string, long> _first = new(StringComparer.Ordinal);
    private readonly Thread _reader;
    private readonly string _fifo;

    private Screen(string socket, string fifo)
    {
        _socket = socket;
        _fifo = fifo;
        _reader = new Thread(Read) { IsBackground = true };
    }

    public int Pid { get; private set; }

    /// <summary>Starts <c>parley <paramref name="command"/></c> (<c>chat [who]</c>, <c>inbox --follow</c>) in an 80×24 pane.</summary>
    public static async Task<Screen> StartAsync(string work, string tag, string home, string cli, string command)
    {
        var socket = Path.Combine(work, $"tmux-{tag}.sock");
        var fifo = Path.Combine(work, $"pane-{tag}.fifo");
        Run("mkfifo", fifo);
        var screen = new Screen(socket, fifo);
        screen.Tmux("new-session", "-d", "-s", "chat", "-x", "80", "-y", "24", "-e", $"XDG_DATA_HOME={home}", "-e", "PARLEY_PASSPHRASE=benchmark profile passphrase",
            "-e", "TZ=UTC", "sh", "-c", $"exec dotnet {cli} {command}");
        screen.Tmux("pipe-pane", "-O", "-t", "chat", $"cat > {fifo}");
        screen._reader.Start();
        for (var i = 0; i < 100 && screen.Pid == 0; i++)
        {
            var pid = screen.Tmux("display-message", "-p", "-t", "chat", "#{pane_pid}").Trim();
            screen.Pid = int.Parse(pid, CultureInfo.InvariantCulture);
            await Task.Delay(50);
        }

        return screen;
    }

    private void Read()
    {
        using var stream = new FileStream(_fifo, FileMode.Open, FileAccess.Read);
        var buffer = new byte[65536];
        var plain = new PlainText();
        int n;
        while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            var at = Stopwatch.GetTimestamp();
            var text = plain.Feed(Encoding.UTF8.GetString(buffer, 0, n));
            lock (_seen)
            {
                var from = Math.Max(0, _seen.Length - 64);
                _seen.Append(text);
                var s = _seen.ToString(from, _seen.Length - from);
                foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(s, @"((live|base)\d{5}x|history \d{6}|● connected|Listening as)"))
                {
                    _first.TryAdd(m.Value, at);
                }

                if (_seen.Length > 1 << 20)
                {
                    _seen.Remove(0, _seen.Length - 4096);
                }

                Monitor.PulseAll(_seen);
            }
        }
    }

    /// <summary>Waits until <paramref name="text"/> was written to the terminal; returns when it was.</summary>
    public async Task<long> WaitFor(string text, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            lock (_seen)
            {
                if (_first.TryGetValue(text, out var at))
                {
                    return at;
                }
            }

            await Task.Delay(1);
        }

        throw new TimeoutException($"the screen never showed '{text}':\n{Tmux("capture-pane", "-p", "-t", "chat")}");
    }

    public Task Keys(string keys)
    {
        Tmux("send-keys", "-t", "chat", keys);
        return Task.CompletedTask;
    }

    public double RssMb() => Status("VmRSS:");

    public double PeakRssMb() => Status("VmHWM:");

    private double Status(string field)
    {
        foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
            }
        }

        return 0;
    }

    public async Task Quit(string key = "C-q")
    {
        Tmux("send-keys", "-t", "chat", key);
        for (var i = 0; i < 100 && Directory.Exists($"/proc/{Pid}"); i++)
        {
            await Task.Delay(100);
        }
    }

    public string Tmux(params string[] args) => Run("tmux", ["-S", _socket, .. args]);

    private static string Run(string file, params string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return output;
    }

    public void Dispose()
    {
        try
        {
            Tmux("kill-server");
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }
    }
}

/// <summary>Terminal output without its escape sequences (CSI, OSC, and two-byte ESC sequences).</summary>
internal sealed class PlainText
{
    private int _state; // 0 text, 1 after ESC, 2 in CSI, 3 in OSC

    public string Feed(string chunk)
    {
        var result = new StringBuilder(chunk.Length);
        foreach (var c in chunk)
        {
            switch (_state)
            {
                case 0 when c == '\u001b':
                    _state = 1;
                    break;
                case 0:
                    result.Append(c);
                    break;
                case 1:
                    _state = c == '[' ? 2 : c == ']' ? 3 : 0;
                    break;
                case 2 when c is >= '@' and <= '~':
                    _state = 0;
                    break;
                case 3 when c is '\u0007' or '\\':
                    _state = 0;
                    break;
            }
        }

        return result.ToString();
    }
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

internal static class MessengerExtensions
{
    /// <summary>Connects the hub once (the sender then sends over the hub, as a running client does).</summary>
    public static async Task FollowOnce(this Messenger m)
    {
        var connected = new TaskCompletionSource();
        _ = Task.Run(async () =>
        {
            await foreach (var e in m.FollowAsync())
            {
                if (e is ConnectionChanged { Connected: true })
                {
                    connected.TrySetResult();
                }
            }
        });
        await connected.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }
}
