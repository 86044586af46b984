using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Npgsql;
using Parley.Client.Secrets;
using Parley.Testing;

namespace Parley.Cli.Tests;

/// <summary>
/// After real CLI runs, the server's storage holds no plaintext marker and no key material: not K,
/// AK, MK, FK, S, PP, nor the passphrase, in raw, hex or base64url form.
/// </summary>
public sealed class StorageScanTests
{
    private const string Passphrase = "scan-passphrase-Qx7";

    [Fact]
    public async Task The_SQLite_store_holds_no_plaintext_or_key_material()
    {
        await using var server = await ServerProcess.StartAsync(ServerFixture.Settings(), cancellationToken: TestContext.Current.CancellationToken);
        var needles = await ExerciseAsync(server.BaseUrl.ToString().TrimEnd('/'));
        await server.KillAsync(); // flush nothing more: the files as a crash would leave them

        var files = Directory.EnumerateFiles(server.DataDirectory, "*", SearchOption.AllDirectories).ToList();
        files.ShouldContain(f => f.EndsWith(".db", StringComparison.Ordinal));
        // Database, WAL and stream files together (recent rows may still sit in the WAL).
        var all = new MemoryStream();
        foreach (var file in files)
        {
            all.Write(await File.ReadAllBytesAsync(file, TestContext.Current.CancellationToken));
            all.WriteByte(0);
        }

        AssertAbsent(all.ToArray(), needles, "SQLite data directory: " + string.Join(", ", files.Select(Path.GetFileName)));
    }

