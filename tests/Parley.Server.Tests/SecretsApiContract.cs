using System.Net;
using System.Net.Http.Json;
using Parley.Contracts;
using Parley.Contracts.Secrets;
using Parley.Server.Features.Secrets;
using Parley.Server.Tests.Support;

namespace Parley.Server.Tests;

/// <summary>
/// The secrets API contract, over real HTTP against real Kestrel. The same tests run on every
/// storage provider (see the classes at the end of this file).
/// </summary>
public abstract class SecretsApiContract(ProviderServer provider)
{
    protected ProviderServer Provider { get; } = provider;

    private async Task<(ParleyTestServer Server, SecretsHttp Api)> ServerAsync()
    {
        var server = await Provider.GetAsync();
        return (server, server.Api());
    }

    [Fact]
    public async Task Created_secret_opens_once_then_is_gone()
    {
        var (server, api) = await ServerAsync();
        var created = await api.CreateAsync(new TestSecret());

        using (var look = await api.LookAsync(created.Id))
        {
            var body = await look.ShouldBeJsonAsync(HttpStatusCode.OK, ParleyJsonContext.Default.SecretLookResponse);
            body.State.ShouldBe(SecretStates.Available);
            body.ViewsLeft.ShouldBe(1);
            body.ManifestBytes.ShouldBe(created.Secret.Manifest.Length);
            body.Passphrase.ShouldBeNull();
            body.StreamBytes.ShouldBeNull();
            body.ExpiresAt.ShouldBe(created.ExpiresAt);
        }

        using (var open = await api.OpenAsync(created))
        {
            var body = await open.ShouldBeJsonAsync(HttpStatusCode.OK, ParleyJsonContext.Default.OpenSecretResponse);
            body.Manifest.ShouldBe(TestSecret.B64(created.Secret.Manifest));
            body.ViewsLeft.ShouldBe(0);
            body.Stream.ShouldBeNull();
        }

        using (var look = await api.LookAsync(created.Id))
        {
            await look.ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
        }

        using (var again = await api.OpenAsync(created))
        {
            var problem = await again.ShouldBeProblemAsync(HttpStatusCode.Gone, ProblemTypes.AlreadyOpened);
            problem.GetProperty("openedAt").GetArrayLength().ShouldBe(1);
        }

        var record = await server.RecordAsync(created.Id);
        record.ViewsLeft.ShouldBe(0);
        record.PhaseAt(server.Time!.GetUtcNow()).ShouldBe(SecretPhase.Opened);
    }

