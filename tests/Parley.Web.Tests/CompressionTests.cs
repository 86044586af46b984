using System.IO.Compression;
using System.Net;
using System.Text.RegularExpressions;
using Parley.Testing;

namespace Parley.Web.Tests;

/// <summary>
/// The web UI's files go out in the brotli or gzip copy the build made, as the client's Accept-Encoding
/// asks, and decode to the built file byte for byte; the API's answers, which carry secrets, are never
/// compressed, whatever the client accepts.
/// </summary>
public sealed partial class CompressionTests(BrowserFixture browser, WebServer server) : IClassFixture<WebServer>
{
    private static readonly string AppDirectory = RepoPaths.Combine("src", "Parley.Server", "wwwroot", "app");

    /// <summary>Every script and stylesheet the page loads, and the page itself (as <c>index.html</c>).</summary>
    private async Task<IReadOnlyList<(string Url, string File)>> AppFilesAsync()
    {
        using var http = Plain();
        var html = await http.GetStringAsync("/", TestContext.Current.CancellationToken);
        var assets = AssetReference().Matches(html).Select(m => m.Groups["path"].Value).Distinct().ToList();
        assets.ShouldContain(a => a.EndsWith(".js", StringComparison.Ordinal));
        assets.ShouldContain(a => a.EndsWith(".css", StringComparison.Ordinal));
        return [("/", "index.html"), ("/app/sw.js", "sw.js"), .. assets.Select(a => (a, a["/app/".Length..]))];
    }

