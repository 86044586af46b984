using System.Diagnostics;
using System.Text.Json;
using Parley.Client.Messenger;

namespace Parley.Cli.Tests.Messaging;

/// <summary>
/// A person at a terminal: their own home for profiles (XDG_DATA_HOME), their passphrase, and the real
/// <c>parley</c> process for every command.
/// </summary>
internal sealed class CliUser : IDisposable
{
    public const string DefaultPassphrase = "a long enough profile passphrase";

    public CliUser(string stem, string server)
    {
        Name = stem + Guid.NewGuid().ToString("N")[..8];
        Server = server;
        Home = Path.Combine(Path.GetTempPath(), "parley-cli-" + Name);
        Directory.CreateDirectory(Home);
    }

    public string Name { get; }

    public string Server { get; }

    public string Home { get; }

    public string Passphrase { get; set; } = DefaultPassphrase;

    /// <summary>The folder that holds this person's profiles.</summary>
    public string ProfilesRoot => Path.Combine(Home, "parley", "profiles");

    public string ProfileFolder => Path.Combine(ProfilesRoot, "default");

    /// <summary>More environment for every command (e.g. SSL_CERT_FILE to trust a test proxy's certificate).</summary>
    public Dictionary<string, string?> ExtraEnvironment { get; } = [];

    public Dictionary<string, string?> Environment()
    {
        var environment = new Dictionary<string, string?>
        {
            ["XDG_DATA_HOME"] = Home,
            ["PARLEY_SERVER"] = Server,
            ["PARLEY_PASSPHRASE"] = Passphrase,
            ["TZ"] = "UTC",
        };
        foreach (var (key, value) in ExtraEnvironment)
        {
            environment[key] = value;
        }

        return environment;
    }

    public Task<CliResult> RunAsync(params string[] args) => CliProcess.RunAsync(args, null, Environment());

    public Task<CliResult> RunWithInputAsync(byte[] stdin, params string[] args) => CliProcess.RunAsync(args, stdin, Environment());

    /// <summary>Runs a command that must succeed.</summary>
    public async Task<CliResult> OkAsync(params string[] args)
    {
        var result = await RunAsync(args);
        result.ExitCode.ShouldBe(0, $"parley {string.Join(' ', args)} as {Name}: {result}");
        return result;
    }

    public Task<CliResult> RegisterAsync() => OkAsync("register", Name);

    /// <summary>
    /// Starts <c>parley inbox --follow --json</c> as this person and waits until it holds the profile and is
    /// connected (its first line); the caller reads its stdout and kills it.
    /// </summary>
    public async Task<Process> FollowAsync()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { CliProcess.DllPath, "inbox", "--follow", "--json" })
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (k, v) in Environment())
        {
            start.Environment[k] = v;
        }

        var follower = Process.Start(start)!;
        var line = await follower.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        line.ShouldNotBeNull().ShouldContain("\"connection\"");
        return follower;
    }

    /// <summary>Reads a follower's lines until one satisfies <paramref name="match"/> (within a minute); returns it.</summary>
    public static async Task<JsonElement> ReadUntilAsync(Process follower, Func<JsonElement, bool> match)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await follower.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            var element = JsonDocument.Parse(line).RootElement.Clone();
            if (match(element))
            {
                return element;
            }
        }

        throw new InvalidOperationException("the follower ended before the line came");
    }

    /// <summary>The messages <c>inbox --json</c> printed (texts of type message, kind text).</summary>
    public async Task<List<JsonElement>> InboxAsync()
    {
        var result = await OkAsync("inbox", "--json");
        return Lines(result);
    }

    public static List<JsonElement> Lines(CliResult result) =>
        [.. result.StdoutLines.Select(l => JsonDocument.Parse(l).RootElement.Clone())];

    public static IEnumerable<string> Texts(IEnumerable<JsonElement> lines) =>
        lines.Where(l => l.GetProperty("type").GetString() == "message" && l.GetProperty("kind").GetString() == "text")
            .Select(l => l.GetProperty("text").GetString()!);

    /// <summary>This person's messenger in the test's own process (for what a CLI cannot do: hand it a captured envelope).</summary>
    public Client.Messenger.Messenger OpenInProcess() =>
        Client.Messenger.Messenger.Open("default", Passphrase, new MessengerOptions { ProfilesRoot = ProfilesRoot });

    public void Dispose()
    {
        if (Directory.Exists(Home))
        {
            Directory.Delete(Home, recursive: true);
        }
    }
}