    [Fact]
    public async Task Two_view_secret_opens_twice_then_is_gone()
    {
        var (server, api) = await ServerAsync();
        var created = await api.CreateAsync(new TestSecret(maxViews: 2));

        using (var first = await api.OpenAsync(created))
        {
            (await first.ShouldBeJsonAsync(HttpStatusCode.OK, ParleyJsonContext.Default.OpenSecretResponse)).ViewsLeft.ShouldBe(1);
        }

        (await api.StatusOfAsync(created)).State.ShouldBe(SecretStates.PartlyRead);
        server.Time!.Advance(TimeSpan.FromMinutes(1));
        using (var second = await api.OpenAsync(created))
        {
            var body = await second.ShouldBeJsonAsync(HttpStatusCode.OK, ParleyJsonContext.Default.OpenSecretResponse);
            body.ViewsLeft.ShouldBe(0);
            body.Manifest.ShouldBe(TestSecret.B64(created.Secret.Manifest));
        }

        using (var third = await api.OpenAsync(created))
        {
            var problem = await third.ShouldBeProblemAsync(HttpStatusCode.Gone, ProblemTypes.AlreadyOpened);
            problem.GetProperty("openedAt").GetArrayLength().ShouldBe(2);
        }

        var status = await api.StatusOfAsync(created);
        status.State.ShouldBe(SecretStates.Opened);
        status.OpenedAt.Count.ShouldBe(2);
        (status.OpenedAt[1] - status.OpenedAt[0]).ShouldBe(TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task Secret_expires_when_its_time_is_up()
    {
        var (server, api) = await ServerAsync();
        var created = await api.CreateAsync(new TestSecret(expiresInSeconds: 3600));
        server.Time!.Advance(TimeSpan.FromSeconds(3599));
        using (var look = await api.LookAsync(created.Id))
        {
            look.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        server.Time.Advance(TimeSpan.FromSeconds(1));
        using (var look = await api.LookAsync(created.Id))
        {
            await look.ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
        }

        using (var open = await api.OpenAsync(created))
        {
            var problem = await open.ShouldBeProblemAsync(HttpStatusCode.Gone, ProblemTypes.Expired);
            problem.GetProperty("expiredAt").GetDateTimeOffset().ShouldBe(created.ExpiresAt);
        }

        (await api.StatusOfAsync(created)).State.ShouldBe(SecretStates.Expired);
        (await server.RecordAsync(created.Id)).ViewsLeft.ShouldBe(1);
    }

    [Fact]
    public async Task Wrong_access_key_never_burns_the_secret()
    {
        var (server, api) = await ServerAsync();
        var created = await api.CreateAsync(new TestSecret(passphrase: "correct horse"));
        for (var i = 0; i < 20; i++)
        {
            using var wrong = await api.OpenAsync(created.Id, TestSecret.RandomKey(), TestSecret.RandomKey());
            await wrong.ShouldBeProblemAsync(HttpStatusCode.Forbidden, ProblemTypes.AccessDenied);
        }

        var status = await api.StatusOfAsync(created);
        status.State.ShouldBe(SecretStates.Unread);
        status.FailedAttempts.ShouldBe(20);
        status.PassphraseAttemptsLeft.ShouldBe(5); // a wrong link never spends passphrase attempts

        using var right = await api.OpenAsync(created);
        (await right.ShouldBeJsonAsync(HttpStatusCode.OK, ParleyJsonContext.Default.OpenSecretResponse))
            .Manifest.ShouldBe(TestSecret.B64(created.Secret.Manifest));
    }

    [Fact]
    public async Task Passphrase_attempt_limit_burns_the_secret()
    {
        var (server, api) = await ServerAsync();
        var created = await api.CreateAsync(new TestSecret(passphrase: "pw"));
        using (var look = await api.LookAsync(created.Id))
        {
            var body = await look.ShouldBeJsonAsync(HttpStatusCode.OK, ParleyJsonContext.Default.SecretLookResponse);
            body.Passphrase.ShouldNotBeNull().Iterations.ShouldBe(600_000);
            body.Passphrase.Salt.ShouldBe(TestSecret.B64(created.Secret.Salt!));
            body.Passphrase.Verifier.ShouldBeNull();
        }

        using (var missing = await api.OpenAsync(created.Id, created.Secret.AccessKeyText, null))
        {
            (await missing.ShouldBeProblemAsync(HttpStatusCode.Forbidden, ProblemTypes.WrongPassphrase))
                .GetProperty("attemptsLeft").GetInt32().ShouldBe(4);
        }

        for (var left = 3; left >= 1; left--)
        {
            using var wrong = await api.OpenAsync(created.Id, created.Secret.AccessKeyText, TestSecret.RandomKey());
            (await wrong.ShouldBeProblemAsync(HttpStatusCode.Forbidden, ProblemTypes.WrongPassphrase))
                .GetProperty("attemptsLeft").GetInt32().ShouldBe(left);
        }

        (await api.StatusOfAsync(created)).PassphraseAttemptsLeft.ShouldBe(1);
        using (var last = await api.OpenAsync(created.Id, created.Secret.AccessKeyText, TestSecret.RandomKey()))
        {
            await last.ShouldBeProblemAsync(HttpStatusCode.Gone, ProblemTypes.Burned);
        }

        using (var right = await api.OpenAsync(created))
        {
            (await right.ShouldBeProblemAsync(HttpStatusCode.Gone, ProblemTypes.Burned)).GetProperty("burnedAt").GetDateTimeOffset()
                .ShouldBe(server.Time!.GetUtcNow());
        }

        var status = await api.StatusOfAsync(created);
        status.State.ShouldBe(SecretStates.Burned);
        status.FailedAttempts.ShouldBe(5);
        status.PassphraseAttemptsLeft.ShouldBe(0);
    }

    [Fact]
    public async Task Right_passphrase_opens_after_wrong_ones()
    {
        var (_, api) = await ServerAsync();
        var created = await api.CreateAsync(new TestSecret(passphrase: "pw"));
        using (var wrong = await api.OpenAsync(created.Id, created.Secret.AccessKeyText, TestSecret.RandomKey()))
        {
            await wrong.ShouldBeProblemAsync(HttpStatusCode.Forbidden, ProblemTypes.WrongPassphrase);
        }

        using var right = await api.OpenAsync(created);
        (await right.ShouldBeJsonAsync(HttpStatusCode.OK, ParleyJsonContext.Default.OpenSecretResponse)).ViewsLeft.ShouldBe(0);
    }

    [Fact]
    public async Task Looking_never_changes_a_secret()
    {
        var (server, api) = await ServerAsync();
        var created = await api.CreateAsync(new TestSecret(passphrase: "pw", maxViews: 2));
        var before = (await server.RecordAsync(created.Id)).Describe();
        for (var i = 0; i < 25; i++)
        {
            using var plain = await api.LookAsync(created.Id);
            plain.StatusCode.ShouldBe(HttpStatusCode.OK);
            using var wrongKey = await api.LookAsync(created.Id, TestSecret.RandomKey());
            wrongKey.StatusCode.ShouldBe(HttpStatusCode.OK);
            using var rightKey = await api.LookAsync(created.Id, created.Secret.AccessKeyText);
            rightKey.StatusCode.ShouldBe(HttpStatusCode.OK);
            using var head = await api.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"api/secrets/{created.Id}"));
        }

        (await server.RecordAsync(created.Id)).Describe().ShouldBe(before);
    }

    [Fact]
    public async Task Why_a_secret_is_gone_is_told_only_to_the_key_holder()
    {
        var (_, api) = await ServerAsync();
        var created = await api.CreateAsync(new TestSecret());
        (await api.OpenAsync(created)).Dispose();

        using (var noKey = await api.LookAsync(created.Id))
        {
            await noKey.ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
        }

        using (var wrongKey = await api.LookAsync(created.Id, TestSecret.RandomKey()))
        {
            await wrongKey.ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
        }

        using (var wrongOpen = await api.OpenAsync(created.Id, TestSecret.RandomKey()))
        {
            await wrongOpen.ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
        }

        using var rightKey = await api.LookAsync(created.Id, created.Secret.AccessKeyText);
        (await rightKey.ShouldBeProblemAsync(HttpStatusCode.Gone, ProblemTypes.AlreadyOpened)).GetProperty("openedAt").GetArrayLength().ShouldBe(1);
    }

    [Fact]
    public async Task Creator_destroys_a_secret_with_the_manage_token()
    {
        var (server, api) = await ServerAsync();
        var created = await api.CreateAsync(new TestSecret());
        using (var wrong = await api.DestroyAsync(created.Id, TestSecret.RandomKey()))
        {
            await wrong.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized);
        }

        (await api.StatusOfAsync(created)).State.ShouldBe(SecretStates.Unread);
        using (var destroy = await api.DestroyAsync(created.Id, created.ManageToken))
        {
            destroy.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        }

        using (var look = await api.LookAsync(created.Id))
        {
            await look.ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
        }

        using (var open = await api.OpenAsync(created))
        {
            (await open.ShouldBeProblemAsync(HttpStatusCode.Gone, ProblemTypes.Destroyed)).GetProperty("destroyedAt")
                .GetDateTimeOffset().ShouldBe(server.Time!.GetUtcNow());
        }

        var status = await api.StatusOfAsync(created);
        status.State.ShouldBe(SecretStates.Destroyed);
        status.DestroyedAt.ShouldBe(server.Time!.GetUtcNow());
        var record = await server.RecordAsync(created.Id);
        using (var again = await api.DestroyAsync(created.Id, created.ManageToken))
        {
            again.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        }

        (await server.RecordAsync(created.Id)).Describe().ShouldBe(record.Describe());
    }

