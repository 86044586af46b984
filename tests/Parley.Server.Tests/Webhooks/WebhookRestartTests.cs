using System.Net;
using Parley.Contracts;
using Parley.Contracts.Secrets;
using Parley.Contracts.Webhooks;
using Parley.Server.Tests.Support;

namespace Parley.Server.Tests.Webhooks;

/// <summary>The outbox is durable: an event queued before the server process dies is delivered by the next one.</summary>
public sealed class WebhookRestartTests
{
    [Fact]
    public async Task An_event_queued_before_a_hard_kill_is_delivered_after_the_restart()
    {
        await using var receiver = await WebhookReceiver.StartAsync(listening: false);
        await using var server = await ServerProcess.StartAsync(new Dictionary<string, string?>
        {
            ["Parley:Storage:Provider"] = "sqlite",
            ["Parley:Webhooks:AllowPrivateTargets"] = "true",
            ["Parley:Webhooks:FirstRetryDelay"] = "00:00:00.2",
            ["Parley:Webhooks:MaxRetryDelay"] = "00:00:00.5",
            ["Parley:Webhooks:PollInterval"] = "00:00:00.1",
            ["Parley:Webhooks:ConnectTimeout"] = "00:00:01",
            ["Parley:Webhooks:RequestTimeout"] = "00:00:02",
        });
        using var http = new HttpClient { BaseAddress = server.BaseUrl };
        var api = new SecretsHttp(http);
        var secret = new TestSecret(maxViews: 2);
        using var response = await api.PostJsonAsync("api/secrets", secret.ToRequest() with { Webhook = receiver.Url() },
            ParleyJsonContext.Default.CreateSecretRequest);
        var created = await response.ShouldBeJsonAsync(HttpStatusCode.Created, ParleyJsonContext.Default.CreateSecretResponse);
        (await api.OpenAsync(created.Id, secret.AccessKeyText)).StatusCode.ShouldBe(HttpStatusCode.OK);
        await Task.Delay(TimeSpan.FromMilliseconds(300)); // the receiver is down: the event stays queued

        await server.KillAsync();
        await receiver.ListenAsync();
        await server.RestartAsync();

        // An event the killed node had leased waits out the lease (connect + request timeout + 5 s) first.
        var received = await receiver.WaitForAsync(1, TimeSpan.FromSeconds(30));
        received.Count.ShouldBe(1);
        received[0].Type.ShouldBe(WebhookEventTypes.SecretOpened);
        received[0].SignatureValid(created.WebhookSigningKey!).ShouldBeTrue();
        received[0].Json.GetProperty("data").GetProperty("id").GetString().ShouldBe(created.Id);
        received[0].Json.GetProperty("data").GetProperty("viewsLeft").GetInt32().ShouldBe(1);
    }
}