    [Fact]
    public async Task The_PostgreSQL_store_holds_no_plaintext_or_key_material()
    {
        var connection = TestEnvironment.RequirePostgres();
        var database = "parley_scan_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        await using (var admin = new NpgsqlConnection(connection))
        {
            await admin.OpenAsync(TestContext.Current.CancellationToken);
            await using var create = new NpgsqlCommand($"CREATE DATABASE {database}", admin);
            await create.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        var own = new NpgsqlConnectionStringBuilder(connection) { Database = database }.ConnectionString;
        var settings = ServerFixture.Settings("Postgres");
        settings["Parley:Storage:PostgresConnectionString"] = own;
        await using (var server = await ServerProcess.StartAsync(settings, cancellationToken: TestContext.Current.CancellationToken))
        {
            var needles = await ExerciseAsync(server.BaseUrl.ToString().TrimEnd('/'));
            await server.KillAsync();

            await using var db = new NpgsqlConnection(own);
            await db.OpenAsync(TestContext.Current.CancellationToken);
            var tables = new List<string>();
            await using (var list = new NpgsqlCommand("SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_type = 'BASE TABLE'", db))
            await using (var reader = await list.ExecuteReaderAsync(TestContext.Current.CancellationToken))
            {
                while (await reader.ReadAsync(TestContext.Current.CancellationToken))
                {
                    tables.Add(reader.GetString(0));
                }
            }

            tables.ShouldNotBeEmpty();
            var dump = new StringBuilder();
            foreach (var table in tables)
            {
                // Row text shows bytea as \x-hex and large objects are not used; read every column of every row.
                await using var select = new NpgsqlCommand($"SELECT t::text FROM {table} t", db);
                await using var reader = await select.ExecuteReaderAsync(TestContext.Current.CancellationToken);
                while (await reader.ReadAsync(TestContext.Current.CancellationToken))
                {
                    dump.AppendLine(reader.GetString(0));
                }
            }

            dump.Length.ShouldBeGreaterThan(100);
            AssertAbsent(Encoding.UTF8.GetBytes(dump.ToString()), needles, "PostgreSQL tables " + string.Join(", ", tables));
        }

        await using (var admin = new NpgsqlConnection(connection))
        {
            await admin.OpenAsync(TestContext.Current.CancellationToken);
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {database} WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Creates and opens secrets through the CLI; returns every byte string that must not be stored.</summary>
    private static async Task<List<(string What, byte[] Bytes)>> ExerciseAsync(string url)
    {
        var marker = "PLAINTEXT-MARKER-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8));
        var folder = CliTestSupport.TempFolder();
        var needles = new List<(string, byte[])> { ("text marker", Encoding.UTF8.GetBytes(marker)), ("passphrase", Encoding.UTF8.GetBytes(Passphrase)) };
        try
        {
            var file = CliTestSupport.WriteFile(folder, "marker-file-name.txt", Encoding.UTF8.GetBytes(marker + " inside a file " + new string('z', 70_000)));
            var env = new Dictionary<string, string?> { ["PARLEY_PASSPHRASE"] = Passphrase };
            var links = new List<string>();
            foreach (var args in new[]
            {
                new[] { "--text", marker + " text only" },
                ["--text", marker + " with passphrase", "--passphrase"],
                ["--text", marker + " with a file", "--file", file, "--passphrase"],
            })
            {
                var create = await CliProcess.RunAsync(["secret", "create", "--server", url, "--json", "--views", "2", .. args], null, env);
                create.ExitCode.ShouldBe(0, create.ToString());
                links.Add(JsonDocument.Parse(create.StdoutBytes).RootElement.GetProperty("shareLink").GetString()!);
            }

            // Open all but the first, so the store has seen access keys and passphrase proofs.
            foreach (var link in links.Skip(1))
            {
                var open = await CliProcess.RunAsync(["secret", "open", link, "--out", Path.Combine(folder, "out")], null, env);
                open.ExitCode.ShouldBe(0, open.ToString());
                open.Stdout.ShouldContain(marker);
            }

            needles.Add(("file name", "marker-file-name"u8.ToArray()));

            // The passphrase-derived keys need the salt: look (which changes nothing) announces it while a view is left.
            using var api = new Parley.Client.Secrets.Api.SecretsApi(url);
            var client = new SecretsClient(api);
            foreach (var link in links)
            {
                using var share = SecretLinks.ParseShare(link);
                needles.Add(("K", share.Key.ToArray()));
                var look = await client.LookAsync(share);
                var kdf = SecretsClient.KdfOf(look);
                using var keys = SecretKeys.Derive(share.Key, kdf is null ? null : Passphrase, kdf);
                needles.Add(("AK", keys.AccessKey.ToArray()));
                needles.Add(("MK", keys.ManifestKey.ToArray()));
                needles.Add(("FK", keys.FileKey.ToArray()));
                if (kdf is not null)
                {
                    needles.Add(("PP", keys.PassphraseProof.ToArray()));
                    var s = new byte[32];
                    Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(Passphrase), kdf.Salt.Span, s, kdf.Iterations, HashAlgorithmName.SHA256);
                    needles.Add(("S", s));
                }
            }

            needles.Count(n => n.Item1 == "PP").ShouldBe(2);
            return [.. needles.SelectMany(n => Forms(n.Item1, n.Item2))];
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;

    private static IEnumerable<(string, byte[])> Forms(string what, byte[] bytes)
    {
        yield return (what, bytes);
        if (what is "text marker" or "passphrase" or "file name")
        {
            yield return (what + " (UTF-16)", Encoding.Unicode.GetBytes(Encoding.UTF8.GetString(bytes)));
            yield break;
        }

        yield return (what + " (hex)", Encoding.ASCII.GetBytes(Convert.ToHexStringLower(bytes)));
        yield return (what + " (HEX)", Encoding.ASCII.GetBytes(Convert.ToHexString(bytes)));
        yield return (what + " (b64u)", Encoding.ASCII.GetBytes(Base64UrlStrict.Encode(bytes)));
        yield return (what + " (base64)", Encoding.ASCII.GetBytes(Convert.ToBase64String(bytes).TrimEnd('=')));
    }

    private static void AssertAbsent(byte[] haystack, List<(string What, byte[] Bytes)> needles, string where)
    {
        // Control: the access verifiers SHA-256(AK) are stored, so a scan that reads the real data finds them.
        var verifiers = needles.Where(n => n.What == "AK").Select(n => SHA256.HashData(n.Bytes)).ToList();
        
        {
            verifiers.Any(v => Contains(haystack, v) || Contains(haystack, Encoding.ASCII.GetBytes(Convert.ToHexStringLower(v)))
                    || Contains(haystack, Encoding.ASCII.GetBytes(Base64UrlStrict.Encode(v))))
                .ShouldBeTrue($"the scan of {where} does not see the stored access verifiers");
        }

        foreach (var (what, needle) in needles)
        {
            haystack.AsSpan().IndexOf(needle).ShouldBe(-1, $"{what} found in {where}");
        }
    }
}
