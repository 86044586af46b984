using System.Net;
using Parley.Contracts;
using Parley.Server.Tests.Support;

namespace Parley.Server.Tests;

/// <summary>
/// The SQLite store on a small tmpfs that fills up while secrets are created and a file is uploaded:
/// every refusal is a clear <c>503 storage-full</c> (no hang, no 500, no stack trace in the log), nothing
/// half-written is ever served, and once space is freed the same requests succeed and everything
/// stored before is intact, byte for byte.
/// </summary>
public sealed class SecretsDiskFullTests
{
    private const int FileBytes = 3_000_000;

    [Fact]
    public async Task A_full_disk_refuses_creates_and_uploads_with_503_and_loses_nothing_stored_before()
    {
        using var disk = SmallFilesystem.Mount(24 * 1024 * 1024);
        await using var server = await ParleyTestServer.StartAsync(new ParleyServerOptions
        {
            Provider = "sqlite",
            Settings = { ["Parley:Storage:DataDirectory"] = Path.Combine(disk.Path, "data") },
        });
        using var http = server.CreateClient();
        http.Timeout = TimeSpan.FromSeconds(30); // a hang fails the test instead of stalling it
        var api = new SecretsHttp(http);

        // Before: secrets with text, and with files, stored while there was room.
        var earlier = new List<Created>();
        for (var i = 0; i < 10; i++)
        {
            earlier.Add(await api.CreateAsync(new TestSecret(manifestBlocks: 200)));
        }

        earlier.Add(await api.CreateUploadedAsync(new TestSecret(streamBytes: TestSecret.StreamLength(FileBytes))));
        var waitingForItsFile = await api.CreateAsync(new TestSecret(streamBytes: TestSecret.StreamLength(FileBytes)));

        disk.Fill();

        // Creation: whatever still fits in SQLite's free pages succeeds, then every create is a 503.
        var createdWhileFull = new List<Created>();
        var refused = 0;
        for (var attempt = 0; attempt < 5_000 && refused < 5; attempt++)
        {
            var secret = new TestSecret(manifestBlocks: 200);
            using var response = await api.PostJsonAsync("api/secrets", secret.ToRequest(), ParleyJsonContext.Default.CreateSecretRequest);
            if (response.StatusCode == HttpStatusCode.Created)
            {
                var body = await response.ShouldBeJsonAsync(HttpStatusCode.Created, ParleyJsonContext.Default.CreateSecretResponse);
                createdWhileFull.Add(new Created(secret, body.Id, body.ManageToken, body.ExpiresAt));
                continue;
            }

            await ShouldBeStorageFullAsync(response);
            refused++;
        }

        refused.ShouldBe(5, "creates kept succeeding on a full disk");

        // Upload: a megabyte of room, a part of three: refused, the part's bytes given back at once, and
        // the secret still waits for its file (nothing of the part is served).
        disk.Free();
        disk.Fill(leaveFree: 1024 * 1024);
        var streams = Path.Combine(disk.Path, "data", "streams");
        var storedBefore = StoredBytes(streams);
        using (var upload = await api.UploadAsync(waitingForItsFile, waitingForItsFile.Secret.Stream!))
        {
            await ShouldBeStorageFullAsync(upload);
        }

        StoredBytes(streams).ShouldBe(storedBefore, "the refused part left bytes behind");

        using (var notReady = await api.OpenAsync(waitingForItsFile))
        {
            await notReady.ShouldBeProblemAsync(HttpStatusCode.Conflict, ProblemTypes.NotReady);
        }

        // Space is freed: the same requests work, without a restart.
        disk.Free();
        using (var upload = await api.UploadAsync(waitingForItsFile, waitingForItsFile.Secret.Stream!))
        {
            upload.StatusCode.ShouldBe(HttpStatusCode.OK, await upload.Content.ReadAsStringAsync());
        }

        var after = await api.CreateAsync(new TestSecret(manifestBlocks: 200));
        foreach (var created in earlier.Concat(createdWhileFull).Append(waitingForItsFile).Append(after))
        {
            await ShouldOpenIntactAsync(api, created);
        }

        // The full disk is the operator's problem, not a bug: one Error line naming it, and no stack trace.
        var errors = server.Logs.Lines.Where(l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal)).ToList();
        errors.ShouldNotBeEmpty();
        errors.ShouldAllBe(l => l.Contains("[9101]") && l.Contains("out of space"));
        server.Logs.Text.ShouldNotContain("   at ");
    }

    private static long StoredBytes(string folder) => Directory.EnumerateFiles(folder).Sum(f => new FileInfo(f).Length);

    private static async Task ShouldBeStorageFullAsync(HttpResponseMessage response)
    {
        await response.ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable, ProblemTypes.StorageFull);
        response.Headers.RetryAfter.ShouldNotBeNull();
    }

    private static async Task ShouldOpenIntactAsync(SecretsHttp api, Created created)
    {
        using var open = await api.OpenAsync(created);
        var opened = await open.ShouldBeJsonAsync(HttpStatusCode.OK, ParleyJsonContext.Default.OpenSecretResponse);
        opened.Manifest.ShouldBe(TestSecret.B64(created.Secret.Manifest));
        if (created.Secret.Stream is { } stream)
        {
            using var download = await api.DownloadAsync(created.Id, opened.Stream!.DownloadToken);
            download.StatusCode.ShouldBe(HttpStatusCode.OK);
            (await download.Content.ReadAsByteArrayAsync()).ShouldBe(stream);
        }
    }
}
