using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Parley.Client.Requests;
using Parley.Client.Secrets;
using Parley.Client.Secrets.Api;
using Parley.Contracts;
using Parley.Contracts.Requests;

namespace Parley.Cli;

/// <summary><c>parley secret request</c>: ask someone for a secret that only you can open.</summary>
internal static class RequestCommand
{
    public static Command Build(Option<string?> server)
    {
        var label = new Option<string?>("--label", "-l")
        {
            Description = $"What you are asking for, shown to the responder (at most {RequestLimits.MaxLabelLength} characters; NOT encrypted: the server can read it)",
            HelpName = "text",
        };
        var expires = new Option<string?>("--expires", "-e") { Description = "How long the request (and its answer) lasts: one of the server's choices, as seconds or 30m, 1h, 1d, 7d (default: the server's)", HelpName = "time" };
        var qr = new Option<bool>("--qr") { Description = "Also print the request link as a QR code" };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON on stdout" };
        var webhook = CreateCommand.WebhookOption("request is answered and when the answer is opened");
        var command = new Command("request", "Ask someone for a secret: prints a request link to send them and a private link that opens their answer, once.")
        {
            label, expires, qr, json, webhook,
        };
        command.SetAction((parse, ct) => ParleyCommand.GuardAsync(async token =>
        {
            var serverUrl = ParleyCommand.ResolveServer(parse.GetValue(server));
            var expirySeconds = SecretInput.Expiry(parse.GetValue(expires));
            var labelText = parse.GetValue(label);
            var webhookUrl = CreateCommand.CheckWebhook(parse.GetValue(webhook));
            if (labelText is not null && VisibleText.Problem(labelText, RequestLimits.MaxLabelLength) is { } why)
            {
                throw CliException.Usage($"--label {why}");
            }

            using var api = new SecretsApi(serverUrl, ProxyOption.Handler(parse));
            var config = await api.GetConfigAsync(token).ConfigureAwait(false);
            if (!config.CreationOpen)
            {
                throw new CliException(ExitCodes.Refused, "this server does not accept new requests");
            }

            var seconds = expirySeconds ?? config.DefaultExpirySeconds;
            if (!config.ExpiryChoices.Any(c => c.Seconds == seconds))
            {
                throw CliException.Usage($"the server offers these expiry times: {string.Join(", ", config.ExpiryChoices.Select(c => Durations.Format(c.Seconds)))}");
            }

            using var created = await new RequestsClient(api).CreateAsync(labelText, seconds, webhookUrl, token).ConfigureAwait(false);
            var send = created.Send.Format();
            var privateLink = created.Private.Format();
            var asJson = parse.GetValue(json);
            if (asJson)
            {
                WriteJson(created, send, privateLink);
            }
            else
            {
                CreateCommand.PrintLinks("Request link (send it to the person who has the secret):", send,
                    "Private link (keep it to yourself: it opens the answer, once):", privateLink);
                Console.Error.WriteLine($"Expires {ParleyCommand.When(created.ExpiresAt)}. Open the answer with: parley secret open '<private link>'");
                CreateCommand.PrintSigningKey(created.WebhookSigningKey);
            }

            if (parse.GetValue(qr))
            {
                CreateCommand.PrintQr(send, asJson);
            }

            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <summary>
    /// Runs a call about a request, turning the failures whose secret wording would mislead
    /// (not found, expired, destroyed, wrong token) into request wording with the same exit code.
    /// </summary>
    public static Task<T> AboutRequestAsync<T>(Func<Task<T>> call) => RewordedAsync(call, RequestMessage);

    /// <summary>Runs a call on the answer to a request (its one-time secret), saying "answer" where the secret wording would say "secret".</summary>
    public static Task<T> AboutAnswerAsync<T>(Func<Task<T>> call) => RewordedAsync(call, AnswerMessage);

    private static async Task<T> RewordedAsync<T>(Func<Task<T>> call, Func<SecretsApiException, string?> reword)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (SecretsApiException e) when (reword(e) is { } message)
        {
            throw new CliException(ParleyCommand.ExitCodeOf(e), message);
        }
    }

    private static string? AnswerMessage(SecretsApiException e) => e.Failure switch
    {
        ApiFailure.AlreadyOpened => e.OpenedAt.Count > 0
            ? $"the answer to this request was already opened, on {string.Join(", ", e.OpenedAt.Select(ParleyCommand.When))}; if that was not you, someone else read it"
            : "the answer to this request was already opened",
        ApiFailure.NotFound => "the answer to this request is gone: it expired or was withdrawn",
        ApiFailure.Expired => e.At is { } at ? $"the answer to this request expired on {ParleyCommand.When(at)}" : "the answer to this request expired",
        ApiFailure.Destroyed => "the answer to this request was withdrawn",
        ApiFailure.AccessDenied => "the private link's key does not open this answer: the link is damaged or incomplete",
        _ => null,
    };

    private static string? RequestMessage(SecretsApiException e) => e.Failure switch
    {
        ApiFailure.NotFound => "no such request: it never existed, the link is damaged, or it is gone",
        ApiFailure.Expired => e.At is { } at ? $"this request expired on {ParleyCommand.When(at)}" : "this request expired",
        ApiFailure.Destroyed => e.At is { } at
            ? $"this request was withdrawn by the requester on {ParleyCommand.When(at)}"
            : "this request was withdrawn by the requester",
        ApiFailure.Unauthorized => "the private link's key does not match this request: the link is damaged or incomplete",
        _ => null,
    };

    private static void WriteJson(CreatedRequest created, string send, string privateLink)
    {
        using var stdout = Console.OpenStandardOutput();
        using (var w = new Utf8JsonWriter(stdout, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("id", created.Send.Id);
            w.WriteString("requestLink", send);
            w.WriteString("privateLink", privateLink);
            w.WriteString("expiresAt", created.ExpiresAt.ToUniversalTime());
            if (created.Label is null)
            {
                w.WriteNull("label");
            }
            else
            {
                w.WriteString("label", created.Label);
            }

            if (created.WebhookSigningKey is { } key)
            {
                w.WriteString("webhookSigningKey", key);
            }

            w.WriteEndObject();
        }

        stdout.WriteByte((byte)'\n');
    }
}

/// <summary><c>parley secret respond &lt;request-link&gt;</c>: answer a request with text and files, encrypted to the requester's key.</summary>
internal static class RespondCommand
{
    public static Command Build()
    {
        var link = new Argument<string>("request-link") { Description = "The request link you were sent (…/r/{id}#{key}); quote it in the shell" };
        var text = new Option<string?>("--text", "-t") { Description = "The answer's text ('-' reads standard input). Without --text and --file, standard input is read.", HelpName = "text" };
        var files = new Option<string[]>("--file", "-f") { Description = "A file to send (repeatable)", HelpName = "path", AllowMultipleArgumentsPerToken = false };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON on stdout" };
        var partSize = new Option<string?>("--upload-part-size") { Description = "Upload files in parts of this size (e.g. 8m), for proxies that limit request bodies", HelpName = "size" };
        var command = new Command("respond", "Answer a request: text and/or files are encrypted so that only the requester can open them, once. A request takes one answer.")
        {
            link, text, files, json, partSize,
        };
        command.SetAction((parse, ct) => ParleyCommand.GuardAsync(async token =>
        {
            // 1. Everything that can be checked locally, before any request.
            var send = RequestLinks.ParseSend(parse.GetValue(link) ?? string.Empty);
            var partBytes = SecretInput.PartSize(parse.GetValue(partSize));
            var terminal = new Terminal();
            var (textValue, sources) = SecretInput.Read(parse.GetValue(text), parse.GetValue(files), terminal, "send");

            // 2. The request must be waiting, and the answer within the server's limits.
            using var api = new SecretsApi(send.Server, ProxyOption.Handler(parse));
            var client = new RequestsClient(api);
            var look = await RequestCommand.AboutRequestAsync(() => client.LookAsync(send, token)).ConfigureAwait(false);
            var config = await api.GetConfigAsync(token).ConfigureAwait(false);
            var answer = new NewSecret
            {
                Text = textValue,
                Files = sources,
                ExpiresInSeconds = config.DefaultExpirySeconds,
                MaxViews = 1,
                UploadPartSize = partBytes,
            };
            if (answer.ContentProblemWith(config) is { } problem)
            {
                throw CliException.Usage(problem);
            }

            var asJson = parse.GetValue(json);
            if (!asJson)
            {
                Console.Error.WriteLine(look.Label is { } l ? $"Answering the request \"{Printable(l)}\"." : "Answering the request.");
            }

            // 3. Encrypt to the requester's key, post the one answer, upload.
            var total = sources.Count > 0 ? SecretFormat.StreamLength(sources.Sum(f => f.Size)) : 0;
            var answered = await Transfers.RunAsync(terminal, sources.Count > 0, "Encrypting and uploading", total,
                progress => RequestCommand.AboutRequestAsync(() => client.RespondAsync(send, answer, progress, token))).ConfigureAwait(false);
            if (asJson)
            {
                Terminal.WriteOut(string.Create(CultureInfo.InvariantCulture,
                    $"{{\"id\":\"{answered.RequestId}\",\"answered\":true,\"files\":{sources.Count},\"expiresAt\":\"{answered.ExpiresAt.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffZ}\"}}\n"));
            }
            else
            {
                Console.Error.WriteLine($"Sent. Only the requester can open it, once; it expires {ParleyCommand.When(answered.ExpiresAt)}.");
            }

            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <summary>A label from the server, without control characters (a hostile server cannot drive the terminal).</summary>
    private static string Printable(string s) => new([.. s.Where(c => !char.IsControl(c))]);
}
