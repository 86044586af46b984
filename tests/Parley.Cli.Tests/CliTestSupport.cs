using System.Security.Cryptography;
using System.Text.Json;

namespace Parley.Cli.Tests;

internal static class CliTestSupport
{
    public static string TempFolder()
    {
        var dir = Directory.CreateTempSubdirectory("parley-cli-test-").FullName;
        return dir;
    }

    public static string WriteFile(string folder, string name, byte[] content)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    public static byte[] RandomBytes(int n) => RandomNumberGenerator.GetBytes(n);

    /// <summary>Writes <paramref name="length"/> random bytes to <paramref name="path"/> a MiB at a time; returns their SHA-256 (hex).</summary>
    public static async Task<string> WriteRandomFileAsync(string path, long length, CancellationToken cancellationToken = default)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1024 * 1024];
        await using var output = File.Create(path);
        for (long written = 0; written < length; written += buffer.Length)
        {
            var n = (int)Math.Min(buffer.Length, length - written);
            RandomNumberGenerator.Fill(buffer.AsSpan(0, n));
            hash.AppendData(buffer, 0, n);
            await output.WriteAsync(buffer.AsMemory(0, n), cancellationToken);
        }

        return Convert.ToHexString(hash.GetHashAndReset());
    }

    /// <summary>SHA-256 (hex) of a file, read as a stream.</summary>
    public static string HashOf(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream));
    }

    /// <summary>Runs <c>secret create --json</c> and returns the two links; fails the test on a non-zero exit.</summary>
    public static async Task<(string Share, string Manage)> CreateAsync(string server, params string[] args)
    {
        var result = await CliProcess.RunAsync(["secret", "create", "--server", server, "--json", .. args]);
        result.ExitCode.ShouldBe(0, result.ToString());
        using var json = JsonDocument.Parse(result.StdoutBytes);
        return (json.RootElement.GetProperty("shareLink").GetString()!, json.RootElement.GetProperty("manageLink").GetString()!);
    }

    public static void ShouldBeOneLineError(this CliResult result, int exitCode)
    {
        result.ExitCode.ShouldBe(exitCode, result.ToString());
        result.Stdout.ShouldBeEmpty(result.ToString());
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Length.ShouldBe(1, result.ToString());
        lines[0].ShouldStartWith("parley: ");
    }

    /// <summary>An address where nothing listens: a command that tried to send would exit with the network code.</summary>
    public static string DeadServer()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}";
    }
}