    [Fact]
    public async Task Status_follows_the_secret_through_its_life()
    {
        var (server, api) = await ServerAsync();
        var created = await api.CreateAsync(new TestSecret(maxViews: 3, expiresInSeconds: 86400));
        var status = await api.StatusOfAsync(created);
        status.State.ShouldBe(SecretStates.Unread);
        status.MaxViews.ShouldBe(3);
        status.ViewsLeft.ShouldBe(3);
        status.OpenedAt.ShouldBeEmpty();
        status.PassphraseAttemptsLeft.ShouldBeNull();
        status.CreatedAt.ShouldBe(server.Time!.GetUtcNow());
        status.ExpiresAt.ShouldBe(created.ExpiresAt);

        (await api.OpenAsync(created)).Dispose();
        (await api.StatusOfAsync(created)).State.ShouldBe(SecretStates.PartlyRead);
        (await api.OpenAsync(created)).Dispose();
        (await api.OpenAsync(created)).Dispose();
        (await api.StatusOfAsync(created)).State.ShouldBe(SecretStates.Opened);

        var expiring = await api.CreateAsync(new TestSecret(expiresInSeconds: 300));
        server.Time.Advance(TimeSpan.FromSeconds(301));
        (await api.StatusOfAsync(expiring)).State.ShouldBe(SecretStates.Expired);

        var withStream = await api.CreateAsync(new TestSecret(streamBytes: TestSecret.StreamLength(10)));
        (await api.StatusOfAsync(withStream)).State.ShouldBe(SecretStates.Uploading);
        (await api.UploadAsync(withStream, withStream.Secret.Stream!)).Dispose();
        (await api.StatusOfAsync(withStream)).State.ShouldBe(SecretStates.Unread);
    }