    [Theory]
    [InlineData("br", "br")]
    [InlineData("gzip", "gzip")]
    [InlineData("gzip, deflate, br, zstd", "br")]
    [InlineData("br;q=0.5, gzip", "gzip")]
    [InlineData("br;q=0, gzip;q=0", null)]
    [InlineData("*", "br")]
    [InlineData("identity", null)]
    [InlineData(null, null)]
    public async Task App_files_come_compressed_as_accepted_and_decode_to_the_built_bytes(string? acceptEncoding, string? expected)
    {
        using var http = Plain();
        foreach (var (url, file) in await AppFilesAsync())
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            if (acceptEncoding is not null)
            {
                request.Headers.TryAddWithoutValidation("Accept-Encoding", acceptEncoding);
            }

            using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
            response.StatusCode.ShouldBe(HttpStatusCode.OK, url);
            response.Content.Headers.ContentEncoding.SingleOrDefault().ShouldBe(expected, url);
            response.Headers.Vary.ShouldContain("Accept-Encoding", url);
            var body = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
            var built = await File.ReadAllBytesAsync(Path.Combine(AppDirectory, file), TestContext.Current.CancellationToken);
            Decode(body, expected).ShouldBe(built, url);
            if (expected is not null && built.Length > 1024)
            {
                body.Length.ShouldBeLessThan(built.Length * 3 / 4, $"{url} is hardly compressed");
            }
        }
    }

    [Fact]
    public async Task A_compressed_asset_keeps_its_type_and_caching_and_answers_head_and_revalidation()
    {
        using var http = Plain();
        var script = (await AppFilesAsync()).First(f => f.Url.EndsWith(".js", StringComparison.Ordinal) && f.Url.StartsWith("/app/assets/", StringComparison.Ordinal)).Url;
        using var get = new HttpRequestMessage(HttpMethod.Get, script);
        get.Headers.AcceptEncoding.ParseAdd("br");
        using var first = await http.SendAsync(get, TestContext.Current.CancellationToken);
        first.Content.Headers.ContentType!.MediaType.ShouldBe("text/javascript");
        first.Headers.CacheControl!.ToString().ShouldContain("immutable");

        using var head = new HttpRequestMessage(HttpMethod.Head, script);
        head.Headers.AcceptEncoding.ParseAdd("br");
        using var headAnswer = await http.SendAsync(head, TestContext.Current.CancellationToken);
        headAnswer.Content.Headers.ContentEncoding.ShouldBe(["br"]);
        headAnswer.Content.Headers.ContentLength.ShouldBe(first.Content.Headers.ContentLength);

        using var again = new HttpRequestMessage(HttpMethod.Get, script);
        again.Headers.AcceptEncoding.ParseAdd("br");
        again.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        using var notModified = await http.SendAsync(again, TestContext.Current.CancellationToken);
        notModified.StatusCode.ShouldBe(HttpStatusCode.NotModified);
    }

    [Fact]
    public async Task The_compressed_copies_cannot_be_fetched_by_name()
    {
        using var http = Plain();
        var script = (await AppFilesAsync()).First(f => f.Url.StartsWith("/app/assets/", StringComparison.Ordinal)).Url;
        File.Exists(Path.Combine(AppDirectory, script["/app/".Length..] + ".br")).ShouldBeTrue("the build wrote no .br copy");
        foreach (var suffix in new[] { ".br", ".gz" })
        {
            using var response = await http.GetAsync(script + suffix, TestContext.Current.CancellationToken);
            response.StatusCode.ShouldBe(HttpStatusCode.NotFound, script + suffix);
        }
    }

    [Theory]
    [InlineData("/api/config")]
    [InlineData("/api/secrets/AAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("/openapi/v1.json")]
    public async Task Api_answers_are_never_compressed_even_when_the_client_accepts_it(string path)
    {
        using var http = Plain();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Accept-Encoding", "br, gzip, deflate, zstd, *");
        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        response.Content.Headers.ContentEncoding.ShouldBeEmpty(path);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        body.TrimStart().ShouldStartWith("{", customMessage: path);
    }

    [Fact]
    public async Task Every_api_answer_in_a_create_and_open_in_chromium_is_uncompressed_while_its_assets_are()
    {
        browser.RequireBrowser();
        var (context, page, _) = await WebApp.OpenAsync(browser);
        await using var c = context;
        var seen = new List<(string Path, string? Encoding)>();
        page.Response += (_, r) =>
        {
            var path = new Uri(r.Url).AbsolutePath;
            lock (seen)
            {
                seen.Add((path, r.Headers.GetValueOrDefault("content-encoding")));
            }
        };

        var links = await WebApp.CreateAsync(page, server, "compressed? never", files: [new("notes.txt", "text/plain", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"u8.ToArray())]);
        await WebApp.GoToShareAsync(page, links.Share);
        await WebApp.RevealAsync(page);
        (await WebApp.RevealedTextAsync(page)).ShouldBe("compressed? never");

        List<(string Path, string? Encoding)> answers;
        lock (seen)
        {
            answers = [.. seen];
        }

        var api = answers.Where(a => a.Path.StartsWith("/api/", StringComparison.Ordinal)).ToList();
        api.ShouldContain(a => a.Path.EndsWith("/open", StringComparison.Ordinal));
        api.ShouldAllBe(a => a.Encoding == null);
        var scripts = answers.Where(a => a.Path.StartsWith("/app/assets/", StringComparison.Ordinal) && a.Path.EndsWith(".js", StringComparison.Ordinal)).ToList();
        scripts.ShouldNotBeEmpty();
        scripts.ShouldAllBe(a => a.Encoding == "br");
    }

    /// <summary>A client that leaves Content-Encoding alone, so the test sees what the server sent.</summary>
    private HttpClient Plain() => new(new HttpClientHandler { AutomaticDecompression = DecompressionMethods.None })
    {
        BaseAddress = server.BaseAddress,
    };

    private static byte[] Decode(byte[] body, string? coding)
    {
        if (coding is null)
        {
            return body;
        }

        using var input = new MemoryStream(body);
        using Stream decoder = coding == "br"
            ? new BrotliStream(input, CompressionMode.Decompress)
            : new GZipStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        decoder.CopyTo(output);
        return output.ToArray();
    }

    [GeneratedRegex("(?:src|href)=\"(?<path>/app/assets/[^\"]+)\"")]
    private static partial Regex AssetReference();
}
