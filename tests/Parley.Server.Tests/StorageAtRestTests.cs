using System.Net;
using System.Text;
using Npgsql;
using Parley.Contracts;
using Parley.Server.Tests.Support;

namespace Parley.Server.Tests;

/// <summary>
/// What the server keeps on disk: sealed bytes and hashes only. A full secret's life is played, then
/// the raw storage is scanned for every key and token the client used.
/// </summary>
public sealed class StorageAtRestTests
{
    private static async Task<List<byte[]>> PlayAsync(ParleyTestServer server)
    {
        var api = server.Api();
        var created = await api.CreateUploadedAsync(new TestSecret(passphrase: "pw", streamBytes: TestSecret.StreamLength(3000), maxViews: 2));
        using var open = await api.OpenAsync(created);
        var ticket = (await open.ShouldBeJsonAsync(HttpStatusCode.OK, ParleyJsonContext.Default.OpenSecretResponse)).Stream!;
        (await api.OpenAsync(created.Id, TestSecret.RandomKey())).Dispose();
        var secrets = new List<string> { created.ManageToken, created.Secret.AccessKeyText, created.Secret.PassphraseProofText!, ticket.DownloadToken };
        var needles = new List<byte[]> { created.Secret.AccessKey, created.Secret.PassphraseProof! };
        foreach (var text in secrets)
        {
            needles.Add(Encoding.ASCII.GetBytes(text));
            needles.Add(Parley.Server.Infrastructure.Text.Base64Url.TryDecode(text, 64)!);
        }

        return needles;
    }

    private static void ShouldNotContainAny(byte[] haystack, IEnumerable<byte[]> needles, string where)
    {
        foreach (var needle in needles)
        {
            haystack.AsSpan().IndexOf(needle).ShouldBe(-1, $"{where} holds a key or token");
        }
    }

    [Fact]
    public async Task Sqlite_files_hold_no_key_or_token_the_client_used()
    {
        await using var server = await ParleyTestServer.StartAsync(new ParleyServerOptions { Provider = "sqlite" });
        var needles = await PlayAsync(server);
        var files = Directory.GetFiles(server.DataDirectory, "*", SearchOption.AllDirectories);
        files.ShouldContain(f => f.EndsWith("parley.db", StringComparison.Ordinal));
        foreach (var file in files)
        {
            byte[] bytes;
            await using (var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            {
                using var copy = new MemoryStream();
                await stream.CopyToAsync(copy);
                bytes = copy.ToArray();
            }

            ShouldNotContainAny(bytes, needles, file);
        }
    }

    [Fact]
    public async Task Postgres_tables_hold_no_key_or_token_the_client_used()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        await using var server = await ParleyTestServer.StartAsync(new ParleyServerOptions
        {
            Provider = "postgres",
            PostgresConnectionString = database.ConnectionString,
        });
        var needles = await PlayAsync(server);
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        var rows = 0;
        foreach (var table in new[] { "secrets", "secret_downloads", "secret_stream_chunks" })
        {
            await using var command = new NpgsqlCommand($"SELECT * FROM {table}", connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows++;
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    var value = reader.GetValue(i);
                    var bytes = value switch
                    {
                        byte[] b => b,
                        DBNull => [],
                        _ => Encoding.UTF8.GetBytes(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!),
                    };
                    ShouldNotContainAny(bytes, needles, $"{table}.{reader.GetName(i)}");
                }
            }
        }

        rows.ShouldBeGreaterThanOrEqualTo(3);
    }
}
