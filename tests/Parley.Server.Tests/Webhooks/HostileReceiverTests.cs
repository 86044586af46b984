using System.Net;
using Parley.Contracts;
using Parley.Server.Tests.Support;

namespace Parley.Server.Tests.Webhooks;

/// <summary>
/// Receivers that misbehave cost the server one bounded attempt each: a redirect is not followed, a
/// receiver that hangs is cut off by the timeout, and an endless answer is not read.
/// </summary>
public sealed class HostileReceiverTests
{
    private static Task<ParleyTestServer> StartAsync() => ParleyTestServer.StartAsync(new ParleyServerOptions
    {
        Provider = "memory",
        RealTime = true,
        Settings = new Dictionary<string, string?>
        {
            ["Parley:Webhooks:AllowPrivateTargets"] = "true",
            ["Parley:Webhooks:RequestTimeout"] = "00:00:01",
            ["Parley:Webhooks:FirstRetryDelay"] = "00:00:00.2",
            ["Parley:Webhooks:MaxRetryDelay"] = "00:00:00.2",
            ["Parley:Webhooks:PollInterval"] = "00:00:00.1",
        },
    });

    [Theory]
    [InlineData(ReceiverAnswer.Redirect)]
    [InlineData(ReceiverAnswer.Hang)]
    public async Task A_redirect_or_a_hang_is_a_failed_attempt_and_is_retried(ReceiverAnswer answer)
    {
        await using var server = await StartAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Answer = answer;
        await DestroyWithWebhookAsync(server, receiver);

        await receiver.WaitForAsync(2, TimeSpan.FromSeconds(10));
        receiver.Received.Count.ShouldBeGreaterThanOrEqualTo(2, "the first attempt failed, so it was tried again");
        receiver.Received.Select(r => r.Id).Distinct().Count().ShouldBe(1, "a retry carries the same webhook-id");
        receiver.RedirectsFollowed.ShouldBe(0);
        (await server.WebhookStore().PendingCountAsync(CancellationToken.None)).ShouldBe(1);

        receiver.Answer = ReceiverAnswer.Accept;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (await server.WebhookStore().PendingCountAsync(CancellationToken.None) > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        (await server.WebhookStore().PendingCountAsync(CancellationToken.None)).ShouldBe(0);
    }

    [Fact]
    public async Task An_endless_answer_is_not_read_and_its_status_counts()
    {
        await using var server = await StartAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Answer = ReceiverAnswer.Endless;
        await DestroyWithWebhookAsync(server, receiver);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while ((receiver.Received.Count == 0 || await server.WebhookStore().PendingCountAsync(CancellationToken.None) > 0) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        (await server.WebhookStore().PendingCountAsync(CancellationToken.None)).ShouldBe(0);
        receiver.Received.Count.ShouldBe(1);
    }

    private static async Task DestroyWithWebhookAsync(ParleyTestServer server, WebhookReceiver receiver)
    {
        var api = server.Api();
        var secret = new TestSecret();
        using var response = await api.PostJsonAsync("api/secrets", secret.ToRequest() with { Webhook = receiver.Url() },
            ParleyJsonContext.Default.CreateSecretRequest);
        var created = await response.ShouldBeJsonAsync(HttpStatusCode.Created, ParleyJsonContext.Default.CreateSecretResponse);
        (await api.DestroyAsync(created.Id, created.ManageToken)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }
}
