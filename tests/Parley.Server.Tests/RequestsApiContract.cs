using System.Net;
using System.Security.Cryptography;
using Parley.Contracts;
using Parley.Contracts.Requests;
using Parley.Contracts.Secrets;
using Parley.Server.Features.Requests;
using Parley.Server.Features.Secrets;
using Parley.Server.Tests.Support;

namespace Parley.Server.Tests;

/// <summary>
/// The request-a-secret API contract, over real HTTP against real Kestrel, on every storage provider
/// (see the classes at the end of this file). Answers are opened through the secrets API, as a
/// requester's client does.
/// </summary>
public abstract class RequestsApiContract(ProviderServer provider)
{
    private async Task<(ParleyTestServer Server, RequestsHttp Api)> ServerAsync()
    {
        var server = await provider.GetAsync();
        return (server, server.Requests());
    }

    [Fact]
    public async Task A_request_takes_one_answer_that_only_the_requester_opens_once()
    {
        var (server, api) = await ServerAsync();
        var request = await api.CreateAsync(new TestRequest());
        request.ExpiresAt.ShouldBe(server.Time!.GetUtcNow().AddHours(1));

        using (var look = await api.LookAsync(request))
        {
            var body = await look.ShouldBeJsonAsync(HttpStatusCode.OK, RequestsJsonContext.Default.RequestLookResponse);
            body.State.ShouldBe(RequestStates.Waiting);
            body.Label.ShouldBe("VPN password for ACME");
            body.ExpiresAt.ShouldBe(request.ExpiresAt);
        }

        using (var notYet = await api.OpenAnswerAsync(request))
        {
            await notYet.ShouldBeProblemAsync(HttpStatusCode.Conflict, RequestProblemTypes.NotAnswered);
        }

        var answer = new TestAnswer(new TestSecret());
        var secret = await api.AnswerOkAsync(request, answer);
        var answeredAt = server.Time.GetUtcNow();

        using (var look = await api.LookAsync(request))
        {
            (await look.ShouldBeProblemAsync(HttpStatusCode.Conflict, RequestProblemTypes.AlreadyAnswered))
                .GetProperty("answeredAt").GetDateTimeOffset().ShouldBe(answeredAt);
        }

        (await api.StatusOfAsync(request)).State.ShouldBe(RequestStates.Answered);
        using (var fetched = await api.OpenAnswerAsync(request))
        {
            var body = await fetched.ShouldBeJsonAsync(HttpStatusCode.OK, RequestsJsonContext.Default.RequestAnswerResponse);
            body.SecretId.ShouldBe(secret.Id);
            body.EphemeralKey.ShouldBe(TestSecret.B64(answer.EphemeralKey));
            body.AnsweredAt.ShouldBe(answeredAt);
        }

        using (var open = await api.Secrets.OpenAsync(secret))
        {
            var body = await open.ShouldBeJsonAsync(HttpStatusCode.OK, ParleyJsonContext.Default.OpenSecretResponse);
            body.Manifest.ShouldBe(TestSecret.B64(answer.Secret.Manifest));
            body.ViewsLeft.ShouldBe(0);
        }

        using (var again = await api.Secrets.OpenAsync(secret))
        {
            await again.ShouldBeProblemAsync(HttpStatusCode.Gone, ProblemTypes.AlreadyOpened);
        }

        var status = await api.StatusOfAsync(request);
        status.State.ShouldBe(RequestStates.Opened);
        status.AnsweredAt.ShouldBe(answeredAt);
        status.OpenedAt.ShouldBe([answeredAt]);
        (await server.RecordAsync(secret.Id)).ExpiresAt.ShouldBe(request.ExpiresAt);
    }

