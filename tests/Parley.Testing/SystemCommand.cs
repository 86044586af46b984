using System.Diagnostics;

namespace Parley.Testing;

/// <summary>
/// Runs the system commands some tests need as another user: as root (mount) or as the postgres system
/// user (PostgreSQL refuses to run as root). Directly when the tests already run as that user or as
/// root (./test.sh runs as root), else through password-less sudo; a failure names the command and why.
/// </summary>
public static class SystemCommand
{
    private static bool IsRoot => Environment.UserName == "root";

    /// <summary>Runs <paramref name="command"/> as root.</summary>
    public static string RunAsRoot(string command, params string[] arguments) =>
        IsRoot ? Run(command, arguments) : Run("sudo", ["-n", command, .. arguments]);

    /// <summary>Runs <paramref name="shellCommand"/> with /bin/sh as the postgres system user.</summary>
    public static string RunAsPostgres(string shellCommand) =>
        IsRoot ? Run("su", ["postgres", "-s", "/bin/sh", "-c", shellCommand]) : Run("sudo", ["-n", "-u", "postgres", "/bin/sh", "-c", shellCommand]);

    private static string Run(string command, string[] arguments)
    {
        var start = new ProcessStartInfo(command)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{command} {string.Join(' ', arguments)} failed ({process.ExitCode}): {error.Trim()}. "
                + "This test needs root (as ./test.sh runs) or password-less sudo.");
        }

        return output.Result;
    }
}
