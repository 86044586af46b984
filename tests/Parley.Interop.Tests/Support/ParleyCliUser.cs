using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Parley.Testing;

namespace Parley.Interop.Tests.Support;

/// <summary>One line of <c>parley inbox --json</c> or <c>parley history --json</c> that is a message.</summary>
internal sealed record CliMessage(string From, string Direction, string Kind, string Text, string State, string Id);

/// <summary>
/// A person using the real <c>parley</c> command (<c>dotnet parley.dll …</c>, a new process each time),
/// with their own profile home (XDG_DATA_HOME) and passphrase, against one server.
/// </summary>
internal sealed class ParleyCliUser(string server) : IDisposable
{
    private const string Passphrase = "an interop test profile passphrase";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(2);

    public string Username { get; } = "cli" + Guid.NewGuid().ToString("N")[..10];

    private string Home { get; } = Directory.CreateTempSubdirectory("parley-interop-cli-").FullName;

    private static string CliPath
    {
        get
        {
            var configuration = typeof(ParleyCliUser).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
            var path = RepoPaths.Combine("src", "Parley.Cli", "bin", configuration, "net10.0", "parley.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException("Build Parley.Cli first.", path);
        }
    }

    public Task RegisterAsync() => RunAsync("register", Username);

    public Task SendAsync(string to, string text) => RunAsync("send", to, text);

    /// <summary>Receives what is waiting (<c>inbox --json</c>); every line it printed, each of which must be a message.</summary>
    public async Task<IReadOnlyList<CliMessage>> InboxAsync() => Messages(await RunAsync("inbox", "--json"));

    /// <summary>The stored conversation with <paramref name="user"/>, oldest first (<c>history --json</c>).</summary>
    public async Task<IReadOnlyList<CliMessage>> HistoryAsync(string user) => Messages(await RunAsync("history", user, "--json", "--limit", "1000"));

    /// <summary>Runs <c>parley</c> with <paramref name="args"/>; it must exit 0. Returns its standard output.</summary>
    private async Task<string> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Home,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(CliPath);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("PARLEY_PROFILE");
        start.Environment["XDG_DATA_HOME"] = Home;
        start.Environment["PARLEY_SERVER"] = server;
        start.Environment["PARLEY_PASSPHRASE"] = Passphrase;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(CommandTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"parley {string.Join(' ', args)} did not finish within {CommandTimeout}");
        }

        var output = await stdout;
        process.ExitCode.ShouldBe(0, $"parley {string.Join(' ', args)} as {Username}\nstdout: {output}\nstderr: {await stderr}");
        return output;
    }

    private static List<CliMessage> Messages(string jsonLines) =>
    [
        .. jsonLines.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line =>
        {
            var e = JsonDocument.Parse(line).RootElement;
            e.GetProperty("type").GetString().ShouldBe("message", line);
            string Get(string name) => e.GetProperty(name).GetString()!;
            return new CliMessage(Get("from"), Get("direction"), Get("kind"), Get("text"), Get("state"), Get("id"));
        }),
    ];

    public void Dispose() => Directory.Delete(Home, recursive: true);
}