    [Fact]
    public async Task Looking_needs_the_send_token_and_never_changes_a_request()
    {
        var (server, api) = await ServerAsync();
        var request = await api.CreateAsync(new TestRequest());
        var before = (await server.RequestRecordAsync(request.Id)).Describe();
        for (var i = 0; i < 10; i++)
        {
            using var noToken = await api.LookAsync(request.Id, null);
            await noToken.ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
            using var wrongToken = await api.LookAsync(request.Id, TestSecret.RandomKey());
            await wrongToken.ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
            using var requesterToken = await api.LookAsync(request.Id, request.Request.RequestTokenText);
            await requesterToken.ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
            using var right = await api.LookAsync(request);
            right.StatusCode.ShouldBe(HttpStatusCode.OK);
            (await api.StatusAsync(request.Id, request.Request.RequestTokenText)).Dispose();
            (await api.OpenAnswerAsync(request)).Dispose();
        }

        (await server.RequestRecordAsync(request.Id)).Describe().ShouldBe(before);
    }

    [Fact]
    public async Task A_second_answer_is_refused_and_changes_nothing()
    {
        var (server, api) = await ServerAsync();
        var request = await api.CreateAsync(new TestRequest());
        var first = await api.AnswerOkAsync(request, new TestAnswer(new TestSecret()));
        var secrets = await server.Store().CountAsync(CancellationToken.None);
        var before = (await server.RequestRecordAsync(request.Id)).Describe();

        server.Time!.Advance(TimeSpan.FromMinutes(1));
        using (var second = await api.AnswerAsync(request, new TestAnswer(new TestSecret())))
        {
            (await second.ShouldBeProblemAsync(HttpStatusCode.Conflict, RequestProblemTypes.AlreadyAnswered))
                .GetProperty("answeredAt").GetDateTimeOffset().ShouldBe(server.Time.GetUtcNow().AddMinutes(-1));
        }

        (await server.Store().CountAsync(CancellationToken.None)).ShouldBe(secrets);
        (await server.RequestRecordAsync(request.Id)).Describe().ShouldBe(before);

        (await api.Secrets.OpenAsync(first)).StatusCode.ShouldBe(HttpStatusCode.OK);
        using var afterOpen = await api.AnswerAsync(request, new TestAnswer(new TestSecret()));
        await afterOpen.ShouldBeProblemAsync(HttpStatusCode.Conflict, RequestProblemTypes.AlreadyAnswered);
    }

    [Fact]
    public async Task Posting_an_answer_needs_the_send_token()
    {
        var (server, api) = await ServerAsync();
        var request = await api.CreateAsync(new TestRequest());
        var secrets = await server.Store().CountAsync(CancellationToken.None);
        foreach (var token in new[] { TestSecret.RandomKey(), request.Request.RequestTokenText })
        {
            using var wrong = await api.AnswerAsync(request.Id, new TestAnswer(new TestSecret()).ToRequest(token));
            await wrong.ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
        }

        (await server.Store().CountAsync(CancellationToken.None)).ShouldBe(secrets);
        (await api.StatusOfAsync(request)).State.ShouldBe(RequestStates.Waiting);
        await api.AnswerOkAsync(request, new TestAnswer(new TestSecret()));
    }

