using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Parley.Testing;

namespace Parley.Cli.Tests.Deploy;

/// <summary>
/// What an operator installs: the self-contained server published as docs/deployment.md says, started
/// from its folder with no <c>dotnet</c> anywhere on its PATH, and the systemd unit in deploy/systemd.
/// </summary>
public sealed class PackageTests : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("parley-package-");

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public async Task The_self_contained_server_starts_from_its_folder_without_dotnet_and_the_systemd_unit_verifies()
    {
        var app = Path.Combine(_work.FullName, "app");
        var publish = await RunAsync("dotnet", RepoPaths.Root, null,
            "publish", "src/Parley.Server", "-c", "Release", "-r", "linux-x64", "--self-contained", "-o", app, "-v", "q", "-nologo");
        publish.Code.ShouldBe(0, publish.Output);
        var server = Path.Combine(app, "Parley.Server");
        File.Exists(server).ShouldBeTrue();

        // No dotnet: an empty PATH and none of the SDK's variables; the data directory is the only other path.
        var emptyPath = Directory.CreateDirectory(Path.Combine(_work.FullName, "bin")).FullName;
        var data = Directory.CreateDirectory(Path.Combine(_work.FullName, "data")).FullName;
        var port = FreePort();
        var start = new ProcessStartInfo(server)
        {
            WorkingDirectory = data,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment.Clear();
        start.Environment["PATH"] = emptyPath;
        start.Environment["HOME"] = data;
        foreach (var argument in new[] { "--contentRoot", app, "--urls", $"http://127.0.0.1:{port}", "--Parley:Storage:DataDirectory=" + data })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(5) };
            var healthy = false;
            for (var i = 0; i < 300 && !healthy && !process.HasExited; i++)
            {
                try
                {
                    healthy = (await http.GetAsync(new Uri("healthz", UriKind.Relative), TestContext.Current.CancellationToken)).StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(100, TestContext.Current.CancellationToken);
                }
            }

            healthy.ShouldBeTrue($"the published server did not become healthy:\n{output}");
            // The web page comes from the published folder (its content root), not from the source tree.
            var page = await http.GetStringAsync(new Uri("/", UriKind.Relative), TestContext.Current.CancellationToken);
            page.ShouldContain("<html", Case.Insensitive);
            File.Exists(Path.Combine(data, "parley.db")).ShouldBeTrue("the SQLite store is in the data directory it was given");
        }
        finally
        {
            process.Kill();
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        // The unit as shipped, pointed at this published server: systemd's own checker finds nothing to say.
        var unit = Path.Combine(_work.FullName, "parley.service");
        await File.WriteAllTextAsync(unit,
            (await File.ReadAllTextAsync(RepoPaths.Combine("deploy", "systemd", "parley.service"), TestContext.Current.CancellationToken))
                .Replace("/opt/parley/Parley.Server", server, StringComparison.Ordinal), TestContext.Current.CancellationToken);
        var verify = await RunAsync("systemd-analyze", _work.FullName, null, "verify", unit);
        verify.Code.ShouldBe(0, verify.Output);
        verify.Output.Trim().ShouldBeEmpty("every directive of the unit is understood");
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, string directory, IDictionary<string, string>? environment, params string[] arguments)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
