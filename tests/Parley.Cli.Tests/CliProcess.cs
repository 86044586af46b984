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
