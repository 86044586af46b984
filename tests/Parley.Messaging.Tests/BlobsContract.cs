using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Parley.Client.Messaging;
using Parley.Contracts;
using Parley.Contracts.Blobs;
using Parley.Messaging.Tests.Support;
using Parley.Server.Features.Blobs;

namespace Parley.Messaging.Tests;

/// <summary>The blob store for attachments over real HTTP, on every storage provider (classes at the end).</summary>
public abstract class BlobsContract(MessagingServer provider)
{
    protected MessagingServer Provider { get; } = provider;

    /// <summary>A fetch token and the verifier the server is given.</summary>
    private static (string Token, string Verifier) NewToken()
    {
        var token = RandomNumberGenerator.GetBytes(32);
        return (AccountKeys.B64u(token), AccountKeys.B64u(SHA256.HashData(token)));
    }

    /// <summary>Bytes that span several of every store's blocks (64 KiB files, 256 KiB chunks).</summary>
    private static byte[] Bytes(int length = 600_001) => RandomNumberGenerator.GetBytes(length);

    private static async Task<string> UploadAsync(TestUser owner, byte[] bytes, params string[] verifiers)
    {
        var created = await owner.Api.CreateBlobAsync(new CreateBlobRequest(bytes.Length, null, verifiers));
        await owner.Api.UploadBlobAsync(created.Id, new MemoryStream(bytes), bytes.Length);
        return created.Id;
    }