    [Fact]
    public async Task An_answer_with_files_is_uploaded_and_downloaded_through_the_secrets_stream()
    {
        var (server, api) = await ServerAsync();
        var request = await api.CreateAsync(new TestRequest(label: null));
        var answer = new TestAnswer(new TestSecret(streamBytes: TestSecret.StreamLength(150_000)));
        var secret = await api.AnswerOkAsync(request, answer);
        (await api.StatusOfAsync(request)).State.ShouldBe(RequestStates.Uploading);
        using (var look = await api.LookAsync(request))
        {
            await look.ShouldBeProblemAsync(HttpStatusCode.Conflict, RequestProblemTypes.AlreadyAnswered);
        }

        using (var notReady = await api.Secrets.OpenAsync(secret))
        {
            await notReady.ShouldBeProblemAsync(HttpStatusCode.Conflict, ProblemTypes.NotReady);
        }

        using (var upload = await api.Secrets.UploadAsync(secret, answer.Secret.Stream!))
        {
            upload.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        (await api.StatusOfAsync(request)).State.ShouldBe(RequestStates.Answered);
        using var open = await api.Secrets.OpenAsync(secret);
        var ticket = (await open.ShouldBeJsonAsync(HttpStatusCode.OK, ParleyJsonContext.Default.OpenSecretResponse)).Stream.ShouldNotBeNull();
        using var download = await api.Secrets.DownloadAsync(secret.Id, ticket.DownloadToken);
        (await download.Content.ReadAsByteArrayAsync()).ShouldBe(answer.Secret.Stream!);
        (await api.StatusOfAsync(request)).State.ShouldBe(RequestStates.Opened);
    }

    [Fact]
    public async Task The_requester_sees_the_status_and_wrong_access_keys_on_the_answer()
    {
        var (server, api) = await ServerAsync();
        var request = await api.CreateAsync(new TestRequest());
        var status = await api.StatusOfAsync(request);
        status.State.ShouldBe(RequestStates.Waiting);
        status.Label.ShouldBe("VPN password for ACME");
        status.CreatedAt.ShouldBe(server.Time!.GetUtcNow());
        status.ExpiresAt.ShouldBe(request.ExpiresAt);
        status.AnsweredAt.ShouldBeNull();
        status.OpenedAt.ShouldBeEmpty();
        status.FailedAttempts.ShouldBe(0);
        status.DestroyedAt.ShouldBeNull();

        var secret = await api.AnswerOkAsync(request, new TestAnswer(new TestSecret()));
        for (var i = 0; i < 3; i++)
        {
            using var wrong = await api.Secrets.OpenAsync(secret.Id, TestSecret.RandomKey());
            await wrong.ShouldBeProblemAsync(HttpStatusCode.Forbidden, ProblemTypes.AccessDenied);
        }

        status = await api.StatusOfAsync(request);
        status.State.ShouldBe(RequestStates.Answered);
        status.FailedAttempts.ShouldBe(3);
        status.AnsweredAt.ShouldBe(server.Time.GetUtcNow());
    }

    [Fact]
    public async Task Requester_routes_refuse_missing_malformed_and_wrong_tokens()
    {
        var (_, api) = await ServerAsync();
        var request = await api.CreateAsync(new TestRequest());
        var other = await api.CreateAsync(new TestRequest());
        foreach (var path in new[] { $"api/requests/{request.Id}/manage", $"api/requests/{request.Id}/answer" })
        {
            foreach (var header in new[]
                     {
                         null, "Basic " + request.Request.RequestTokenText, "Bearer " + request.Request.RequestTokenText[..42],
                         "Bearer " + request.Request.SendTokenText, "Bearer " + other.Request.RequestTokenText, "Bearer",
                     })
            {
                var message = new HttpRequestMessage(HttpMethod.Get, path);
                if (header is not null)
                {
                    message.Headers.TryAddWithoutValidation("Authorization", header);
                }

                using var response = await api.Http.SendAsync(message);
                await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized);
            }
        }

        using var unknown = await api.StatusAsync(TestSecret.B64(new byte[16]), request.Request.RequestTokenText);
        await unknown.ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
        (await api.StatusOfAsync(request)).State.ShouldBe(RequestStates.Waiting);
    }

    [Fact]
    public async Task The_requester_withdraws_a_waiting_request_and_the_responder_is_told()
    {
        var (server, api) = await ServerAsync();
        var request = await api.CreateAsync(new TestRequest());
        using (var wrong = await api.DestroyAsync(request.Id, request.Request.SendTokenText))
        {
            await wrong.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized);
        }

        using (var destroy = await api.DestroyAsync(request))
        {
            destroy.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        }

