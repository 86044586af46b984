using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Parley.Contracts;
using Parley.Contracts.Secrets;
using Parley.Server.Features.Secrets;
using Parley.Server.Tests.Support;

namespace Parley.Server.Tests;

/// <summary>
/// One secret, several recipients (docs/api.md, docs/secret-format.md §7), over real HTTP on every
/// storage provider: each link is a secret of its own that shares the sealed content and stream.
/// </summary>
public abstract class RecipientsApiContract(ProviderServer provider)
{
    private async Task<(ParleyTestServer Server, SecretsHttp Api)> ServerAsync()
    {
        var server = await provider.GetAsync();
        return (server, server.Api());
    }

    [Fact]
    public async Task Three_links_each_open_once_and_the_creator_sees_each_recipient()
    {
        var (server, api) = await ServerAsync();
        var bundle = await api.CreateBundleAsync(new TestBundle(["alice", "bob", "carol"]));
        bundle.Links.Select(l => l.Id).Distinct().Count().ShouldBe(3);
        bundle.Id.ShouldBe(bundle.Links[0].Id);

        server.Time!.Advance(TimeSpan.FromMinutes(2));
        foreach (var (link, i) in bundle.Links.Select((l, i) => (l, i)).Where(x => x.i != 1))
        {
            using var open = await api.OpenAsync(link.Id, link.AccessKey);
            var body = await open.ShouldBeJsonAsync(HttpStatusCode.OK, ParleyJsonContext.Default.OpenSecretResponse);
            body.Manifest.ShouldBe(TestSecret.B64(bundle.Request.Manifest)); // sealed once, the same for everyone
            body.WrappedKey.ShouldBe(TestSecret.B64(bundle.Request.Recipients[i].WrappedKey)); // each link its own
            body.ViewsLeft.ShouldBe(0);

            using var again = await api.OpenAsync(link.Id, link.AccessKey);
            await again.ShouldBeProblemAsync(HttpStatusCode.Gone, ProblemTypes.AlreadyOpened);
            using var look = await api.LookAsync(link.Id, link.AccessKey);
            await look.ShouldBeProblemAsync(HttpStatusCode.Gone, ProblemTypes.AlreadyOpened); // the tombstone, per link
        }

        var status = await api.StatusOfAsync(bundle);
        var recipients = status.Recipients.ShouldNotBeNull();
        recipients.Select(r => r.Label).ShouldBe(["alice", "bob", "carol"]);
        recipients.Select(r => r.Id).ShouldBe(bundle.Links.Select(l => l.Id));
        recipients.Select(r => r.State).ShouldBe([SecretStates.Opened, SecretStates.Unread, SecretStates.Opened]);
        recipients[0].OpenedAt.ShouldBe([bundle.CreatedAt + TimeSpan.FromMinutes(2)]);
        recipients[1].OpenedAt.ShouldBeEmpty();

        // The creator's manage token works on any link of the bundle, and shows the whole bundle.
        using var byBob = await api.StatusAsync(bundle.Links[1].Id, bundle.ManageToken);
        (await byBob.ShouldBeJsonAsync(HttpStatusCode.OK, ParleyJsonContext.Default.SecretStatusResponse)).Recipients!.Count.ShouldBe(3);

        using var bobOpens = await api.OpenAsync(bundle.Links[1].Id, bundle.Links[1].AccessKey);
        bobOpens.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await api.StatusOfAsync(bundle)).Recipients!.ShouldAllBe(r => r.State == SecretStates.Opened);
    }

    [Fact]
    public async Task One_link_opens_no_other_and_wrong_keys_count_per_link()
    {
        var (_, api) = await ServerAsync();
        var bundle = await api.CreateBundleAsync(new TestBundle([null, null, null]));

        // Alice's key on Bob's link is a wrong access key for Bob's link: refused, counted there, never burns.
        using (var crossed = await api.OpenAsync(bundle.Links[1].Id, bundle.Links[0].AccessKey))
        {
            await crossed.ShouldBeProblemAsync(HttpStatusCode.Forbidden, ProblemTypes.AccessDenied);
        }

        var recipients = (await api.StatusOfAsync(bundle)).Recipients!;
        recipients.Select(r => r.FailedAttempts).ShouldBe([0, 1, 0]);
        recipients.Select(r => r.Label).ShouldAllBe(l => l == null);
        recipients.ShouldAllBe(r => r.State == SecretStates.Unread);
    }

    [Fact]
    public async Task Destroying_one_link_leaves_the_others_openable_and_destroying_all_ends_every_link()
    {
        var (_, api) = await ServerAsync();
        var bundle = await api.CreateBundleAsync(new TestBundle(["alice", "bob", "carol"]));

        using (var destroy = await api.DestroyAsync(bundle.Links[1].Id, bundle.ManageToken))
        {
            destroy.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        }

        using (var bob = await api.OpenAsync(bundle.Links[1].Id, bundle.Links[1].AccessKey))
        {
            await bob.ShouldBeProblemAsync(HttpStatusCode.Gone, ProblemTypes.Destroyed);
        }

        using (var alice = await api.OpenAsync(bundle.Links[0].Id, bundle.Links[0].AccessKey))
        {
            alice.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        (await api.StatusOfAsync(bundle)).Recipients!.Select(r => r.State)
            .ShouldBe([SecretStates.Opened, SecretStates.Destroyed, SecretStates.Unread]);

        using (var all = await api.DestroyAllAsync(bundle.Id, bundle.ManageToken))
        {
            all.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        }

        using (var carol = await api.OpenAsync(bundle.Links[2].Id, bundle.Links[2].AccessKey))
        {
            await carol.ShouldBeProblemAsync(HttpStatusCode.Gone, ProblemTypes.Destroyed);
        }

        (await api.StatusOfAsync(bundle)).Recipients!.Select(r => r.State)
            .ShouldBe([SecretStates.Opened, SecretStates.Destroyed, SecretStates.Destroyed]);

        using var wrongToken = await api.DestroyAllAsync(bundle.Id, TestSecret.RandomKey() + "A");
        await wrongToken.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized);
    }

    [Fact]
    public async Task The_stream_is_uploaded_once_shared_by_every_link_and_dropped_after_the_last()
    {
        var (server, api) = await ServerAsync();
        var bundle = await api.CreateBundleAsync(new TestBundle(["alice", "bob", "carol"], streamBytes: TestSecret.StreamLength(200_000)));
        using (var upload = await api.UploadAsync(bundle.Id, bundle.ManageToken, bundle.Request.Stream!))
        {
            upload.StatusCode.ShouldBe(HttpStatusCode.OK, await upload.Content.ReadAsStringAsync());
        }

        foreach (var link in bundle.Links)
        {
            (await server.RecordAsync(link.Id)).PhaseAt(server.Time!.GetUtcNow()).ShouldBe(SecretPhase.Available);
        }

        // Bob's link is destroyed: the others keep the stream.
        (await api.DestroyAsync(bundle.Links[1].Id, bundle.ManageToken)).Dispose();
        var tickets = new List<StreamTicket>();
        foreach (var link in new[] { bundle.Links[0], bundle.Links[2] })
        {
            using var open = await api.OpenAsync(link.Id, link.AccessKey);
            var ticket = (await open.ShouldBeJsonAsync(HttpStatusCode.OK, ParleyJsonContext.Default.OpenSecretResponse)).Stream!;
            using var download = await api.DownloadAsync(link.Id, ticket.DownloadToken);
            download.StatusCode.ShouldBe(HttpStatusCode.OK);
            (await download.Content.ReadAsByteArrayAsync()).ShouldBe(bundle.Request.Stream);
            tickets.Add(ticket);
        }

        // Alice is done: her link lets go, Carol still downloads.
        (await api.EndDownloadAsync(bundle.Links[0].Id, tickets[0].DownloadToken)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await server.RecordAsync(bundle.Links[0].Id)).StreamStored.ShouldBeFalse();
        using (var carolAgain = await api.DownloadAsync(bundle.Links[2].Id, tickets[1].DownloadToken, "bytes=100-199"))
        {
            carolAgain.StatusCode.ShouldBe(HttpStatusCode.PartialContent);
            (await carolAgain.Content.ReadAsByteArrayAsync()).ShouldBe(bundle.Request.Stream![100..200]);
        }

        StreamStored(server, bundle.Id).ShouldBeTrue();
        (await api.EndDownloadAsync(bundle.Links[2].Id, tickets[1].DownloadToken)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        foreach (var link in bundle.Links)
        {
            (await server.RecordAsync(link.Id)).StreamStored.ShouldBeFalse();
        }

        await server.Sweeper().SweepOnceAsync();
        StreamStored(server, bundle.Id).ShouldBeFalse(); // nothing left on disk (SQLite) or in chunk rows (PostgreSQL)
        (await StoredChunkRowsAsync(server, bundle.Id)).ShouldBe(0);
    }

    [Fact]
    public async Task A_larger_stream_uploaded_in_parts_streams_to_every_link_in_ranges()
    {
        var (_, api) = await ServerAsync();
        var length = TestSecret.StreamLength(3 * 1024 * 1024);
        var bundle = await api.CreateBundleAsync(new TestBundle(["alice", "bob"], streamBytes: length));
        var stream = bundle.Request.Stream!;
        const int part = 1024 * 1024;
        for (var offset = 0; offset < stream.Length; offset += part)
        {
            var end = Math.Min(stream.Length, offset + part) - 1;
            // Any link's id takes the creator's parts: they all land in the bundle's one stream.
            var via = bundle.Links[(offset / part) % 2].Id;
            using var response = await api.UploadAsync(via, bundle.ManageToken, stream[offset..(end + 1)], $"bytes {offset}-{end}/{stream.Length}");
            response.IsSuccessStatusCode.ShouldBeTrue(await response.Content.ReadAsStringAsync());
        }

        foreach (var link in bundle.Links)
        {
            using var open = await api.OpenAsync(link.Id, link.AccessKey);
            var ticket = (await open.ShouldBeJsonAsync(HttpStatusCode.OK, ParleyJsonContext.Default.OpenSecretResponse)).Stream!;
            ticket.Bytes.ShouldBe(length);
            using var tail = await api.DownloadAsync(link.Id, ticket.DownloadToken, $"bytes={length - 300_000}-");
            tail.StatusCode.ShouldBe(HttpStatusCode.PartialContent);
            (await tail.Content.ReadAsByteArrayAsync()).ShouldBe(stream[^300_000..]);
            using var whole = await api.DownloadAsync(link.Id, ticket.DownloadToken);
            (await whole.Content.ReadAsByteArrayAsync()).ShouldBe(stream);
        }
    }

    [Fact]
    public async Task Each_link_has_its_own_passphrase_attempts_and_burns_alone()
    {
        var (server, api) = await ServerAsync();
        var bundle = await api.CreateBundleAsync(new TestBundle(["alice", "bob"], passphrase: true, streamBytes: TestSecret.StreamLength(1000)));
        (await api.UploadAsync(bundle.Id, bundle.ManageToken, bundle.Request.Stream!)).Dispose();
        var alice = bundle.Links[0];
        for (var i = 0; i < 4; i++)
        {
            using var wrong = await api.OpenAsync(alice.Id, alice.AccessKey, TestSecret.RandomKey());
            await wrong.ShouldBeProblemAsync(HttpStatusCode.Forbidden, ProblemTypes.WrongPassphrase);
        }

        // Bob's passphrase proof on Alice's link is a wrong passphrase there: every link has its own proof.
        using (var last = await api.OpenAsync(alice.Id, alice.AccessKey, bundle.Links[1].PassphraseProof))
        {
            await last.ShouldBeProblemAsync(HttpStatusCode.Gone, ProblemTypes.Burned);
        }

        var recipients = (await api.StatusOfAsync(bundle)).Recipients!;
        recipients.Select(r => r.State).ShouldBe([SecretStates.Burned, SecretStates.Unread]);
        recipients.Select(r => r.PassphraseAttemptsLeft).ShouldBe([0, 5]);

        var bob = bundle.Links[1];
        using var open = await api.OpenAsync(bob.Id, bob.AccessKey, bob.PassphraseProof);
        var ticket = (await open.ShouldBeJsonAsync(HttpStatusCode.OK, ParleyJsonContext.Default.OpenSecretResponse)).Stream!;
        using var download = await api.DownloadAsync(bob.Id, ticket.DownloadToken);
        (await download.Content.ReadAsByteArrayAsync()).ShouldBe(bundle.Request.Stream);
        (await server.RecordAsync(bob.Id)).StreamStored.ShouldBeTrue();
    }

    [Fact]
    public async Task Two_hundred_racing_opens_of_each_link_have_exactly_one_winner_per_link()
    {
        var (server, _) = await ServerAsync();
        using var http = server.CreateClient();
        var racer = new SecretsHttp(http);
        for (var round = 0; round < 10; round++)
        {
            var bundle = await racer.CreateBundleAsync(new TestBundle(["alice", "bob", "carol"]));
            var opens = bundle.Links.SelectMany(link => Enumerable.Range(0, 200).Select(_ => Task.Run(async () =>
            {
                using var response = await racer.OpenAsync(link.Id, link.AccessKey);
                return (link.Id, response.StatusCode, Body: await response.Content.ReadAsStringAsync());
            }))).ToArray();
            var results = await Task.WhenAll(opens);
            foreach (var link in bundle.Links)
            {
                var mine = results.Where(r => r.Id == link.Id).ToList();
                mine.Count(r => r.StatusCode == HttpStatusCode.OK).ShouldBe(1, $"round {round}, link {link.Id}");
                mine.Where(r => r.StatusCode != HttpStatusCode.OK)
                    .ShouldAllBe(r => r.StatusCode == HttpStatusCode.Gone && r.Body.Contains(ProblemTypes.AlreadyOpened));
                var record = await server.RecordAsync(link.Id);
                record.ViewsLeft.ShouldBe(0);
                record.OpenedAt.Count.ShouldBe(1);
            }
        }
    }

    [Fact]
    public async Task A_bundle_expires_and_is_purged_whole()
    {
        var (server, api) = await ServerAsync();
        var bundle = await api.CreateBundleAsync(new TestBundle(["alice", "bob"], streamBytes: TestSecret.StreamLength(5000)));
        (await api.UploadAsync(bundle.Id, bundle.ManageToken, bundle.Request.Stream!)).Dispose();
        server.Time!.Advance(TimeSpan.FromHours(1));
        (await api.StatusOfAsync(bundle)).Recipients!.ShouldAllBe(r => r.State == SecretStates.Expired);
        await server.Sweeper().SweepOnceAsync();
        StreamStored(server, bundle.Id).ShouldBeFalse();
        (await StoredChunkRowsAsync(server, bundle.Id)).ShouldBe(0);
        server.Time.Advance(TimeSpan.FromDays(8));
        await server.Sweeper().SweepOnceAsync();
        foreach (var link in bundle.Links)
        {
            SecretId.TryParse(link.Id, out var id).ShouldBeTrue();
            (await server.Store().FindAsync(id, CancellationToken.None)).ShouldBeNull();
        }

    }

    public static TheoryData<string> BadRecipients => [.. BadBundles.Keys];

    private static readonly Dictionary<string, Action<JsonObject>> BadBundles = new()
    {
        ["no recipients"] = b => b["recipients"] = new JsonArray(),
        ["51 recipients"] = b => b["recipients"] = new JsonArray([.. Enumerable.Range(0, 51).Select(i => Recipient($"r{i}"))]),
        ["recipients not an array"] = b => b["recipients"] = 3,
        ["a null recipient"] = b => b["recipients"]!.AsArray().Add(null),
        ["empty label"] = b => b["recipients"]![0]!["label"] = "",
        ["65-character label"] = b => b["recipients"]![0]!["label"] = new string('x', 65),
        ["label with a control character"] = b => b["recipients"]![0]!["label"] = "ali\u0007ce",
        ["label with a zero-width space"] = b => b["recipients"]![0]!["label"] = "ali\u200Bce",
        ["two labels the same but for case"] = b => b["recipients"]![1]!["label"] = "ALICE",
        ["two links with one access verifier"] = b => b["recipients"]![1]!["accessVerifier"] = b["recipients"]![0]!["accessVerifier"]!.GetValue<string>(),
        ["short access verifier"] = b => b["recipients"]![0]!["accessVerifier"] = TestSecret.B64(new byte[31]),
        ["wrapped key too short"] = b => b["recipients"]![0]!["wrappedKey"] = TestSecret.B64(new byte[60]),
        ["wrapped key of another version"] = b => b["recipients"]![0]!["wrappedKey"] = TestSecret.B64(Enumerable.Repeat((byte)2, 61).ToArray()),
        ["a passphrase verifier without a passphrase"] = b => b["recipients"]![0]!["passphraseVerifier"] = TestSecret.RandomKey(),
        ["a top-level access verifier as well"] = b => b["accessVerifier"] = TestSecret.RandomKey(),
        ["unknown member in a recipient"] = b => b["recipients"]![0]!["name"] = "alice",
        ["label of the wrong type"] = b => b["recipients"]![0]!["label"] = 7,
    };

    [Theory]
    [MemberData(nameof(BadRecipients))]
    public async Task Bad_recipients_get_a_clear_problem_and_store_nothing(string name)
    {
        var (server, api) = await ServerAsync();
        var body = JsonNode.Parse(JsonSerializerFor(new TestBundle(["alice", "bob"]).ToRequest()))!.AsObject();
        BadBundles[name](body);
        var count = await server.Store().CountAsync(CancellationToken.None);

        using var response = await api.PostRawAsync("api/secrets", body.ToJsonString());
        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest);
        problem.GetProperty("detail").GetString().ShouldNotBeNullOrWhiteSpace();
        (await server.Store().CountAsync(CancellationToken.None)).ShouldBe(count);
    }

    [Fact]
    public async Task A_passphrase_needs_a_proof_per_recipient_and_none_at_the_top()
    {
        var (server, api) = await ServerAsync();
        var count = await server.Store().CountAsync(CancellationToken.None);
        var body = JsonNode.Parse(JsonSerializerFor(new TestBundle(["alice", "bob"], passphrase: true).ToRequest()))!.AsObject();
        body["recipients"]![1]!["passphraseVerifier"] = null;
        using (var missing = await api.PostRawAsync("api/secrets", body.ToJsonString()))
        {
            var problem = await missing.ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest);
            problem.GetProperty("errors").TryGetProperty("recipients[1].passphraseVerifier", out _).ShouldBeTrue();
        }

        body = JsonNode.Parse(JsonSerializerFor(new TestBundle(["alice", "bob"], passphrase: true).ToRequest()))!.AsObject();
        body["passphrase"]!["verifier"] = TestSecret.RandomKey();
        using (var topLevel = await api.PostRawAsync("api/secrets", body.ToJsonString()))
        {
            await topLevel.ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest);
        }

        (await server.Store().CountAsync(CancellationToken.None)).ShouldBe(count);
    }

    private static JsonObject Recipient(string label) => new()
    {
        ["label"] = label,
        ["accessVerifier"] = TestSecret.RandomKey(),
        ["passphraseVerifier"] = null,
        ["wrappedKey"] = TestBundle.RandomWrappedKey(),
    };

    private static string JsonSerializerFor(CreateSecretRequest request) =>
        System.Text.Json.JsonSerializer.Serialize(request, ParleyJsonContext.Default.CreateSecretRequest);

    /// <summary>True while SQLite keeps the bundle's stream file (always false on the other providers).</summary>
    private static bool StreamStored(ParleyTestServer server, string bundleId)
    {
        SecretId.TryParse(bundleId, out var id).ShouldBeTrue();
        return File.Exists(Path.Combine(server.DataDirectory, "streams", id.ToHex()))
            || (server.Store() is Parley.Server.Features.Secrets.Storage.PostgresSecretStore && StoredChunkRowsAsync(server, bundleId).GetAwaiter().GetResult() > 0)
            || (server.Store() is Parley.Server.Features.Secrets.Storage.MemorySecretStore && MemoryHoldsStream(server, bundleId));
    }

    private static bool MemoryHoldsStream(ParleyTestServer server, string bundleId)
    {
        SecretId.TryParse(bundleId, out var id).ShouldBeTrue();
        var links = server.Store().FindBundleAsync(id, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        return links.Any(l => l.StreamStored);
    }

    private static async Task<long> StoredChunkRowsAsync(ParleyTestServer server, string bundleId)
    {
        if (server.Store() is not Parley.Server.Features.Secrets.Storage.PostgresSecretStore)
        {
            return 0;
        }

        var db = (Parley.Server.Infrastructure.Storage.PostgresDatabase)server.Services.GetService(typeof(Parley.Server.Infrastructure.Storage.PostgresDatabase))!;
        SecretId.TryParse(bundleId, out var id).ShouldBeTrue();
        await using var connection = await db.OpenAsync(CancellationToken.None);
        await using var c = new Npgsql.NpgsqlCommand("SELECT count(*) FROM secret_stream_chunks WHERE secret_id = $1", connection);
        c.Parameters.Add(new Npgsql.NpgsqlParameter<byte[]> { TypedValue = id.ToByteArray() });
        return (long)(await c.ExecuteScalarAsync())!;
    }
}

