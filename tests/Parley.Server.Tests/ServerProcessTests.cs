using System.Net;
using Parley.Contracts;
using Parley.Server.Tests.Support;

namespace Parley.Server.Tests;

/// <summary>The built server as its own process: started, killed hard, started again on the same data.</summary>
public sealed class ServerProcessTests
{
    [Fact]
    public async Task A_secret_survives_a_hard_kill_of_the_sqlite_server()
    {
        await using var server = await ServerProcess.StartAsync(new Dictionary<string, string?> { ["Parley:Storage:Provider"] = "sqlite" });
        using var http = new HttpClient { BaseAddress = server.BaseUrl };
        var api = new SecretsHttp(http);
        var created = await api.CreateAsync(new TestSecret(maxViews: 2));
        (await api.OpenAsync(created)).Dispose();
        var firstPid = server.Pid;
        server.ReadPeakRssBytes().ShouldBeGreaterThan(10L * 1024 * 1024);

        await server.RestartAsync(); // SIGKILL, then the same port and data
        server.Pid.ShouldNotBe(firstPid);
        server.LastPeakRssBytes.ShouldBeGreaterThan(0);

        using var open = await api.OpenAsync(created);
        (await open.ShouldBeJsonAsync(HttpStatusCode.OK, ParleyJsonContext.Default.OpenSecretResponse)).ViewsLeft.ShouldBe(0);
        using var again = await api.OpenAsync(created);
        await again.ShouldBeProblemAsync(HttpStatusCode.Gone, ProblemTypes.AlreadyOpened);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Without_a_data_directory_the_store_goes_to_the_users_data_folder_not_the_working_directory(bool xdgDataHome)
    {
        // As under `dotnet run --project src/Parley.Server`: the working directory is a source tree.
        var root = Directory.CreateTempSubdirectory("parley-default-data-").FullName;
        try
        {
            var sourceTree = Directory.CreateDirectory(Path.Combine(root, "src", "Parley.Server")).FullName;
            var home = Directory.CreateDirectory(Path.Combine(root, "home")).FullName;
            var environment = new Dictionary<string, string> { ["HOME"] = home };
            var expected = Path.Combine(home, ".local", "share", "parley");
            if (xdgDataHome)
            {
                environment["XDG_DATA_HOME"] = Path.Combine(root, "xdg");
                expected = Path.Combine(root, "xdg", "parley");
            }

            var settings = new Dictionary<string, string?> { ["Parley:Storage:Provider"] = "sqlite", ["Parley:Storage:DataDirectory"] = null };
            await using (var server = await ServerProcess.StartAsync(settings, dataDirectory: sourceTree, environment: environment))
            {
                using var http = new HttpClient { BaseAddress = server.BaseUrl };
                (await new SecretsHttp(http).CreateAsync(new TestSecret())).Id.ShouldNotBeNull();
            }

            File.Exists(Path.Combine(expected, "parley.db")).ShouldBeTrue(expected);
            Directory.EnumerateFileSystemEntries(sourceTree).ShouldBeEmpty();
            Directory.Exists(Path.Combine(Path.GetDirectoryName(ServerProcess.ServerAssemblyPath)!, "data")).ShouldBeFalse();
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task The_memory_server_keeps_nothing_on_disk()
    {
        await using var server = await ServerProcess.StartAsync(new Dictionary<string, string?> { ["Parley:Storage:Provider"] = "memory" });
        using var http = new HttpClient { BaseAddress = server.BaseUrl };
        var api = new SecretsHttp(http);
        var created = await api.CreateUploadedAsync(new TestSecret(streamBytes: TestSecret.StreamLength(100_000)));
        Directory.EnumerateFileSystemEntries(server.DataDirectory).ShouldBeEmpty();

        await server.RestartAsync();
        using var gone = await api.OpenAsync(created);
        await gone.ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
    }
}
