using System.Diagnostics;
using System.Reflection;
using Parley.Testing;

namespace Parley.Cli.Tests;

/// <summary>The README's first way to install the CLI works: a dotnet tool that a script finds on its PATH.</summary>
public sealed class ToolInstallTests
{
    private const string Pack = "dotnet pack src/Parley.Cli -c Release -o artifacts/packages";
    private const string Install = "dotnet tool install --global --add-source artifacts/packages Parley.Cli";

    [Fact]
    public async Task The_readme_installs_parley_as_a_dotnet_tool_that_a_script_can_run()
    {
        var readme = File.ReadAllText(RepoPaths.Combine("README.md"));
        readme.ShouldContain(Pack);
        readme.ShouldContain(Install);
        readme.IndexOf(Install, StringComparison.Ordinal).ShouldBeLessThan(readme.IndexOf("alias parley=", StringComparison.Ordinal));

        var root = Directory.CreateTempSubdirectory("parley-tool-").FullName;
        try
        {
            // The README's commands, with a private home (the tool folder) and packages folder; --no-build
            // packs the build under test instead of rebuilding it while other tests run it.
            var configuration = typeof(ToolInstallTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
            var packages = Path.Combine(root, "packages");
            var home = Directory.CreateDirectory(Path.Combine(root, "home")).FullName;
            (await RunAsync("dotnet", RepoPaths.Root, home, "pack", "src/Parley.Cli", "-c", configuration, "--no-build", "-o", packages))
                .ShouldBe(0);
            (await RunAsync("dotnet", root, home, "tool", "install", "--global", "--add-source", packages, "Parley.Cli")).ShouldBe(0);

            var script = Path.Combine(root, "uses-parley.sh");
            await File.WriteAllTextAsync(script, "#!/bin/sh\nset -e\nparley --version\nparley secret create --help >/dev/null\n", TestContext.Current.CancellationToken);
            (await RunAsync("sh", root, home, script)).ShouldBe(0);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task<int> RunAsync(string program, string directory, string home, params string[] args)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = directory, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["HOME"] = home;
        start.Environment["DOTNET_CLI_HOME"] = home;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["PATH"] = Environment.GetEnvironmentVariable("PATH") + ":" + Path.Combine(home, ".dotnet", "tools");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            TestContext.Current.SendDiagnosticMessage($"{program} {string.Join(' ', args)}: {await output}\n{await errors}");
        }

        return process.ExitCode;
    }
}
