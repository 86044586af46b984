using System.Diagnostics;

namespace Parley.Cli.Tests.Messaging;

/// <summary>A <c>parley</c> process that keeps running (<c>inbox --follow</c>); its stdout collected line by line.</summary>
internal sealed class FollowingProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly Task _reading;

    private FollowingProcess(Process process)
    {
        _process = process;
        _reading = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line)
            {
                lock (_lines)
                {
                    _lines.Add(line);
                }
            }
        });
        _ = process.StandardError.ReadToEndAsync();
    }

    public static FollowingProcess Start(CliUser user, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(CliProcess.DllPath);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (key, value) in user.Environment())
        {
            start.Environment[key] = value;
        }

        return new FollowingProcess(Process.Start(start)!);
    }

    /// <summary>Waits until the lines printed so far satisfy <paramref name="done"/>; fails with them otherwise.</summary>
    public async Task<List<string>> WaitForLinesAsync(Func<List<string>, bool> done)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            List<string> lines;
            lock (_lines)
            {
                lines = [.. _lines];
            }

            if (done(lines))
            {
                return lines;
            }

            if (deadline.Elapsed > TimeSpan.FromSeconds(30) || _process.HasExited)
            {
                throw new TimeoutException("parley inbox --follow printed only:\n" + string.Join('\n', lines));
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Ends it and waits until it exited (the profile is free again).</summary>
    public void Stop()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.WaitForExit();
        _reading.Wait();
    }

    public void Dispose()
    {
        Stop();
        _process.Dispose();
    }
}
