using System.Net;
using System.Text.Json;

namespace Parley.Messaging.Tests.Support;

/// <summary><c>/readyz</c> as a load balancer reads it: the status, and the <c>reason</c> of a 503.</summary>
internal static class ReadinessProbe
{
    public static async Task<(HttpStatusCode Status, string? Reason)> ReadyAsync(HttpClient http)
    {
        using var response = await http.GetAsync(new Uri("readyz", UriKind.Relative), TestContext.Current.CancellationToken);
        if (response.StatusCode == HttpStatusCode.OK)
        {
            return (response.StatusCode, null);
        }

        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        body.RootElement.GetProperty("type").GetString().ShouldBe("urn:parley:problem:node-unavailable");
        return (response.StatusCode, body.RootElement.GetProperty("reason").GetString());
    }

    /// <summary>Polls <c>/readyz</c> until it answers <paramref name="status"/> (at most 30 s: a client reconnecting to Redis backs off); returns its reason.</summary>
    public static async Task<string?> EventuallyAsync(HttpClient http, HttpStatusCode status)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var (got, reason) = await ReadyAsync(http);
            if (got == status || DateTime.UtcNow > deadline)
            {
                got.ShouldBe(status);
                return reason;
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }
}
