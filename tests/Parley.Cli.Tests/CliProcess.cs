using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using Parley.Testing;

namespace Parley.Cli.Tests;

internal sealed record CliResult(int ExitCode, byte[] StdoutBytes, string Stderr, long PeakRssBytes)
{
    public string Stdout => Encoding.UTF8.GetString(StdoutBytes);

    public string[] StdoutLines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
}

/// <summary>Runs the built <c>parley</c> as a separate process (<c>dotnet parley.dll …</c>), measuring its peak memory.</summary>
internal static class CliProcess
{
    public static string DllPath
    {
        get
        {
            var configuration = typeof(CliProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
            var path = RepoPaths.Combine("src", "Parley.Cli", "bin", configuration, "net10.0", "parley.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException("Build Parley.Cli first.", path);
        }
    }

    public static async Task<CliResult> RunAsync(IEnumerable<string> args, byte[]? stdin = null, IDictionary<string, string?>? environment = null,
        string? workingDirectory = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(DllPath);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("PARLEY_SERVER");
        start.Environment.Remove("PARLEY_PASSPHRASE");
        start.Environment.Remove("PARLEY_PROXY");
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var peak = 0L;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, PeakRss(process.Id));
                await Task.Delay(20).ConfigureAwait(false);
            }
        });
        var stdout = new MemoryStream();
        var readOut = process.StandardOutput.BaseStream.CopyToAsync(stdout);
        var readErr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.BaseStream.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("parley did not finish: " + string.Join(' ', args));
        }

        await readOut;
        var stderr = await readErr;
        await sampling.CancelAsync();
        await sampler;
        return new CliResult(process.ExitCode, stdout.ToArray(), stderr, peak);
    }

    public static Task<CliResult> RunAsync(params string[] args) => RunAsync(args, null);

    /// <summary>
    /// Runs <c>parley</c> on a real pseudo-terminal (util-linux <c>script</c>), so it sees a terminal on
    /// every stream, typing each answer once its prompt has appeared (in order); returns everything the
    /// terminal showed. Skips the test when <c>script</c> is not installed.
    /// </summary>
    public static async Task<(int ExitCode, string Output)> RunOnTerminalAsync(string[] args, IReadOnlyList<(string Prompt, string Answer)> answers,
        IDictionary<string, string?>? environment = null, TimeSpan? timeout = null)
    {
        if (!File.Exists("/usr/bin/script"))
        {
            Assert.Skip("util-linux 'script' is not installed");
        }

        var command = "dotnet " + string.Join(' ', new[] { DllPath }.Concat(args).Select(Quote));
        var start = new ProcessStartInfo("script", ["-q", "-f", "-e", "-c", command, "/dev/null"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment.Remove("PARLEY_PASSPHRASE");
        start.Environment.Remove("PARLEY_SERVER");
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        var reader = Task.Run(async () =>
        {
            var buffer = new char[1024];
            int n;
            while ((n = await process.StandardOutput.ReadAsync(buffer)) > 0)
            {
                lock (output)
                {
                    output.Append(buffer, 0, n);
                }
            }
        });
        _ = process.StandardError.ReadToEndAsync();

        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        for (var answered = 0; answered < answers.Count; answered++)
        {
            var prompt = answers[answered].Prompt;
            var expected = answers.Take(answered + 1).Count(a => a.Prompt == prompt);
            while (true)
            {
                string text;
                lock (output)
                {
                    text = output.ToString();
                }

                if (CountOf(text, prompt) >= expected || process.HasExited)
                {
                    break;
                }

                await Task.Delay(50, cts.Token);
            }

            // The prompt is written just before the CLI's no-echo read starts; what a person types in
            // that instant is echoed by the terminal itself (type-ahead). On a loaded machine the gap can
            // be long, so give the read time to start, as a person reading the prompt would.
            await Task.Delay(500, cts.Token);
            await process.StandardInput.WriteAsync(answers[answered].Answer + "\r");
            await process.StandardInput.FlushAsync();
        }

        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("parley did not finish on the terminal: " + string.Join(' ', args));
        }

        await reader;
        process.StandardInput.Close();
        lock (output)
        {
            return (process.ExitCode, output.ToString());
        }
    }

    private static int CountOf(string text, string prompt)
    {
        // "Repeat passphrase:" also contains "passphrase:"; prompts are matched case-sensitively at their start.
        var count = 0;
        for (var i = text.IndexOf(prompt, StringComparison.Ordinal); i >= 0; i = text.IndexOf(prompt, i + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>VmHWM of a running process, 0 once it is gone.</summary>
    public static long PeakRss(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    return long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return 0;
    }
}