        var now = server.Time!.GetUtcNow();
        var record = await server.RequestRecordAsync(request.Id);
        record.Label.ShouldBeNull();
        record.DestroyedAt.ShouldBe(now);

        using (var look = await api.LookAsync(request))
        {
            (await look.ShouldBeProblemAsync(HttpStatusCode.Gone, ProblemTypes.Destroyed)).GetProperty("destroyedAt").GetDateTimeOffset().ShouldBe(now);
        }

        var secrets = await server.Store().CountAsync(CancellationToken.None);
        using (var answer = await api.AnswerAsync(request, new TestAnswer(new TestSecret())))
        {
            await answer.ShouldBeProblemAsync(HttpStatusCode.Gone, ProblemTypes.Destroyed);
        }

        (await server.Store().CountAsync(CancellationToken.None)).ShouldBe(secrets);
        using (var open = await api.OpenAnswerAsync(request))
        {
            await open.ShouldBeProblemAsync(HttpStatusCode.Gone, ProblemTypes.Destroyed);
        }

        var status = await api.StatusOfAsync(request);
        status.State.ShouldBe(RequestStates.Destroyed);
        status.DestroyedAt.ShouldBe(now);
        server.Time.Advance(TimeSpan.FromMinutes(1));
        (await api.DestroyAsync(request)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await server.RequestRecordAsync(request.Id)).Describe().ShouldBe(record.Describe());
    }

    [Fact]
    public async Task Destroying_an_answered_request_destroys_its_unread_answer()
    {
        var (server, api) = await ServerAsync();
        var request = await api.CreateAsync(new TestRequest());
        var secret = await api.AnswerOkAsync(request, new TestAnswer(new TestSecret(streamBytes: TestSecret.StreamLength(1000))));
        (await api.Secrets.UploadAsync(secret, secret.Secret.Stream!)).Dispose();
        (await api.DestroyAsync(request)).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        using (var open = await api.Secrets.OpenAsync(secret))
        {
            await open.ShouldBeProblemAsync(HttpStatusCode.Gone, ProblemTypes.Destroyed);
        }

        var record = await server.RecordAsync(secret.Id);
        record.StreamStored.ShouldBeFalse();
        record.PhaseAt(server.Time!.GetUtcNow()).ShouldBe(SecretPhase.Destroyed);
        (await api.StatusOfAsync(request)).State.ShouldBe(RequestStates.Destroyed);
    }

    [Fact]
    public async Task An_opened_answer_stays_opened_when_the_request_is_destroyed()
    {
        var (_, api) = await ServerAsync();
        var request = await api.CreateAsync(new TestRequest());
        var secret = await api.AnswerOkAsync(request, new TestAnswer(new TestSecret()));
        (await api.Secrets.OpenAsync(secret)).Dispose();
        (await api.DestroyAsync(request)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var status = await api.StatusOfAsync(request);
        status.State.ShouldBe(RequestStates.Destroyed);
        status.OpenedAt.Count.ShouldBe(1);
        using var again = await api.Secrets.OpenAsync(secret);
        await again.ShouldBeProblemAsync(HttpStatusCode.Gone, ProblemTypes.AlreadyOpened);
    }

    [Fact]
    public async Task A_request_and_its_answer_expire_together()
    {
        var (server, api) = await ServerAsync();
        var unanswered = await api.CreateAsync(new TestRequest(expiresInSeconds: 300));
        var answered = await api.CreateAsync(new TestRequest(expiresInSeconds: 300));
        var secret = await api.AnswerOkAsync(answered, new TestAnswer(new TestSecret()));
        server.Time!.Advance(TimeSpan.FromSeconds(300));

        using (var look = await api.LookAsync(unanswered))
        {
            (await look.ShouldBeProblemAsync(HttpStatusCode.Gone, ProblemTypes.Expired)).GetProperty("expiredAt").GetDateTimeOffset()
                .ShouldBe(unanswered.ExpiresAt);
        }

        using (var answer = await api.AnswerAsync(unanswered, new TestAnswer(new TestSecret())))
        {
            await answer.ShouldBeProblemAsync(HttpStatusCode.Gone, ProblemTypes.Expired);
        }

        using (var open = await api.OpenAnswerAsync(answered))
        {
            await open.ShouldBeProblemAsync(HttpStatusCode.Gone, ProblemTypes.Expired);
        }

        using (var openSecret = await api.Secrets.OpenAsync(secret))
        {
            await openSecret.ShouldBeProblemAsync(HttpStatusCode.Gone, ProblemTypes.Expired);
        }

        (await api.StatusOfAsync(unanswered)).State.ShouldBe(RequestStates.Expired);
        (await api.StatusOfAsync(answered)).State.ShouldBe(RequestStates.Expired);
        (await api.DestroyAsync(answered)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await api.StatusOfAsync(answered)).State.ShouldBe(RequestStates.Expired);
    }

    [Fact]
    public async Task An_answer_withdrawn_before_it_was_opened_lets_the_request_be_answered_again()
    {
        var (server, api) = await ServerAsync();
        var request = await api.CreateAsync(new TestRequest());
        var withdrawn = await api.AnswerOkAsync(request, new TestAnswer(new TestSecret(streamBytes: TestSecret.StreamLength(500))));
        // The responder's upload failed and its client destroyed the half-made answer with the upload token.
        (await api.Secrets.DestroyAsync(withdrawn.Id, withdrawn.ManageToken)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await api.StatusOfAsync(request)).State.ShouldBe(RequestStates.Waiting);
        using (var look = await api.LookAsync(request))
        {
            look.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        server.Time!.Advance(TimeSpan.FromMinutes(2));
        var answer = new TestAnswer(new TestSecret());
        var second = await api.AnswerOkAsync(request, answer);
        using var fetched = await api.OpenAnswerAsync(request);
        var body = await fetched.ShouldBeJsonAsync(HttpStatusCode.OK, RequestsJsonContext.Default.RequestAnswerResponse);
        body.SecretId.ShouldBe(second.Id);
        body.EphemeralKey.ShouldBe(TestSecret.B64(answer.EphemeralKey));
        body.AnsweredAt.ShouldBe(server.Time.GetUtcNow());
        using var old = await api.Secrets.OpenAsync(withdrawn);
        await old.ShouldBeProblemAsync(HttpStatusCode.Gone, ProblemTypes.Destroyed);
    }

    [Fact]
    public async Task An_answer_whose_upload_was_abandoned_is_swept_and_the_request_waits_again()
    {
        var (server, api) = await ServerAsync();
        var request = await api.CreateAsync(new TestRequest(expiresInSeconds: 86400));
        await api.AnswerOkAsync(request, new TestAnswer(new TestSecret(streamBytes: TestSecret.StreamLength(500))));
        server.Time!.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        await server.Sweeper().SweepOnceAsync();
        (await api.StatusOfAsync(request)).State.ShouldBe(RequestStates.Waiting);
        await api.AnswerOkAsync(request, new TestAnswer(new TestSecret()));
        (await api.StatusOfAsync(request)).State.ShouldBe(RequestStates.Answered);
    }

    [Fact]
    public async Task Sweeper_drops_labels_at_expiry_and_records_after_the_retention()
    {
        var (server, api) = await ServerAsync();
        var request = await api.CreateAsync(new TestRequest(expiresInSeconds: 300));
        var live = await api.CreateAsync(new TestRequest(expiresInSeconds: 86400));
        server.Time!.Advance(TimeSpan.FromSeconds(301));
        await server.RequestSweeper().SweepOnceAsync();
        (await server.RequestRecordAsync(request.Id)).Label.ShouldBeNull();
        (await server.RequestRecordAsync(live.Id)).Label.ShouldBe("VPN password for ACME");
        (await api.StatusOfAsync(request)).State.ShouldBe(RequestStates.Expired);

        server.Time.Advance(TimeSpan.FromDays(7));
        await server.RequestSweeper().SweepOnceAsync();
        using var purged = await api.StatusAsync(request.Id, request.Request.RequestTokenText);
        await purged.ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
        (await server.RequestRecordAsync(live.Id)).ShouldNotBeNull();
    }

    [Fact]
    public async Task The_sweeper_runs_by_itself_on_the_servers_clock()
    {
        var (server, api) = await ServerAsync();
        var request = await api.CreateAsync(new TestRequest(expiresInSeconds: 300));
        server.Time!.Advance(TimeSpan.FromSeconds(301));
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await server.RequestRecordAsync(request.Id)).Label is not null)
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, "the timer-driven sweep did not drop the expired request's label");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task A_hundred_racing_answers_to_one_request_have_exactly_one_winner()
    {
        var (server, _) = await ServerAsync();
        using var http = server.CreateClient();
        var racer = new RequestsHttp(http);
        for (var round = 0; round < 5; round++)
        {
            var request = await racer.CreateAsync(new TestRequest());
            var answers = Enumerable.Range(0, 100).Select(_ => new TestAnswer(new TestSecret())).ToList();
            var results = await Task.WhenAll(answers.Select(a => Task.Run(async () =>
            {
                using var response = await racer.AnswerAsync(request, a);
                return (a, response.StatusCode, Body: await response.Content.ReadAsStringAsync());
            })));
            var winners = results.Where(r => r.StatusCode == HttpStatusCode.Created).ToList();
            winners.Count.ShouldBe(1, $"round {round}");
            results.Where(r => r.StatusCode != HttpStatusCode.Created)
                .ShouldAllBe(r => r.StatusCode == HttpStatusCode.Conflict && r.Body.Contains(RequestProblemTypes.AlreadyAnswered));

            var winner = System.Text.Json.JsonDocument.Parse(winners[0].Body).RootElement.GetProperty("secretId").GetString()!;
            var record = await server.RequestRecordAsync(request.Id);
            record.Answer.ShouldNotBeNull().SecretId.ToString().ShouldBe(winner);
            record.Answer.EphemeralKey.ShouldBe(winners[0].a.EphemeralKey);
            using var open = await racer.Secrets.OpenAsync(winner, winners[0].a.Secret.AccessKeyText);
            (await open.ShouldBeJsonAsync(HttpStatusCode.OK, ParleyJsonContext.Default.OpenSecretResponse)).Manifest
                .ShouldBe(TestSecret.B64(winners[0].a.Secret.Manifest));
        }
    }

    [Fact]
    public async Task The_stores_compare_and_set_lets_exactly_one_of_a_hundred_racing_answers_in()
    {
        // The HTTP race above depends on timing; this one hits the store's single statement directly,
        // all racers having read the request while it had no answer.
        var (server, api) = await ServerAsync();
        var store = server.RequestStore();
        for (var round = 0; round < 5; round++)
        {
            var request = await api.CreateAsync(new TestRequest());
            SecretId.TryParse(request.Id, out var id).ShouldBeTrue();
            var now = server.Time!.GetUtcNow();
            var answers = Enumerable.Range(0, 100).Select(_ => new RequestAnswer(SecretId.New(), RandomNumberGenerator.GetBytes(32), now)).ToList();
            using var start = new ManualResetEventSlim();
            var racers = answers.Select(a => Task.Run(async () =>
            {
                start.Wait();
                return (a, Won: await store.TryAnswerAsync(id, null, a, now, CancellationToken.None) is null);
            })).ToList();
            start.Set();
            var results = await Task.WhenAll(racers);
            var winner = results.Where(r => r.Won).ShouldHaveSingleItem($"round {round}").a;
            var record = await server.RequestRecordAsync(request.Id);
            record.Answer.ShouldNotBeNull().SecretId.ShouldBe(winner.SecretId);
            record.Answer.EphemeralKey.ShouldBe(winner.EphemeralKey);
        }
    }

    [Fact]
    public async Task Logs_never_carry_ids_tokens_keys_or_labels()
    {
        var (server, api) = await ServerAsync();
        var request = await api.CreateAsync(new TestRequest(label: "the label Qx8Zr"));
        (await api.LookAsync(request)).Dispose();
        (await api.LookAsync(request.Id, TestSecret.RandomKey())).Dispose();
        var answer = new TestAnswer(new TestSecret(streamBytes: TestSecret.StreamLength(100)));
        var secret = await api.AnswerOkAsync(request, answer);
        (await api.AnswerAsync(request, new TestAnswer(new TestSecret()))).Dispose();
        (await api.Secrets.UploadAsync(secret, answer.Secret.Stream!)).Dispose();
        (await api.OpenAnswerAsync(request)).Dispose();
        (await api.StatusOfAsync(request)).State.ShouldBe(RequestStates.Answered);
        (await api.DestroyAsync(request)).Dispose();

        var logs = server.Logs.Text;
        logs.ShouldContain("Request created");
        foreach (var secretValue in new[]
                 {
                     request.Id, secret.Id, secret.ManageToken, request.Request.RequestTokenText, request.Request.SendTokenText,
                     request.Request.ToRequest().TokenVerifier, request.Request.ToRequest().SendVerifier, "Qx8Zr",
                     TestSecret.B64(answer.EphemeralKey), answer.Secret.AccessKeyText, Convert.ToHexString(answer.EphemeralKey),
                 })
        {
            logs.ShouldNotContain(secretValue, Case.Insensitive);
        }
    }

    [Fact]
    public async Task Requests_and_answers_count_toward_the_creation_rate_limit_and_a_limited_answer_changes_nothing()
    {
        await using var server = await provider.StartAsync(new Dictionary<string, string?> { ["Parley:Secrets:CreatePerMinute"] = "2" });
        var api = server.Requests();
        server.Time!.SetUtcNow(new DateTimeOffset(2026, 1, 1, 0, 1, 0, TimeSpan.Zero));
        var request = await api.CreateAsync(new TestRequest());
        await api.Secrets.CreateAsync(new TestSecret());
        var before = (await server.RequestRecordAsync(request.Id)).Describe();
        var secrets = await server.Store().CountAsync(CancellationToken.None);

        using (var limited = await api.AnswerAsync(request, new TestAnswer(new TestSecret())))
        {
            await limited.ShouldBeProblemAsync(HttpStatusCode.TooManyRequests, ProblemTypes.RateLimited);
            limited.Headers.RetryAfter.ShouldNotBeNull();
        }

        using (var limited = await api.Secrets.PostJsonAsync("api/requests", new TestRequest().ToRequest(), RequestsJsonContext.Default.CreateRequestRequest))
        {
            await limited.ShouldBeProblemAsync(HttpStatusCode.TooManyRequests, ProblemTypes.RateLimited);
        }

        (await server.RequestRecordAsync(request.Id)).Describe().ShouldBe(before);
        (await server.Store().CountAsync(CancellationToken.None)).ShouldBe(secrets);
        (await server.RequestStore().CountAsync(CancellationToken.None)).ShouldBe(1);

        server.Time.Advance(TimeSpan.FromMinutes(1));
        await api.AnswerOkAsync(request, new TestAnswer(new TestSecret()));
    }

    [Fact]
    public async Task Closed_creation_refuses_new_requests_but_a_request_made_before_can_still_be_answered()
    {
        await using var server = await provider.StartAsync(new Dictionary<string, string?> { ["Parley:Secrets:CreationOpen"] = "false" });
        var api = server.Requests();
        using (var refused = await api.Secrets.PostJsonAsync("api/requests", new TestRequest().ToRequest(), RequestsJsonContext.Default.CreateRequestRequest))
        {
            await refused.ShouldBeProblemAsync(HttpStatusCode.Forbidden, ProblemTypes.CreationClosed);
        }

        (await server.RequestStore().CountAsync(CancellationToken.None)).ShouldBe(0);

        // A request stored while creation was open (written straight into the store).
        var earlier = new TestRequest();
        var now = server.Time!.GetUtcNow();
        var id = SecretId.New();
        await server.RequestStore().CreateAsync(new NewRequest(id, SHA256.HashData(earlier.RequestToken), SHA256.HashData(earlier.SendToken),
            null, now, now.AddHours(1)), CancellationToken.None);
        var request = new CreatedRequest(earlier, id.ToString(), now.AddHours(1));
        await api.AnswerOkAsync(request, new TestAnswer(new TestSecret()));
        (await api.StatusOfAsync(request)).State.ShouldBe(RequestStates.Answered);
    }

    [Fact]
    public async Task OpenApi_document_describes_the_requests_api()
    {
        var (server, _) = await ServerAsync();
        using var response = await server.Client.GetAsync("openapi/v1.json");
        using var document = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var paths = document.RootElement.GetProperty("paths");
        paths.GetProperty("/api/requests").GetProperty("post").GetProperty("requestBody").GetProperty("content")
            .TryGetProperty("application/json", out _).ShouldBeTrue();
        paths.GetProperty("/api/requests/{id}").TryGetProperty("get", out _).ShouldBeTrue();
        paths.GetProperty("/api/requests/{id}").TryGetProperty("delete", out _).ShouldBeTrue();
        paths.GetProperty("/api/requests/{id}/answer").TryGetProperty("post", out _).ShouldBeTrue();
        paths.GetProperty("/api/requests/{id}/answer").TryGetProperty("get", out _).ShouldBeTrue();
        paths.GetProperty("/api/requests/{id}/manage").TryGetProperty("get", out _).ShouldBeTrue();
    }

    public static TheoryData<string> MalformedCases => [.. MalformedRequests.Cases.Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(MalformedCases))]
    public async Task Malformed_request_input_gets_a_problem_and_changes_nothing(string name)
    {
        var (server, api) = await ServerAsync();
        var testCase = MalformedRequests.Cases.Single(c => c.Name == name);
        var waiting = await api.CreateAsync(new TestRequest());
        var answered = await api.CreateAsync(new TestRequest());
        await api.AnswerOkAsync(answered, new TestAnswer(new TestSecret()));
        var requests = await server.RequestStore().CountAsync(CancellationToken.None);
        var secrets = await server.Store().CountAsync(CancellationToken.None);
        var waitingBefore = (await server.RequestRecordAsync(waiting.Id)).Describe();
        var answeredBefore = (await server.RequestRecordAsync(answered.Id)).Describe();

        using (var response = await testCase.Send(new MalformedRequests.Context(api, waiting, answered)))
        {
            await response.ShouldBeProblemAsync(testCase.Status, testCase.Type);
        }

        (await server.RequestStore().CountAsync(CancellationToken.None)).ShouldBe(requests);
        (await server.Store().CountAsync(CancellationToken.None)).ShouldBe(secrets);
        (await server.RequestRecordAsync(waiting.Id)).Describe().ShouldBe(waitingBefore);
        (await server.RequestRecordAsync(answered.Id)).Describe().ShouldBe(answeredBefore);
        using var health = await api.Http.GetAsync("healthz");
        health.StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}

public sealed class MemoryRequestsApiTests(MemoryServer server) : RequestsApiContract(server), IClassFixture<MemoryServer>;

public sealed class SqliteRequestsApiTests(SqliteServer server) : RequestsApiContract(server), IClassFixture<SqliteServer>;

public sealed class PostgresRequestsApiTests(PostgresServer server) : RequestsApiContract(server), IClassFixture<PostgresServer>;
