using System.Diagnostics;
using System.Text;
using Parley.Cli.Tests.Messaging;

namespace Parley.Cli.Tests.Chat;

/// <summary>
/// A terminal a person looks at: a private tmux server (its own socket) running one command in an
/// 80×24 pane. Tests type with <c>send-keys</c> and read the screen with <c>capture-pane</c>, as a
/// person would. The command runs inside a shell that records the terminal settings (<c>stty -g</c>)
/// before and after it and prints its exit code, so a test can see what the program left behind.
/// </summary>
internal sealed class TmuxScreen : IDisposable
{
    /// <summary>Long enough for a screen on a machine shared with other builds (load averages above 20 were seen).</summary>
    private static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(60);
    private readonly string _socket;
    private readonly string _folder;

    private TmuxScreen(string folder)
    {
        _folder = folder;
        _socket = Path.Combine(folder, "tmux.sock");
    }

    public string SttyBefore => File.ReadAllText(Path.Combine(_folder, "stty.before")).Trim();

    public string SttyAfter => File.ReadAllText(Path.Combine(_folder, "stty.after")).Trim();

    /// <summary>Starts <c>parley</c> with <paramref name="args"/> as <paramref name="user"/> in a new 80×24 pane.</summary>
    public static async Task<TmuxScreen> StartAsync(CliUser user, IReadOnlyDictionary<string, string?>? extraEnvironment, params string[] args)
    {
        var folder = Path.Combine(Path.GetTempPath(), "parley-tmux-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(folder);
        var screen = new TmuxScreen(folder);
        var command = new StringBuilder();
        command.Append($"stty -g > {folder}/stty.before; dotnet {Quote(CliProcess.DllPath)}");
        foreach (var arg in args)
        {
            command.Append(' ').Append(Quote(arg));
        }

        command.Append($"; echo EXIT=$?; stty -g > {folder}/stty.after; exec sleep 3600");
        var tmuxArgs = new List<string> { "new-session", "-d", "-s", "chat", "-x", "80", "-y", "24" };
        foreach (var (key, value) in user.Environment().Concat(extraEnvironment ?? new Dictionary<string, string?>()))
        {
            tmuxArgs.AddRange(["-e", $"{key}={value}"]);
        }

        tmuxArgs.AddRange(["-e", "DOTNET_CLI_TELEMETRY_OPTOUT=1", "sh", "-c", command.ToString()]);
        await screen.TmuxAsync([.. tmuxArgs]);
        return screen;
    }

    private static string Quote(string s) => "'" + s.Replace("'", "'\"'\"'", StringComparison.Ordinal) + "'";

    /// <summary>What the pane shows now, one string per row.</summary>
    public async Task<string> TextAsync() => await TmuxAsync("capture-pane", "-p", "-t", "chat");

    /// <summary>What the pane shows with its colours and styles as escape sequences (<c>capture-pane -e</c>).</summary>
    public async Task<string> TextWithAttributesAsync() => await TmuxAsync("capture-pane", "-p", "-e", "-t", "chat");

    /// <summary>A tmux format of the pane, e.g. <c>#{alternate_on}</c> (1 while the program uses the alternate screen).</summary>
    public async Task<string> FormatAsync(string format) => (await TmuxAsync("display-message", "-p", "-t", "chat", format)).Trim();

    /// <summary>Types literal text (no key names).</summary>
    public Task TypeAsync(string text) => TmuxAsync("send-keys", "-t", "chat", "-l", text);

    /// <summary>Types a line (a message or a slash command) and presses Enter.</summary>
    public async Task SubmitAsync(string line)
    {
        await TypeAsync(line);
        await KeysAsync("Enter");
    }

    /// <summary>Presses keys by tmux name: Enter, Escape, C-q, PPage, Tab …</summary>
    public Task KeysAsync(params string[] keys) => TmuxAsync(["send-keys", "-t", "chat", .. keys]);

    /// <summary>Makes the terminal <paramref name="columns"/>×<paramref name="rows"/>, as dragging its window would (the program gets SIGWINCH).</summary>
    public Task ResizeAsync(int columns, int rows) => TmuxAsync("resize-window", "-t", "chat",
        "-x", columns.ToString(System.Globalization.CultureInfo.InvariantCulture), "-y", rows.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Leaves the screen with Ctrl-Q and waits until the program has exited (it releases the profile).</summary>
    public async Task QuitAsync()
    {
        await KeysAsync("C-q");
        await WaitForAsync("EXIT=");
    }

    /// <summary>The pid of the program in the pane (the shell's child), for sending it a signal.</summary>
    public async Task<int> ProgramPidAsync()
    {
        var shell = int.Parse(await FormatAsync("#{pane_pid}"), System.Globalization.CultureInfo.InvariantCulture);
        var children = await File.ReadAllTextAsync($"/proc/{shell}/task/{shell}/children");
        return int.Parse(children.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Waits until the screen satisfies <paramref name="condition"/>; fails with the last screen otherwise.</summary>
    public async Task<string> WaitForAsync(Func<string, bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.StartNew();
        var text = "";
        while (deadline.Elapsed < (timeout ?? DefaultWait))
        {
            text = await TextAsync();
            if (condition(text))
            {
                return text;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"the screen never showed {what}; it shows:\n{text}");
    }

    /// <summary>Waits until two captures in a row are the same: the program has finished drawing.</summary>
    public Task<string> WaitForSettledAsync()
    {
        string? previous = null;
        return WaitForAsync(s =>
        {
            var settled = s == previous;
            previous = s;
            return settled;
        }, "the screen stop changing");
    }

    public Task<string> WaitForAsync(string text, TimeSpan? timeout = null) =>
        WaitForAsync(s => s.Contains(text, StringComparison.Ordinal), $"\"{text}\"", timeout);

    /// <summary>The rows of the screen that contain <paramref name="text"/>.</summary>
    public static IEnumerable<string> RowsWith(string screen, string text) => screen.Split('\n').Where(r => r.Contains(text, StringComparison.Ordinal));

    private async Task<string> TmuxAsync(params string[] args)
    {
        var start = new ProcessStartInfo("tmux") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-S");
        start.ArgumentList.Add(_socket);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"tmux {string.Join(' ', args)} failed: {await error}");
        }

        return await output;
    }

    public void Dispose()
    {
        try
        {
            using var kill = Process.Start(new ProcessStartInfo("tmux", ["-S", _socket, "kill-server"]) { UseShellExecute = false, RedirectStandardError = true })!;
            kill.WaitForExit(5000);
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }

        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
