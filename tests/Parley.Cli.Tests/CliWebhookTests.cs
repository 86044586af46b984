using System.Text;
using System.Text.Json;
using Parley.Testing;

namespace Parley.Cli.Tests;

/// <summary>
/// <c>--webhook</c> on create and request, and <c>parley webhook verify</c>, with the real <c>parley</c>
/// process, a real server process (loopback allowed by setting) and a real receiver.
/// </summary>
public sealed class CliWebhookTests : IAsyncLifetime
{
    private ServerProcess _server = null!;
    private WebhookReceiver _receiver = null!;

    private string Url => _server.BaseUrl.ToString().TrimEnd('/');

    public async ValueTask InitializeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync();
        var settings = ServerFixture.Settings();
        settings["Parley:Webhooks:AllowPrivateTargets"] = "true";
        settings["Parley:Webhooks:PollInterval"] = "00:00:00.1";
        _server = await ServerProcess.StartAsync(settings);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    [Fact]
    public async Task Create_prints_the_signing_key_once_and_verify_accepts_only_the_true_delivery()
    {
        var create = await CliProcess.RunAsync("secret", "create", "--server", Url, "--text", "hunter2", "--webhook", _receiver.Url());
        create.ExitCode.ShouldBe(0, create.ToString());
        create.StdoutLines.Length.ShouldBe(3, create.ToString());
        var key = create.StdoutLines[2];
        key.ShouldStartWith("whsec_");
        create.Stderr.ShouldContain("Webhook signing key");

        var open = await CliProcess.RunAsync("secret", "open", create.StdoutLines[0]);
        open.ExitCode.ShouldBe(0, open.ToString());
        var received = await _receiver.WaitForAsync(2);
        received.Select(r => r.Type).Order().ShouldBe(["secret.burned", "secret.opened"]);

        var delivery = received[0];
        string[] headers = ["webhook", "verify", "--id", delivery.Id, "--timestamp", delivery.Timestamp, "--signature", delivery.Signature];
        var valid = await CliProcess.RunAsync([.. headers, "--secret", key], delivery.Body);
        valid.ExitCode.ShouldBe(0, valid.ToString());
        valid.Stderr.ShouldContain("Valid signature.");

        var viaEnvironment = await CliProcess.RunAsync(headers, delivery.Body, new Dictionary<string, string?> { ["PARLEY_WEBHOOK_SECRET"] = key });
        viaEnvironment.ExitCode.ShouldBe(0, viaEnvironment.ToString());

        var changed = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(delivery.Body).Replace("secret.", "secret-", StringComparison.Ordinal));
        (await CliProcess.RunAsync([.. headers, "--secret", key], changed)).ShouldBeOneLineError(11);
        (await CliProcess.RunAsync([.. headers, "--secret", "whsec_" + Convert.ToBase64String(new byte[32])], delivery.Body)).ShouldBeOneLineError(11);
        (await CliProcess.RunAsync([.. headers, "--secret", "not-a-key"], delivery.Body)).ShouldBeOneLineError(2);

        string[] old = ["webhook", "verify", "--id", "msg_p5jXN8AQM9LWM0D4loKWxJek", "--timestamp", "1614265330",
            "--signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", "--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"];
        var example = Encoding.UTF8.GetBytes("{\"test\": 2432232314}");
        (await CliProcess.RunAsync(old, example)).ShouldBeOneLineError(11);
        var untimed = await CliProcess.RunAsync([.. old, "--tolerance", "0"], example);
        untimed.ExitCode.ShouldBe(0, untimed.ToString());
    }

    [Fact]
    public async Task Request_with_a_webhook_prints_the_key_in_json_and_reports_the_answer()
    {
        var request = await CliProcess.RunAsync("secret", "request", "--server", Url, "--json", "--webhook", _receiver.Url());
        request.ExitCode.ShouldBe(0, request.ToString());
        using var json = JsonDocument.Parse(request.StdoutBytes);
        var key = json.RootElement.GetProperty("webhookSigningKey").GetString()!;
        var send = json.RootElement.GetProperty("requestLink").GetString()!;

        var respond = await CliProcess.RunAsync("secret", "respond", send, "--text", "the answer");
        respond.ExitCode.ShouldBe(0, respond.ToString());
        var received = await _receiver.WaitForAsync(1);
        received.Count.ShouldBe(1);
        received[0].Type.ShouldBe("request.answered");
        received[0].SignatureValid(key).ShouldBeTrue();
    }

    [Theory]
    [InlineData("ftp://example.com/hook")]
    [InlineData("not a url")]
    public async Task A_webhook_that_is_not_http_is_refused_before_anything_is_sent(string url)
    {
        var create = await CliProcess.RunAsync("secret", "create", "--server", CliTestSupport.DeadServer(), "--text", "x", "--webhook", url);
        create.ShouldBeOneLineError(2);
    }

    [Fact]
    public async Task A_webhook_the_server_refuses_is_a_clear_error()
    {
        var create = await CliProcess.RunAsync("secret", "create", "--server", Url, "--text", "x", "--webhook", "http://user:pw@example.com/hook");
        create.ExitCode.ShouldNotBe(0);
        create.Stderr.ShouldContain("webhook");
        create.Stderr.ShouldNotContain("pw@");
    }
}