    [Fact]
    public async Task Manage_routes_refuse_missing_malformed_and_wrong_tokens()
    {
        var (_, api) = await ServerAsync();
        var created = await api.CreateAsync(new TestSecret());
        foreach (var header in new[] { null, "Basic " + created.ManageToken, "Bearer " + created.ManageToken[..42], "Bearer " + TestSecret.RandomKey(), "Bearer" })
        {
            var request = new HttpRequestMessage(HttpMethod.Get, $"api/secrets/{created.Id}/manage");
            if (header is not null)
            {
                request.Headers.TryAddWithoutValidation("Authorization", header);
            }

            using var response = await api.Http.SendAsync(request);
            await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized);
        }

        using var unknown = await api.StatusAsync(TestSecret.B64(new byte[16]), created.ManageToken);
        await unknown.ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
    }

    [Fact]
    public async Task File_stream_uploads_whole_and_downloads_with_ranges()
    {
        var (server, api) = await ServerAsync();
        var length = TestSecret.StreamLength(200_000);
        var created = await api.CreateUploadedAsync(new TestSecret(streamBytes: length, maxViews: 1));

        using (var look = await api.LookAsync(created.Id))
        {
            var body = await look.ShouldBeJsonAsync(HttpStatusCode.OK, ParleyJsonContext.Default.SecretLookResponse);
            body.State.ShouldBe(SecretStates.Available);
            body.StreamBytes.ShouldBe(length);
        }

        OpenSecretResponse opened;
        using (var open = await api.OpenAsync(created))
        {
            opened = await open.ShouldBeJsonAsync(HttpStatusCode.OK, ParleyJsonContext.Default.OpenSecretResponse);
        }

        var ticket = opened.Stream.ShouldNotBeNull();
        ticket.Bytes.ShouldBe(length);
        ticket.ExpiresAt.ShouldBe(server.Time!.GetUtcNow() + TimeSpan.FromHours(1));
        var stream = created.Secret.Stream!;

        using (var whole = await api.DownloadAsync(created.Id, ticket.DownloadToken))
        {
            whole.StatusCode.ShouldBe(HttpStatusCode.OK);
            whole.Headers.AcceptRanges.ShouldContain("bytes");
            whole.Content.Headers.ContentType!.MediaType.ShouldBe("application/octet-stream");
            (await whole.Content.ReadAsByteArrayAsync()).ShouldBe(stream);
        }

        foreach (var (range, from, count) in new[]
                 {
                     ("bytes=0-0", 0L, 1L), ("bytes=10-99", 10, 90), ("bytes=70000-", 70000, length - 70000),
                     ("bytes=-16", length - 16, 16), ("bytes=65000-70000", 65000, 5001), ("bytes=100-999999999", 100, length - 100),
                     ("bytes=100-9999999999999999999999", 100, length - 100), ("bytes=-9999999999999999999999", 0, length),
                 })
        {
            using var part = await api.DownloadAsync(created.Id, ticket.DownloadToken, range);
            part.StatusCode.ShouldBe(HttpStatusCode.PartialContent, range);
            part.Content.Headers.ContentRange!.ToString().ShouldBe($"bytes {from}-{from + count - 1}/{length}");
            (await part.Content.ReadAsByteArrayAsync()).ShouldBe(stream.AsSpan((int)from, (int)count).ToArray(), range);
        }

        // A first position past the end is unsatisfiable however many digits it has.
        foreach (var range in new[] { $"bytes={length}-", "bytes=9999999999999999999999-", "bytes=9999999999999999999999-99999999999999999999999" })
        {
            using var beyond = await api.DownloadAsync(created.Id, ticket.DownloadToken, range);
            await beyond.ShouldBeProblemAsync(HttpStatusCode.RequestedRangeNotSatisfiable, ProblemTypes.RangeNotSatisfiable);
            beyond.Content.Headers.ContentRange!.ToString().ShouldBe($"bytes */{length}", range);
        }

        using (var ignored = await api.DownloadAsync(created.Id, ticket.DownloadToken, "bytes=0-1,5-6"))
        {
            ignored.StatusCode.ShouldBe(HttpStatusCode.OK);
            (await ignored.Content.ReadAsByteArrayAsync()).Length.ShouldBe((int)length);
        }

        using (var wrong = await api.DownloadAsync(created.Id, TestSecret.RandomKey()))
        {
            await wrong.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized);
        }

        // The reader is done: ending the download deletes the stream of a used-up secret at once.
        using (var end = await api.EndDownloadAsync(created.Id, ticket.DownloadToken))
        {
            end.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        }

        (await server.RecordAsync(created.Id)).StreamStored.ShouldBeFalse();
        using (var after = await api.DownloadAsync(created.Id, ticket.DownloadToken))
        {
            await after.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized);
        }
    }

    [Fact]
    public async Task File_stream_uploads_in_parts_and_refuses_parts_out_of_place()
    {
        var (server, api) = await ServerAsync();
        var length = TestSecret.StreamLength(150_000);
        var created = await api.CreateAsync(new TestSecret(streamBytes: length, maxViews: 2));
        var stream = created.Secret.Stream!;
        const int Cut1 = 70_001, Cut2 = 140_000;

        using (var notReady = await api.OpenAsync(created))
        {
            await notReady.ShouldBeProblemAsync(HttpStatusCode.Conflict, ProblemTypes.NotReady);
        }

        using (var look = await api.LookAsync(created.Id))
        {
            (await look.ShouldBeJsonAsync(HttpStatusCode.OK, ParleyJsonContext.Default.SecretLookResponse)).State.ShouldBe(SecretStates.Uploading);
        }

        using (var first = await api.UploadAsync(created, stream[..Cut1], $"bytes 0-{Cut1 - 1}/{length}"))
        {
            first.StatusCode.ShouldBe(HttpStatusCode.NoContent);
            first.Headers.GetValues(SecretHeaders.Received).Single().ShouldBe(Cut1.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        using (var repeat = await api.UploadAsync(created, stream[..Cut1], $"bytes 0-{Cut1 - 1}/{length}"))
        {
            (await repeat.ShouldBeProblemAsync(HttpStatusCode.Conflict, ProblemTypes.UploadConflict)).GetProperty("received").GetInt64().ShouldBe(Cut1);
        }

        using (var gap = await api.UploadAsync(created, stream[(Cut1 + 10)..Cut2], $"bytes {Cut1 + 10}-{Cut2 - 1}/{length}"))
        {
            (await gap.ShouldBeProblemAsync(HttpStatusCode.Conflict, ProblemTypes.UploadConflict)).GetProperty("received").GetInt64().ShouldBe(Cut1);
        }

        using (var whole = await api.UploadAsync(created, stream))
        {
            await whole.ShouldBeProblemAsync(HttpStatusCode.Conflict, ProblemTypes.UploadConflict);
        }

        using (var second = await api.UploadAsync(created, stream[Cut1..Cut2], $"bytes {Cut1}-{Cut2 - 1}/{length}", chunked: true))
        {
            second.StatusCode.ShouldBe(HttpStatusCode.NoContent, await second.Content.ReadAsStringAsync());
        }

        using (var last = await api.UploadAsync(created, stream[Cut2..], $"bytes {Cut2}-{length - 1}/{length}"))
        {
            (await last.ShouldBeJsonAsync(HttpStatusCode.OK, ParleyJsonContext.Default.UploadCompleteResponse)).Complete.ShouldBeTrue();
        }

        using (var late = await api.UploadAsync(created, stream[Cut2..], $"bytes {Cut2}-{length - 1}/{length}"))
        {
            (await late.ShouldBeProblemAsync(HttpStatusCode.Conflict, ProblemTypes.UploadConflict)).GetProperty("received").GetInt64().ShouldBe(length);
        }

        for (var view = 0; view < 2; view++)
        {
            using var open = await api.OpenAsync(created);
            var ticket = (await open.ShouldBeJsonAsync(HttpStatusCode.OK, ParleyJsonContext.Default.OpenSecretResponse)).Stream.ShouldNotBeNull();
            using var download = await api.DownloadAsync(created.Id, ticket.DownloadToken);
            (await download.Content.ReadAsByteArrayAsync()).ShouldBe(stream);
        }

        (await server.RecordAsync(created.Id)).StreamReceived.ShouldBe(length);
    }

    [Fact]
    public async Task Truncated_or_overlong_upload_changes_nothing()
    {
        var (server, api) = await ServerAsync();
        var length = TestSecret.StreamLength(100_000);
        var created = await api.CreateAsync(new TestSecret(streamBytes: length));
        var stream = created.Secret.Stream!;
        var before = (await server.RecordAsync(created.Id)).Describe();

        using (var truncated = await api.UploadAsync(created, stream[..^100], chunked: true))
        {
            await truncated.ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest);
        }

        using (var overlong = await api.UploadAsync(created, [.. stream, 1, 2, 3], chunked: true))
        {
            await overlong.ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest);
        }

        using (var shortPart = await api.UploadAsync(created, stream[..500], $"bytes 0-999/{length}", chunked: true))
        {
            await shortPart.ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.InvalidRequest);
        }

        (await server.RecordAsync(created.Id)).Describe().ShouldBe(before);
        using var good = await api.UploadAsync(created, stream);
        good.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var open = await api.OpenAsync(created);
        var ticket = (await open.ShouldBeJsonAsync(HttpStatusCode.OK, ParleyJsonContext.Default.OpenSecretResponse)).Stream!;
        using var download = await api.DownloadAsync(created.Id, ticket.DownloadToken);
        (await download.Content.ReadAsByteArrayAsync()).ShouldBe(stream);
    }

    [Fact]
    public async Task Destroying_deletes_the_stream_at_once()
    {
        var (server, api) = await ServerAsync();
        var created = await api.CreateUploadedAsync(new TestSecret(streamBytes: TestSecret.StreamLength(5000), maxViews: 2));
        using var open = await api.OpenAsync(created);
        var ticket = (await open.ShouldBeJsonAsync(HttpStatusCode.OK, ParleyJsonContext.Default.OpenSecretResponse)).Stream!;
        (await api.DestroyAsync(created.Id, created.ManageToken)).Dispose();
        (await server.RecordAsync(created.Id)).StreamStored.ShouldBeFalse();
        using var download = await api.DownloadAsync(created.Id, ticket.DownloadToken);
        download.StatusCode.ShouldBeOneOf(HttpStatusCode.Unauthorized, HttpStatusCode.Gone);
    }

    [Fact]
    public async Task Sweeper_deletes_abandoned_uploads_expired_content_and_old_tombstones()
    {
        var (server, api) = await ServerAsync();
        var abandoned = await api.CreateAsync(new TestSecret(streamBytes: TestSecret.StreamLength(10)));
        var expiring = await api.CreateUploadedAsync(new TestSecret(streamBytes: TestSecret.StreamLength(10), expiresInSeconds: 86400));
        var opened = await api.CreateAsync(new TestSecret(expiresInSeconds: 86400));
        (await api.OpenAsync(opened)).Dispose();

        server.Time!.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        await server.Sweeper().SweepOnceAsync();
        using (var gone = await api.StatusAsync(abandoned.Id, abandoned.ManageToken))
        {
            await gone.ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
        }

        (await server.RecordAsync(expiring.Id)).StreamStored.ShouldBeTrue();
        server.Time.Advance(TimeSpan.FromDays(1));
        await server.Sweeper().SweepOnceAsync();
        var expired = await server.RecordAsync(expiring.Id);
        expired.StreamStored.ShouldBeFalse();
        (await api.StatusOfAsync(expiring)).State.ShouldBe(SecretStates.Expired);
        (await api.StatusOfAsync(opened)).State.ShouldBe(SecretStates.Opened);

        server.Time.Advance(TimeSpan.FromDays(7));
        await server.Sweeper().SweepOnceAsync();
        foreach (var c in new[] { expiring, opened })
        {
            using var purged = await api.StatusAsync(c.Id, c.ManageToken);
            await purged.ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
        }
    }

    [Fact]
    public async Task Download_window_closes_and_the_stream_is_swept()
    {
        var (server, api) = await ServerAsync();
        var created = await api.CreateUploadedAsync(new TestSecret(streamBytes: TestSecret.StreamLength(1000), expiresInSeconds: 86400));
        using var open = await api.OpenAsync(created);
        var ticket = (await open.ShouldBeJsonAsync(HttpStatusCode.OK, ParleyJsonContext.Default.OpenSecretResponse)).Stream!;
        await server.Sweeper().SweepOnceAsync();
        (await server.RecordAsync(created.Id)).StreamStored.ShouldBeTrue(); // the reader still downloads

        server.Time!.Advance(TimeSpan.FromHours(1));
        using (var closed = await api.DownloadAsync(created.Id, ticket.DownloadToken))
        {
            await closed.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized);
        }

        await server.Sweeper().SweepOnceAsync();
        (await server.RecordAsync(created.Id)).StreamStored.ShouldBeFalse();
    }

    [Fact]
    public async Task Two_hundred_racing_opens_of_a_single_view_secret_have_exactly_one_winner()
    {
        var (server, api) = await ServerAsync();
        using var http = server.CreateClient();
        var racer = new SecretsHttp(http);
        for (var round = 0; round < 50; round++)
        {
            var created = await api.CreateAsync(new TestSecret());
            using var start = new ManualResetEventSlim();
            var opens = Enumerable.Range(0, 200).Select(_ => Task.Run(async () =>
            {
                using var response = await racer.OpenAsync(created);
                var body = await response.Content.ReadAsStringAsync();
                return (response.StatusCode, body);
            })).ToArray();
            var results = await Task.WhenAll(opens);
            var winners = results.Where(r => r.StatusCode == HttpStatusCode.OK).ToList();
            winners.Count.ShouldBe(1, $"round {round}");
            winners[0].body.ShouldContain(TestSecret.B64(created.Secret.Manifest));
            results.Where(r => r.StatusCode != HttpStatusCode.OK)
                .ShouldAllBe(r => r.StatusCode == HttpStatusCode.Gone && r.body.Contains(ProblemTypes.AlreadyOpened));
            var record = await server.RecordAsync(created.Id);
            record.ViewsLeft.ShouldBe(0);
            record.OpenedAt.Count.ShouldBe(1);
        }
    }

    [Fact]
    public async Task Logs_never_carry_ids_tokens_keys_or_content()
    {
        var (server, api) = await ServerAsync();
        var created = await api.CreateUploadedAsync(new TestSecret(passphrase: "pw", streamBytes: TestSecret.StreamLength(100), maxViews: 2));
        (await api.OpenAsync(created.Id, created.Secret.AccessKeyText, TestSecret.RandomKey())).Dispose();
        (await api.OpenAsync(created.Id, TestSecret.RandomKey(), null)).Dispose();
        using var open = await api.OpenAsync(created);
        var ticket = (await open.ShouldBeJsonAsync(HttpStatusCode.OK, ParleyJsonContext.Default.OpenSecretResponse)).Stream!;
        (await api.DownloadAsync(created.Id, ticket.DownloadToken)).Dispose();
        (await api.StatusAsync(created.Id, created.ManageToken)).Dispose();
        (await api.DestroyAsync(created.Id, created.ManageToken)).Dispose();
        (await api.PostRawAsync("api/secrets", "{\"manifest\":\"" + created.ManageToken + "\"}")).Dispose();

        var logs = server.Logs.Text;
        logs.ShouldNotBeEmpty();
        var request = created.Secret.ToRequest();
        foreach (var secret in new[]
                 {
                     created.Id, created.ManageToken, created.Secret.AccessKeyText, created.Secret.PassphraseProofText!, ticket.DownloadToken,
                     request.Manifest[..40], request.AccessVerifier!, request.Passphrase!.Verifier!, request.Passphrase.Salt,
                     Convert.ToHexString(created.Secret.AccessKey), Convert.ToHexString(created.Secret.Manifest[..16]),
                 })
        {
            logs.ShouldNotContain(secret, Case.Insensitive);
        }
    }

    public static TheoryData<string> MalformedCases => [.. MalformedInput.Cases.Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(MalformedCases))]
    public async Task Malformed_input_gets_a_problem_and_changes_nothing(string name)
    {
        var (server, api) = await ServerAsync();
        var testCase = MalformedInput.Cases.Single(c => c.Name == name);
        var text = await api.CreateAsync(new TestSecret(passphrase: "pw"));
        var streamed = await api.CreateAsync(new TestSecret(streamBytes: TestSecret.StreamLength(70_000)));
        var count = await server.Store().CountAsync(CancellationToken.None);
        var textBefore = (await server.RecordAsync(text.Id)).Describe();
        var streamedBefore = (await server.RecordAsync(streamed.Id)).Describe();

        using (var response = await testCase.Send(new MalformedInput.Context(api, text, streamed)))
        {
            await response.ShouldBeProblemAsync(testCase.Status, testCase.Type);
        }

        (await server.Store().CountAsync(CancellationToken.None)).ShouldBe(count);
        (await server.RecordAsync(text.Id)).Describe().ShouldBe(textBefore);
        (await server.RecordAsync(streamed.Id)).Describe().ShouldBe(streamedBefore);
        using var health = await api.Http.GetAsync("healthz");
        health.StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}

public sealed class MemorySecretsApiTests(MemoryServer server) : SecretsApiContract(server), IClassFixture<MemoryServer>;

public sealed class SqliteSecretsApiTests(SqliteServer server) : SecretsApiContract(server), IClassFixture<SqliteServer>;

public sealed class PostgresSecretsApiTests(PostgresServer server) : SecretsApiContract(server), IClassFixture<PostgresServer>;
