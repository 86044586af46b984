using System.Net;
using System.Text.Json;
using Parley.Contracts;
using Parley.Contracts.Secrets;
using Parley.Server.Tests.Support;

namespace Parley.Server.Tests;

/// <summary>What every answer carries, whatever the route: headers, problem details, limits, OpenAPI.</summary>
public sealed class HttpPipelineTests(MemoryServer provider) : IClassFixture<MemoryServer>
{
    [Theory]
    [InlineData("GET", "api/config")]
    [InlineData("GET", "healthz")]
    [InlineData("GET", "api/secrets/AAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("POST", "api/secrets")]
    [InlineData("GET", "api/does-not-exist")]
    [InlineData("DELETE", "api/config")]
    [InlineData("GET", "openapi/v1.json")]
    public async Task Every_api_answer_carries_the_security_headers(string method, string path)
    {
        var server = await provider.GetAsync();
        using var response = await server.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        csp.ShouldContain("default-src 'none'");
        csp.ShouldContain("frame-ancestors 'none'");
        response.Headers.GetValues("Referrer-Policy").Single().ShouldBe("no-referrer");
        response.Headers.GetValues("X-Content-Type-Options").Single().ShouldBe("nosniff");
        response.Headers.CacheControl!.NoStore.ShouldBeTrue();
        response.Headers.Contains("Server").ShouldBeFalse();
    }

    [Fact]
    public async Task Pages_outside_the_api_get_a_strict_policy_too()
    {
        var server = await provider.GetAsync();
        using var response = await server.Client.GetAsync("no/such/page");
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        csp.ShouldContain("frame-ancestors 'none'");
        csp.ShouldNotContain("unsafe-inline");
        csp.ShouldNotContain("unsafe-eval");
        response.Headers.GetValues("Referrer-Policy").Single().ShouldBe("no-referrer");
    }

    [Fact]
    public async Task The_policies_docs_configuration_md_lists_are_the_ones_the_server_sends()
    {
        var server = await provider.GetAsync();
        var doc = File.ReadAllText(RepoPaths.Combine("docs", "configuration.md"));
        var row = doc.Split('\n').Single(l => l.StartsWith("| `ContentSecurityPolicy` |", StringComparison.Ordinal));
        var quoted = row.Split('`').Where((_, i) => i % 2 == 1).ToList(); // the code spans of the row
        using var page = await server.Client.GetAsync("no/such/page");
        page.Headers.GetValues("Content-Security-Policy").Single().ShouldBe(quoted[1]);
        using var api = await server.Client.GetAsync("api/config");
        api.Headers.GetValues("Content-Security-Policy").Single().ShouldBe(quoted[^1]);
    }

    [Fact]
    public async Task Unknown_routes_and_wrong_methods_answer_with_problem_details()
    {
        var server = await provider.GetAsync();
        using var missing = await server.Client.GetAsync("api/nope");
        await missing.ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
        using var wrongMethod = await server.Client.PutAsync("api/config", null);
        await wrongMethod.ShouldBeProblemAsync(HttpStatusCode.MethodNotAllowed, ProblemTypes.MethodNotAllowed);
        wrongMethod.Content.Headers.Allow.ShouldContain("GET");
    }

    [Fact]
    public async Task Head_on_a_get_route_answers_as_get_does_without_a_body()
    {
        var server = await provider.GetAsync();
        var api = server.Api();
        var created = await api.CreateAsync(new TestSecret(streamBytes: TestSecret.StreamLength(1000)));
        (await api.UploadAsync(created, created.Secret.Stream!)).EnsureSuccessStatusCode();
        var request = await server.Requests().CreateAsync(new TestRequest());
        var before = (await server.RecordAsync(created.Id)).Describe();
        var routes = new (string Path, string? Authorization, string? Access)[]
        {
            ("api/config", null, null),
            ("healthz", null, null),
            ("livez", null, null),
            ($"api/secrets/{created.Id}", null, created.Secret.AccessKeyText),
            ($"api/secrets/{created.Id}/manage", created.ManageToken, null),
            ($"api/secrets/{TestSecret.B64(new byte[16])}", null, null),
            ("api/secrets/not-an-id", null, null),
            ($"api/requests/{request.Id}", null, request.Request.SendTokenText),
            ($"api/requests/{request.Id}/manage", request.Request.RequestTokenText, null),
        };
        foreach (var (path, authorization, access) in routes)
        {
            HttpRequestMessage Build(HttpMethod method)
            {
                var message = new HttpRequestMessage(method, path);
                if (authorization is not null)
                {
                    message.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", authorization);
                }

                if (access is not null)
                {
                    message.Headers.Add(SecretHeaders.Access, access);
                }

                return message;
            }

            using var get = await server.Client.SendAsync(Build(HttpMethod.Get));
            using var head = await server.Client.SendAsync(Build(HttpMethod.Head));
            head.StatusCode.ShouldBe(get.StatusCode, path);
            head.Content.Headers.ContentType?.MediaType.ShouldBe(get.Content.Headers.ContentType?.MediaType, path);
            (head.Headers.CacheControl?.NoStore ?? false).ShouldBe(get.Headers.CacheControl?.NoStore ?? false, path);
            (await head.Content.ReadAsByteArrayAsync()).ShouldBeEmpty(path);
            (await get.Content.ReadAsByteArrayAsync()).ShouldNotBeEmpty(path);
        }

        (await server.RecordAsync(created.Id)).Describe().ShouldBe(before);

        // The download: the length and range headers of GET, no bytes, and nothing used up.
        using var opened = await api.OpenAsync(created);
        var ticket = (await opened.ShouldBeJsonAsync(HttpStatusCode.OK, ParleyJsonContext.Default.OpenSecretResponse)).Stream!;
        using var download = new HttpRequestMessage(HttpMethod.Head, $"api/secrets/{created.Id}/stream");
        download.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ticket.DownloadToken);
        download.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(10, 19);
        using var headDownload = await server.Client.SendAsync(download);
        headDownload.StatusCode.ShouldBe(HttpStatusCode.PartialContent);
        headDownload.Content.Headers.ContentRange!.ToString().ShouldBe($"bytes 10-19/{created.Secret.StreamBytes}");
        (await headDownload.Content.ReadAsByteArrayAsync()).ShouldBeEmpty();
        using var whole = await api.DownloadAsync(created.Id, ticket.DownloadToken);
        (await whole.Content.ReadAsByteArrayAsync()).ShouldBe(created.Secret.Stream);
    }

    [Fact]
    public async Task Head_on_a_route_without_get_is_still_refused()
    {
        var server = await provider.GetAsync();
        using var head = await server.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "api/secrets"));
        head.StatusCode.ShouldBe(HttpStatusCode.MethodNotAllowed);
    }

    [Fact]
    public async Task The_openapi_document_lists_get_but_not_its_head_twin()
    {
        var server = await provider.GetAsync();
        using var document = JsonDocument.Parse(await server.Client.GetStringAsync("openapi/v1.json"));
        var look = document.RootElement.GetProperty("paths").GetProperty("/api/secrets/{id}");
        look.TryGetProperty("get", out _).ShouldBeTrue();
        look.TryGetProperty("head", out _).ShouldBeFalse();
    }

    [Theory]
    [InlineData("GET /api/sec\0rets HTTP/1.1", "", 400)]
    [InlineData("GET /api/config?q={0} HTTP/1.1", "", 414)]
    [InlineData("GET /api/config HTTP/1.1", "X-Padding: {0}\r\nX-More: {0}\r\nX-Even-More: {0}\r\nX-Last: {0}\r\n", 431)]
    public async Task Requests_kestrel_refuses_while_parsing_get_the_bare_answer_docs_api_md_describes(string line, string headers, int status)
    {
        var server = await provider.GetAsync();
        var padding = new string('a', 10 * 1024);
        using var socket = new System.Net.Sockets.TcpClient();
        await socket.ConnectAsync("127.0.0.1", server.BaseAddress.Port);
        var stream = socket.GetStream();
        var request = string.Format(System.Globalization.CultureInfo.InvariantCulture, line + "\r\nHost: x\r\n" + headers + "Connection: close\r\n\r\n", padding);
        await stream.WriteAsync(System.Text.Encoding.Latin1.GetBytes(request));
        using var reader = new StreamReader(stream, System.Text.Encoding.Latin1);
        var answer = await reader.ReadToEndAsync();
        answer.ShouldStartWith($"HTTP/1.1 {status} ");
        answer.ShouldContain("Content-Length: 0");
        File.ReadAllLines(RepoPaths.Combine("docs", "api.md")).ShouldContain(l => l.StartsWith($"| {status} | ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Config_tells_clients_the_operators_choices()
    {
        var server = await provider.GetAsync();
        using var response = await server.Client.GetAsync("api/config");
        var config = await response.ShouldBeJsonAsync(HttpStatusCode.OK, ParleyJsonContext.Default.SecretsConfigResponse);
        config.FormatVersion.ShouldBe(1);
        config.ExpiryChoices.Select(c => c.Seconds).ShouldBe([300, 3600, 86400, 604800]);
        config.ExpiryChoices[1].Label.ShouldBe("1 hour");
        config.DefaultExpirySeconds.ShouldBe(86400);
        config.ViewChoices.ShouldBe([1, 2, 3, 5, 10]);
        config.Passphrase.MaxAttempts.ShouldBe(5);
        config.CreationOpen.ShouldBeTrue();
    }

    [Fact]
    public async Task OpenApi_document_describes_the_secrets_api()
    {
        var server = await provider.GetAsync();
        using var response = await server.Client.GetAsync("openapi/v1.json");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        document.RootElement.GetProperty("openapi").GetString()!.ShouldStartWith("3.1");
        var paths = document.RootElement.GetProperty("paths");
        foreach (var path in new[] { "/api/config", "/api/secrets", "/api/secrets/{id}", "/api/secrets/{id}/open", "/api/secrets/{id}/manage", "/api/secrets/{id}/stream" })
        {
            paths.TryGetProperty(path, out _).ShouldBeTrue(path);
        }

        paths.GetProperty("/api/secrets").GetProperty("post").GetProperty("requestBody").GetProperty("content")
            .TryGetProperty("application/json", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task Creation_is_rate_limited_per_address_and_the_window_moves_with_the_clock()
    {
        await using var server = await ParleyTestServer.StartAsync(new ParleyServerOptions
        {
            Settings = new Dictionary<string, string?> { ["Parley:Secrets:CreatePerMinute"] = "3" },
        });
        var api = server.Api();
        server.Time!.SetUtcNow(new DateTimeOffset(2026, 1, 1, 0, 1, 0, TimeSpan.Zero));
        for (var i = 0; i < 3; i++)
        {
            await api.CreateAsync(new TestSecret());
        }

        using (var limited = await api.PostJsonAsync("api/secrets", new TestSecret().ToRequest(), ParleyJsonContext.Default.CreateSecretRequest))
        {
            await limited.ShouldBeProblemAsync(HttpStatusCode.TooManyRequests, ProblemTypes.RateLimited);
            limited.Headers.RetryAfter!.Delta!.Value.TotalSeconds.ShouldBe(60);
        }

        (await server.Store().CountAsync(CancellationToken.None)).ShouldBe(3);
        using (var look = await api.Http.GetAsync("api/config"))
        {
            look.StatusCode.ShouldBe(HttpStatusCode.OK); // only creation is limited
        }

        server.Time.Advance(TimeSpan.FromMinutes(1));
        await api.CreateAsync(new TestSecret());
    }

    [Fact]
    public async Task Forwarded_addresses_count_only_from_trusted_proxies()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Parley:Secrets:CreatePerMinute"] = "1",
            ["Parley:Http:TrustedProxies:0"] = "127.0.0.1",
        };
        await using var trusting = await ParleyTestServer.StartAsync(new ParleyServerOptions { Settings = settings });
        foreach (var client in new[] { "203.0.113.1", "203.0.113.2" })
        {
            using var response = await CreateFromAsync(trusting, client);
            response.StatusCode.ShouldBe(HttpStatusCode.Created); // two clients behind the proxy, one secret each
        }

        using (var again = await CreateFromAsync(trusting, "203.0.113.1"))
        {
            again.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        }

        settings.Remove("Parley:Http:TrustedProxies:0");
        await using var untrusting = await ParleyTestServer.StartAsync(new ParleyServerOptions { Settings = settings });
        using (var first = await CreateFromAsync(untrusting, "203.0.113.1"))
        {
            first.StatusCode.ShouldBe(HttpStatusCode.Created);
        }

        using var spoofed = await CreateFromAsync(untrusting, "203.0.113.9");
        spoofed.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests); // the header cannot buy a new address
    }

    private static Task<HttpResponseMessage> CreateFromAsync(ParleyTestServer server, string forwardedFor)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "api/secrets")
        {
            Content = System.Net.Http.Json.JsonContent.Create(new TestSecret().ToRequest(), ParleyJsonContext.Default.CreateSecretRequest),
        };
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        return server.Client.SendAsync(request);
    }

    [Fact]
    public async Task Closed_creation_refuses_new_secrets_but_opens_old_ones()
    {
        await using var server = await ParleyTestServer.StartAsync(new ParleyServerOptions
        {
            Settings = new Dictionary<string, string?> { ["Parley:Secrets:CreationOpen"] = "false" },
        });
        using var response = await server.Api().PostJsonAsync("api/secrets", new TestSecret().ToRequest(), ParleyJsonContext.Default.CreateSecretRequest);
        await response.ShouldBeProblemAsync(HttpStatusCode.Forbidden, ProblemTypes.CreationClosed);
        (await server.Store().CountAsync(CancellationToken.None)).ShouldBe(0);
    }

    [Fact]
    public async Task An_unexpected_failure_answers_500_without_details()
    {
        await using var server = await ParleyTestServer.StartAsync(new ParleyServerOptions
        {
            Settings = new Dictionary<string, string?> { ["Parley:Storage:Provider"] = "sqlite" },
        });
        // Pull the database file out from under the store: the next write fails inside the server.
        var api = server.Api();
        await api.CreateAsync(new TestSecret());
        var sqlite = (Parley.Server.Infrastructure.Storage.SqliteDatabase)server.Services.GetService(typeof(Parley.Server.Infrastructure.Storage.SqliteDatabase))!;
        await sqlite.WriteBatchedAsync(0, static (s, _) => { s.Execute("DROP TABLE secret_downloads; DROP TABLE secrets;"); return 0; }, CancellationToken.None);
        using var response = await api.PostJsonAsync("api/secrets", new TestSecret().ToRequest(), ParleyJsonContext.Default.CreateSecretRequest);
        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.InternalServerError, ProblemTypes.InternalError);
        var text = problem.GetRawText();
        text.ShouldNotContain("secrets", Case.Insensitive);
        text.ShouldNotContain("Sqlite", Case.Insensitive);
        text.ShouldNotContain(" at ", Case.Sensitive);
        problem.TryGetProperty("detail", out _).ShouldBeFalse();
    }

    [Fact]
    public async Task Invalid_options_stop_the_server_at_start()
    {
        // the real process, as an operator starts it: the in-process host factory races its own
        // disposal against the start failure and may report an ObjectDisposedException instead
        var e = await Should.ThrowAsync<InvalidOperationException>(() => ServerProcess.StartAsync(new Dictionary<string, string?>
        {
            ["Parley:Secrets:DefaultViews"] = "4",
            ["Parley:Secrets:MaxPassphraseAttempts"] = "0",
        }));
        var message = e.Message;
        message.ShouldContain("exited with");
        message.ShouldContain("DefaultViews");
        message.ShouldContain("MaxPassphraseAttempts");
    }

    [Fact]
    public async Task The_sweeper_runs_on_the_injected_clock()
    {
        var server = await provider.GetAsync();
        var api = server.Api();
        var abandoned = await api.CreateAsync(new TestSecret(streamBytes: TestSecret.StreamLength(1)));
        server.Time!.Advance(TimeSpan.FromHours(2));
        // The hosted sweeper ticks every minute of fake time; moving time fires it without a direct call.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            using var status = await api.StatusAsync(abandoned.Id, abandoned.ManageToken);
            if (status.StatusCode == HttpStatusCode.NotFound)
            {
                return;
            }

            server.Time.Advance(TimeSpan.FromMinutes(1));
            await Task.Delay(50);
        }

        Assert.Fail("the hosted sweeper did not delete the abandoned upload");
    }
}
