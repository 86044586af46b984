using System.Security.Cryptography;
using Parley.Testing;

namespace Parley.Cli.Tests;

/// <summary>
/// A 256 MiB file goes CLI → server → CLI with each process's peak memory (VmHWM) measured and bounded;
/// also as one secret for two recipients, whose one stored stream streams to both links.
/// </summary>
public sealed class LargeFileTests
{
    private const long FileBytes = 256L * 1024 * 1024;
    private const long MemoryLimit = 250L * 1000 * 1000;

    [Theory]
    [InlineData(null)]
    [InlineData(2)]
    public async Task A_256_MiB_file_round_trips_with_every_process_under_250_MB(int? recipients)
    {
        var ct = TestContext.Current.CancellationToken;
        var folder = CliTestSupport.TempFolder();
        try
        {
            var source = Path.Combine(folder, "big.bin");
            var expectedHash = await CliTestSupport.WriteRandomFileAsync(source, FileBytes, ct);

            await using var server = await ServerProcess.StartAsync(ServerFixture.Settings(), cancellationToken: ct);
            var url = server.BaseUrl.ToString().TrimEnd('/');
            string[] more = recipients is { } n ? ["--recipients", n.ToString(System.Globalization.CultureInfo.InvariantCulture)] : [];
            var create = await CliProcess.RunAsync(["secret", "create", "--server", url, "--json", "--file", source, .. more], timeout: TimeSpan.FromMinutes(5));
            create.ExitCode.ShouldBe(0, create.ToString());
            var root = System.Text.Json.JsonDocument.Parse(create.StdoutBytes).RootElement;
            List<string> shares = recipients is null
                ? [root.GetProperty("shareLink").GetString()!]
                : [.. root.GetProperty("recipients").EnumerateArray().Select(r => r.GetProperty("shareLink").GetString()!)];
            File.Delete(source);

            CliResult open = null!;
            foreach (var (share, i) in shares.Select((s, i) => (s, i)))
            {
                var outDir = Path.Combine(folder, $"out{i}");
                open = await CliProcess.RunAsync(["secret", "open", share, "--out", outDir], timeout: TimeSpan.FromMinutes(5));
                open.ExitCode.ShouldBe(0, open.ToString());
                open.PeakRssBytes.ShouldBeLessThan(MemoryLimit);
                var received = Path.Combine(outDir, "big.bin");
                new FileInfo(received).Length.ShouldBe(FileBytes);
                await using (var stream = File.OpenRead(received))
                {
                    Convert.ToHexString(await SHA256.HashDataAsync(stream, ct)).ShouldBe(expectedHash);
                }

                File.Delete(received);
            }

            var serverPeak = server.ReadPeakRssBytes();

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
