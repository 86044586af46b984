using System.Security.Cryptography;
using Parley.Testing;

namespace Parley.Cli.Tests;

/// <summary>A 256 MiB file goes CLI → server → CLI with each process's peak memory (VmHWM) measured and bounded.</summary>
public sealed class LargeFileTests
{
    private const long FileBytes = 256L * 1024 * 1024;
    private const long MemoryLimit = 250L * 1000 * 1000;

    [Fact]
    public async Task A_256_MiB_file_round_trips_with_every_process_under_250_MB()
    {
        var ct = TestContext.Current.CancellationToken;
        var folder = CliTestSupport.TempFolder();
        try
        {
            var source = Path.Combine(folder, "big.bin");
            var expectedHash = await CliTestSupport.WriteRandomFileAsync(source, FileBytes, ct);

            await using var server = await ServerProcess.StartAsync(ServerFixture.Settings(), cancellationToken: ct);
            var url = server.BaseUrl.ToString().TrimEnd('/');
            var create = await CliProcess.RunAsync(["secret", "create", "--server", url, "--json", "--file", source], timeout: TimeSpan.FromMinutes(5));
            create.ExitCode.ShouldBe(0, create.ToString());
            var share = System.Text.Json.JsonDocument.Parse(create.StdoutBytes).RootElement.GetProperty("shareLink").GetString()!;
            File.Delete(source);

            var outDir = Path.Combine(folder, "out");
            var open = await CliProcess.RunAsync(["secret", "open", share, "--out", outDir], timeout: TimeSpan.FromMinutes(5));
            open.ExitCode.ShouldBe(0, open.ToString());
            var serverPeak = server.ReadPeakRssBytes();

            var received = Path.Combine(outDir, "big.bin");
            new FileInfo(received).Length.ShouldBe(FileBytes);
            await using (var stream = File.OpenRead(received))
            {
                Convert.ToHexString(await SHA256.HashDataAsync(stream, ct)).ShouldBe(expectedHash);
            }

            TestContext.Current.TestOutputHelper?.WriteLine(
                $"peak RSS: create CLI {create.PeakRssBytes / 1e6:0.0} MB, open CLI {open.PeakRssBytes / 1e6:0.0} MB, server {serverPeak / 1e6:0.0} MB");
            create.PeakRssBytes.ShouldBeGreaterThan(0);
            create.PeakRssBytes.ShouldBeLessThan(MemoryLimit);
            open.PeakRssBytes.ShouldBeLessThan(MemoryLimit);
            serverPeak.ShouldBeLessThan(MemoryLimit);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
