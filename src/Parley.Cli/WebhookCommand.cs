using System.CommandLine;
using System.Globalization;
using Parley.Contracts.Webhooks;

namespace Parley.Cli;

/// <summary><c>parley webhook verify</c>: for receivers, checks a delivery's Standard Webhooks signature.</summary>
internal static class WebhookCommand
{
    public const string SecretVariable = "PARLEY_WEBHOOK_SECRET";
    private const int MaxBodyBytes = 1024 * 1024;

    public static Command Build()
    {
        var secret = new Option<string?>("--secret") { Description = $"The signing key shown at creation, whsec_… (default: ${SecretVariable})", HelpName = "key" };
        var id = new Option<string>("--id") { Description = "The webhook-id header", HelpName = "id", Required = true };
        var timestamp = new Option<string>("--timestamp") { Description = "The webhook-timestamp header (Unix seconds)", HelpName = "seconds", Required = true };
        var signature = new Option<string>("--signature") { Description = "The webhook-signature header", HelpName = "value", Required = true };
        var tolerance = new Option<int>("--tolerance")
        {
            Description = "Refuse a timestamp further than this many seconds from now, against replays; 0 skips the check",
            HelpName = "seconds",
            DefaultValueFactory = _ => 300,
        };
        var verify = new Command("verify", "Check a webhook delivery: the body on standard input, the headers as options. Exit 0 when the signature is valid.")
        {
            secret, id, timestamp, signature, tolerance,
        };
        verify.SetAction((parse, ct) => ParleyCommand.GuardAsync(async token =>
        {
            var keyText = parse.GetValue(secret) ?? Environment.GetEnvironmentVariable(SecretVariable);
            if (!WebhookSignature.TryParseKey(keyText, out var key))
            {
                throw CliException.Usage($"--secret (or ${SecretVariable}) must be the signing key shown at creation: {WebhookSignature.KeyPrefix} followed by base64");
            }

            if (!long.TryParse(parse.GetValue(timestamp), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            {
                throw CliException.Usage("--timestamp must be the webhook-timestamp header: Unix seconds");
            }

            var maxSkew = parse.GetValue(tolerance);
            if (maxSkew < 0)
            {
                throw CliException.Usage("--tolerance must be 0 or more seconds");
            }

            var body = await ReadBodyAsync(token).ConfigureAwait(false);
            if (!WebhookSignature.Verify(key, parse.GetValue(id)!, seconds, body, parse.GetValue(signature)!))
            {
                throw new CliException(ExitCodes.Tampered, "the signature does not match: not from this webhook, or the body or headers were changed");
            }

            if (maxSkew > 0 && Math.Abs(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - seconds) > maxSkew)
            {
                throw new CliException(ExitCodes.Tampered, $"the signature matches but the timestamp is more than {maxSkew} s away from now (a replay?)");
            }

            Console.Error.WriteLine("Valid signature.");
            return ExitCodes.Ok;
        }, ct));

        return new Command("webhook", "Tools for receivers of Parley webhooks (docs/webhooks.md).") { verify };
    }

    private static async Task<byte[]> ReadBodyAsync(CancellationToken cancellationToken)
    {
        await using var stdin = Console.OpenStandardInput();
        using var body = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await stdin.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (body.Length + read > MaxBodyBytes)
            {
                throw CliException.Usage($"the body on standard input is larger than {MaxBodyBytes / 1024} KiB; Parley's webhook bodies are far smaller");
            }

            body.Write(buffer, 0, read);
        }

        return body.ToArray();
    }
}