/// <summary>What a client sends for several recipients, as random bytes of the right shapes.</summary>
internal sealed class TestBundle
{
    public TestBundle(IReadOnlyList<string?> labels, bool passphrase = false, long? streamBytes = null, int maxViews = 1)
    {
        Manifest = RandomNumberGenerator.GetBytes(29 + 256);
        Manifest[0] = 0x01;
        Salt = passphrase ? RandomNumberGenerator.GetBytes(16) : null;
        Recipients = [.. labels.Select(l => new TestRecipient(l, passphrase))];
        StreamBytes = streamBytes;
        Stream = streamBytes is { } n ? RandomNumberGenerator.GetBytes(checked((int)n)) : null;
        MaxViews = maxViews;
    }

    public byte[] Manifest { get; }
    public byte[]? Salt { get; }
    public IReadOnlyList<TestRecipient> Recipients { get; }
    public long? StreamBytes { get; }
    public byte[]? Stream { get; }
    public int MaxViews { get; }

    public CreateSecretRequest ToRequest() => new(
        TestSecret.B64(Manifest), null,
        Salt is null ? null : new PassphraseParameters(PassphraseParameters.Pbkdf2Sha256, TestSecret.B64(Salt), 600_000),
        3600, MaxViews, StreamBytes, null,
        [.. Recipients.Select(r => new RecipientKey(r.Label, TestSecret.B64(SHA256.HashData(r.AccessKey)),
            r.PassphraseProof is null ? null : TestSecret.B64(SHA256.HashData(r.PassphraseProof)), TestSecret.B64(r.WrappedKey)))]);