    private static async Task<byte[]> FetchAsync(TestUser user, string id, string token, long length)
    {
        await using var stream = await user.Api.FetchBlobAsync(id, token, length);
        var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    private static async Task<MessagingApiException> RefusedAsync(Func<Task> call, int status, string type)
    {
        var e = await Should.ThrowAsync<MessagingApiException>(call);
        e.Status.ShouldBe(status, e.Message);
        e.Type.ShouldBe(type, e.Message);
        return e;
    }

    private static IBlobStore Store(ParleyTestServer server) => (IBlobStore)server.Services.GetService(typeof(IBlobStore))!;

    private static BlobsSweeper Sweeper(ParleyTestServer server) => (BlobsSweeper)server.Services.GetService(typeof(BlobsSweeper))!;

    private static async Task<BlobRecord?> RecordAsync(ParleyTestServer server, string id)
    {
        BlobId.TryParse(id, out var blobId).ShouldBeTrue();
        return await Store(server).FindAsync(blobId, CancellationToken.None);
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, TestUser? user, HttpContent? content = null, string? fetchToken = null)
    {
        var r = new HttpRequestMessage(method, path) { Content = content };
        if (user is not null)
        {
            r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
        }

        if (fetchToken is not null)
        {
            r.Headers.TryAddWithoutValidation(BlobHeaders.FetchToken, fetchToken);
        }

        return r;
    }

    [Fact]
    public async Task Each_recipient_fetches_the_bytes_and_the_last_release_deletes_the_blob()
    {
        var server = await Provider.GetAsync();
        await using var alice = await TestUser.CreateAsync(server);
        await using var bob = await TestUser.CreateAsync(server);
        await using var carol = await TestUser.CreateAsync(server);
        var (bobToken, bobVerifier) = NewToken();
        var (carolToken, carolVerifier) = NewToken();
        var bytes = Bytes();
        var count = await Store(server).CountAsync(default);
        var id = await UploadAsync(alice, bytes, bobVerifier, carolVerifier);

        (await FetchAsync(bob, id, bobToken, bytes.Length)).ShouldBe(bytes);
        (await FetchAsync(bob, id, bobToken, bytes.Length)).ShouldBe(bytes, "a token reads until it is released");
        await bob.Api.ReleaseBlobAsync(id, bobToken);
        (await RecordAsync(server, id))!.TokensLeft.ShouldBe(1);
        await RefusedAsync(() => FetchAsync(bob, id, bobToken, bytes.Length), 404, ProblemTypes.NotFound);
        await RefusedAsync(() => bob.Api.ReleaseBlobAsync(id, bobToken), 404, ProblemTypes.NotFound);

        (await FetchAsync(carol, id, carolToken, bytes.Length)).ShouldBe(bytes);
        await carol.Api.ReleaseBlobAsync(id, carolToken);
        (await RecordAsync(server, id)).ShouldBeNull();
        (await Store(server).CountAsync(default)).ShouldBe(count);
        await RefusedAsync(() => FetchAsync(carol, id, carolToken, bytes.Length), 404, ProblemTypes.NotFound);
        if (Provider.Provider == "sqlite")
        {
            Directory.GetFiles(Path.Combine(server.DataDirectory, "blobs")).ShouldNotContain(f => f.Contains(Hex(id), StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Someone_without_the_token_reads_nothing_and_changes_nothing()
    {
        var server = await Provider.GetAsync();
        await using var alice = await TestUser.CreateAsync(server);
        await using var bob = await TestUser.CreateAsync(server);
        await using var mallory = await TestUser.CreateAsync(server);
        var (bobToken, bobVerifier) = NewToken();
        var bytes = Bytes(1000);
        var id = await UploadAsync(alice, bytes, bobVerifier);
        var other = await UploadAsync(alice, bytes, NewToken().Verifier);
        var before = (await RecordAsync(server, id))!.Describe();

        await RefusedAsync(() => FetchAsync(mallory, id, NewToken().Token, bytes.Length), 404, ProblemTypes.NotFound);
        await RefusedAsync(() => FetchAsync(mallory, other, bobToken, bytes.Length), 404, ProblemTypes.NotFound);
        await RefusedAsync(() => mallory.Api.ReleaseBlobAsync(id, NewToken().Token), 404, ProblemTypes.NotFound);
        await RefusedAsync(() => mallory.Api.DeleteBlobAsync(id), 404, ProblemTypes.NotFound);
        await RefusedAsync(() => bob.Api.DeleteBlobAsync(id), 404, ProblemTypes.NotFound);
        using (var anonymous = await server.Client.SendAsync(Request(HttpMethod.Get, "api/blobs/" + id, null, fetchToken: bobToken)))
        {
            anonymous.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        (await RecordAsync(server, id))!.Describe().ShouldBe(before);
        (await FetchAsync(mallory, id, bobToken, bytes.Length)).ShouldBe(bytes, "the token, not the account, is what lets one fetch");
    }

    [Fact]
    public async Task Only_the_uploader_sends_the_bytes_once_and_nothing_is_fetched_before()
    {
        var server = await Provider.GetAsync();
        await using var alice = await TestUser.CreateAsync(server);
        await using var bob = await TestUser.CreateAsync(server);
        var (token, verifier) = NewToken();
        var bytes = Bytes(70_000);
        var created = await alice.Api.CreateBlobAsync(new CreateBlobRequest(bytes.Length, 3600, [verifier]));
        created.ExpiresAt.ShouldBe(server.Time!.GetUtcNow().AddHours(1));

        await RefusedAsync(() => FetchAsync(bob, created.Id, token, bytes.Length), 404, ProblemTypes.NotFound);
        await RefusedAsync(() => bob.Api.UploadBlobAsync(created.Id, new MemoryStream(bytes), bytes.Length), 404, ProblemTypes.NotFound);
        var truncated = Request(HttpMethod.Put, "api/blobs/" + created.Id, alice, Octets(bytes[..1000]));
        truncated.Headers.TransferEncodingChunked = true; // no length: the body just ends early
        truncated.Content!.Headers.ContentLength = null;
        using (var shortBody = await server.Client.SendAsync(truncated))
        {
            shortBody.StatusCode.ShouldBe(HttpStatusCode.BadRequest, await shortBody.Content.ReadAsStringAsync());
        }

        (await RecordAsync(server, created.Id))!.Uploaded.ShouldBeFalse();
        await alice.Api.UploadBlobAsync(created.Id, new MemoryStream(bytes), bytes.Length);
        await RefusedAsync(() => alice.Api.UploadBlobAsync(created.Id, new MemoryStream(bytes), bytes.Length), 409, ProblemTypes.UploadConflict);
        (await FetchAsync(bob, created.Id, token, bytes.Length)).ShouldBe(bytes);
    }

    [Fact]
    public async Task The_uploader_deletes_its_blob_early()
    {
        var server = await Provider.GetAsync();
        await using var alice = await TestUser.CreateAsync(server);
        await using var bob = await TestUser.CreateAsync(server);
        var (token, verifier) = NewToken();
        var id = await UploadAsync(alice, Bytes(5000), verifier);
        await alice.Api.DeleteBlobAsync(id);
        (await RecordAsync(server, id)).ShouldBeNull();
        await RefusedAsync(() => FetchAsync(bob, id, token, 5000), 404, ProblemTypes.NotFound);
        await RefusedAsync(() => alice.Api.DeleteBlobAsync(id), 404, ProblemTypes.NotFound);
    }

    [Fact]
    public async Task Expired_blobs_and_abandoned_uploads_are_swept()
    {
        var server = await Provider.StartAsync(new Dictionary<string, string?> { ["Parley:Messaging:TokenLifetime"] = "30.00:00:00" });
        await using var alice = await TestUser.CreateAsync(server);
        await using var bob = await TestUser.CreateAsync(server);
        var (token, verifier) = NewToken();
        var id = await UploadAsync(alice, Bytes(3000), verifier);
        var abandoned = await alice.Api.CreateBlobAsync(new CreateBlobRequest(3000, null, [NewToken().Verifier]));

        server.Time!.Advance(TimeSpan.FromHours(2));
        await Sweeper(server).SweepOnceAsync(); // the timer may have run it already: what counts is what is left
        (await RecordAsync(server, abandoned.Id)).ShouldBeNull("the upload window (1 hour) passed");
        (await FetchAsync(bob, id, token, 3000)).Length.ShouldBe(3000);

        server.Time.Advance(TimeSpan.FromDays(7));
        await RefusedAsync(() => FetchAsync(bob, id, token, 3000), 404, ProblemTypes.NotFound);
        await RefusedAsync(() => bob.Api.ReleaseBlobAsync(id, token), 404, ProblemTypes.NotFound);
        await Sweeper(server).SweepOnceAsync();
        (await RecordAsync(server, id)).ShouldBeNull();
        (await Store(server).CountAsync(default)).ShouldBe(0);
        if (Provider.Provider == "sqlite")
        {
            Directory.GetFiles(Path.Combine(server.DataDirectory, "blobs")).ShouldBeEmpty();
        }
    }

    [Fact]
    public async Task Two_recipients_releasing_at_once_leave_nothing_behind()
    {
        var server = await Provider.GetAsync();
        await using var alice = await TestUser.CreateAsync(server);
        for (var round = 0; round < 5; round++)
        {
            var tokens = Enumerable.Range(0, 2).Select(_ => NewToken()).ToList();
            var id = await UploadAsync(alice, Bytes(2000), [.. tokens.Select(t => t.Verifier)]);
            await Task.WhenAll(tokens.Select(t => alice.Api.ReleaseBlobAsync(id, t.Token)));
            (await RecordAsync(server, id)).ShouldBeNull();
        }
    }

    [Fact]
    public async Task A_blob_that_would_exceed_the_quota_is_refused_and_nothing_is_stored()
    {
        var server = await Provider.StartAsync(new Dictionary<string, string?>
        {
            ["Parley:Blobs:MaxBlobBytes"] = "10000",
            ["Parley:Blobs:MaxStoredBytesPerAccount"] = "25000",
        });
        await using var alice = await TestUser.CreateAsync(server);
        await using var bob = await TestUser.CreateAsync(server);
        var limits = await alice.Api.GetBlobLimitsAsync();
        limits.MaxBlobBytes.ShouldBe(10000);
        limits.MaxStoredBytesPerAccount.ShouldBe(25000);
        await RefusedAsync(() => alice.Api.CreateBlobAsync(new CreateBlobRequest(10_001, null, [NewToken().Verifier])), 413, ProblemTypes.PayloadTooLarge);
        var (token, verifier) = NewToken();
        var first = await UploadAsync(alice, Bytes(10000), verifier);
        await UploadAsync(alice, Bytes(10000), NewToken().Verifier);
        await RefusedAsync(() => alice.Api.CreateBlobAsync(new CreateBlobRequest(6000, null, [NewToken().Verifier])), 409, BlobProblemTypes.QuotaExceeded);
        (await Store(server).CountAsync(default)).ShouldBe(2);
        await bob.Api.CreateBlobAsync(new CreateBlobRequest(6000, null, [NewToken().Verifier])); // a quota is per account

        await bob.Api.ReleaseBlobAsync(first, token);
        await alice.Api.CreateBlobAsync(new CreateBlobRequest(6000, null, [NewToken().Verifier]));
    }

    public static TheoryData<string> MalformedCases => [.. Malformed.Select(c => c.Name)];

    private sealed record BadInput(string Name, HttpStatusCode Status, string Type, Func<TestUser, string, HttpRequestMessage> Build);

    private static StringContent JsonBody(string json) => new(json, Encoding.UTF8, "application/json");

    private static ByteArrayContent Octets(byte[] bytes, string type = "application/octet-stream")
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
        return content;
    }

    private static readonly string Verifier = NewToken().Verifier;

    private static readonly BadInput[] Malformed =
    [
        new("size zero", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            (u, _) => Request(HttpMethod.Post, "api/blobs", u, JsonBody($$"""{"size":0,"expiresInSeconds":null,"fetchVerifiers":["{{Verifier}}"]}"""))),
        new("size over the limit", HttpStatusCode.RequestEntityTooLarge, ProblemTypes.PayloadTooLarge,
            (u, _) => Request(HttpMethod.Post, "api/blobs", u, JsonBody($$"""{"size":3000000000,"expiresInSeconds":null,"fetchVerifiers":["{{Verifier}}"]}"""))),
        new("size as a string", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            (u, _) => Request(HttpMethod.Post, "api/blobs", u, JsonBody($$"""{"size":"10","expiresInSeconds":null,"fetchVerifiers":["{{Verifier}}"]}"""))),
        new("expiry too short", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            (u, _) => Request(HttpMethod.Post, "api/blobs", u, JsonBody($$"""{"size":10,"expiresInSeconds":59,"fetchVerifiers":["{{Verifier}}"]}"""))),
        new("expiry too long", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            (u, _) => Request(HttpMethod.Post, "api/blobs", u, JsonBody($$"""{"size":10,"expiresInSeconds":9999999,"fetchVerifiers":["{{Verifier}}"]}"""))),
        new("no verifier", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            (u, _) => Request(HttpMethod.Post, "api/blobs", u, JsonBody("""{"size":10,"expiresInSeconds":null,"fetchVerifiers":[]}"""))),
        new("a repeated verifier", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            (u, _) => Request(HttpMethod.Post, "api/blobs", u, JsonBody($$"""{"size":10,"expiresInSeconds":null,"fetchVerifiers":["{{Verifier}}","{{Verifier}}"]}"""))),
        new("a short verifier", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            (u, _) => Request(HttpMethod.Post, "api/blobs", u, JsonBody("""{"size":10,"expiresInSeconds":null,"fetchVerifiers":["AAAA"]}"""))),
        new("a null verifier", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            (u, _) => Request(HttpMethod.Post, "api/blobs", u, JsonBody("""{"size":10,"expiresInSeconds":null,"fetchVerifiers":[null]}"""))),
        new("an unknown member", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            (u, _) => Request(HttpMethod.Post, "api/blobs", u, JsonBody($$"""{"size":10,"expiresInSeconds":null,"fetchVerifiers":["{{Verifier}}"],"recipients":["bob"]}"""))),
        new("a missing member", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            (u, _) => Request(HttpMethod.Post, "api/blobs", u, JsonBody($$"""{"size":10,"fetchVerifiers":["{{Verifier}}"]}"""))),
        new("not JSON", HttpStatusCode.UnsupportedMediaType, ProblemTypes.UnsupportedMediaType,
            (u, _) => Request(HttpMethod.Post, "api/blobs", u, Octets([1, 2, 3]))),
        new("upload as JSON", HttpStatusCode.UnsupportedMediaType, ProblemTypes.UnsupportedMediaType,
            (u, id) => Request(HttpMethod.Put, "api/blobs/" + id, u, Octets([1, 2, 3], type: "application/json"))),
        new("upload with a wrong length", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            (u, id) => Request(HttpMethod.Put, "api/blobs/" + id, u, Octets(new byte[99]))),
        new("upload to a malformed id", HttpStatusCode.BadRequest, ProblemTypes.InvalidId,
            (u, _) => Request(HttpMethod.Put, "api/blobs/not-an-id", u, Octets(new byte[100]))),
        new("upload to an unknown id", HttpStatusCode.NotFound, ProblemTypes.NotFound,
            (u, _) => Request(HttpMethod.Put, "api/blobs/AAAAAAAAAAAAAAAAAAAAAA", u, Octets(new byte[100]))),
        new("fetch without a token", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            (u, id) => Request(HttpMethod.Get, "api/blobs/" + id, u)),
        new("fetch with a malformed token", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            (u, id) => Request(HttpMethod.Get, "api/blobs/" + id, u, fetchToken: "not a token")),
        new("fetch with a padded token", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            (u, id) => Request(HttpMethod.Get, "api/blobs/" + id, u, fetchToken: NewToken().Token + "=")),
        new("fetch a malformed id", HttpStatusCode.BadRequest, ProblemTypes.InvalidId,
            (u, _) => Request(HttpMethod.Get, "api/blobs/AAAA", u, fetchToken: NewToken().Token)),
        new("release with a malformed token", HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest,
            (u, id) => Request(HttpMethod.Delete, "api/blobs/" + id, u, fetchToken: "AAAA")),
    ];

    [Theory]
    [MemberData(nameof(MalformedCases))]
    public async Task Malformed_input_gets_a_problem_and_changes_nothing(string name)
    {
        var server = await Provider.GetAsync();
        await using var alice = await TestUser.CreateAsync(server);
        var pending = await alice.Api.CreateBlobAsync(new CreateBlobRequest(100, null, [NewToken().Verifier]));
        var count = await Store(server).CountAsync(default);
        var before = (await RecordAsync(server, pending.Id))!.Describe();
        var testCase = Malformed.Single(c => c.Name == name);

        using (var response = await server.Client.SendAsync(testCase.Build(alice, pending.Id)))
        {
            var text = await response.Content.ReadAsStringAsync();
            response.StatusCode.ShouldBe(testCase.Status, text);
            JsonDocument.Parse(text).RootElement.GetProperty("type").GetString().ShouldBe(testCase.Type, text);
        }

        (await Store(server).CountAsync(default)).ShouldBe(count);
        (await RecordAsync(server, pending.Id))!.Describe().ShouldBe(before);
        await alice.Api.UploadBlobAsync(pending.Id, new MemoryStream(new byte[100]), 100);
    }

    [Fact]
    public async Task The_log_names_no_blob_token_verifier_or_account()
    {
        var server = await Provider.GetAsync();
        await using var alice = await TestUser.CreateAsync(server);
        await using var bob = await TestUser.CreateAsync(server);
        var (token, verifier) = NewToken();
        var id = await UploadAsync(alice, Bytes(2000), verifier);
        await RefusedAsync(() => FetchAsync(bob, id, NewToken().Token, 2000), 404, ProblemTypes.NotFound);
        await FetchAsync(bob, id, token, 2000);
        await bob.Api.ReleaseBlobAsync(id, token);
        var logs = string.Join('\n', server.Logs.Lines);
        foreach (var secret in new[] { id, token, verifier, Hex(id), alice.Name, bob.Name })
        {
            logs.ShouldNotContain(secret, Case.Insensitive);
        }
    }

    private static string Hex(string id) => Convert.ToHexStringLower(Convert.FromBase64String(id.Replace('-', '+').Replace('_', '/') + "=="));
}

public sealed class MemoryBlobs(MemoryMessaging p) : BlobsContract(p), IClassFixture<MemoryMessaging>;

public sealed class SqliteBlobs(SqliteMessaging p) : BlobsContract(p), IClassFixture<SqliteMessaging>;

public sealed class PostgresBlobs(PostgresMessaging p) : BlobsContract(p), IClassFixture<PostgresMessaging>;