    public static string RandomWrappedKey() => TestSecret.B64(RandomWrappedKeyBytes());

    public static byte[] RandomWrappedKeyBytes()
    {
        var wrapped = RandomNumberGenerator.GetBytes(61);
        wrapped[0] = 1;
        return wrapped;
    }
}

internal sealed class TestRecipient(string? label, bool passphrase)
{
    public string? Label { get; } = label;
    public byte[] AccessKey { get; } = RandomNumberGenerator.GetBytes(32);
    public byte[]? PassphraseProof { get; } = passphrase ? RandomNumberGenerator.GetBytes(32) : null;
    public byte[] WrappedKey { get; } = TestBundle.RandomWrappedKeyBytes();
}

/// <summary>A created bundle: the manage token, and each link's id and keys.</summary>
internal sealed record CreatedBundle(TestBundle Request, string Id, string ManageToken, DateTimeOffset CreatedAt, IReadOnlyList<BundleLink> Links);

internal sealed record BundleLink(string Id, string AccessKey, string? PassphraseProof);

internal static class BundleHttp
{
    public static async Task<CreatedBundle> CreateBundleAsync(this SecretsHttp api, TestBundle bundle)
    {
        using var response = await api.PostJsonAsync("api/secrets", bundle.ToRequest(), ParleyJsonContext.Default.CreateSecretRequest);
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var body = (await response.Content.ReadFromJsonAsync(ParleyJsonContext.Default.CreateSecretResponse))!;
        var links = body.Recipients.ShouldNotBeNull();
        links.Count.ShouldBe(bundle.Recipients.Count);
        links.Select(l => l.Label).ShouldBe(bundle.Recipients.Select(r => r.Label));
        body.UploadRequired.ShouldBe(bundle.StreamBytes is not null);
        var created = body.ExpiresAt - TimeSpan.FromSeconds(3600);
        return new CreatedBundle(bundle, body.Id, body.ManageToken, created,
            [.. links.Select((l, i) => new BundleLink(l.Id, TestSecret.B64(bundle.Recipients[i].AccessKey),
                bundle.Recipients[i].PassphraseProof is { } p ? TestSecret.B64(p) : null))]);
    }

    public static Task<HttpResponseMessage> OpenAsync(this SecretsHttp api, BundleLink link) => api.OpenAsync(link.Id, link.AccessKey, link.PassphraseProof);

    public static async Task<SecretStatusResponse> StatusOfAsync(this SecretsHttp api, CreatedBundle bundle)
    {
        using var response = await api.StatusAsync(bundle.Id, bundle.ManageToken);
        return await response.ShouldBeJsonAsync(HttpStatusCode.OK, ParleyJsonContext.Default.SecretStatusResponse);
    }

    public static Task<HttpResponseMessage> DestroyAllAsync(this SecretsHttp api, string id, string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Delete, $"api/secrets/{id}/recipients");
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        return api.Http.SendAsync(request);
    }
}

public sealed class MemoryRecipientsApiTests(MemoryServer server) : RecipientsApiContract(server), IClassFixture<MemoryServer>;

public sealed class SqliteRecipientsApiTests(SqliteServer server) : RecipientsApiContract(server), IClassFixture<SqliteServer>;

public sealed class PostgresRecipientsApiTests(PostgresServer server) : RecipientsApiContract(server), IClassFixture<PostgresServer>;
