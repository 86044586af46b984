using System.CommandLine;
using System.Text.Json;
using Parley.Client.Secrets;
using Parley.Client.Secrets.Api;
using QRCoder;

namespace Parley.Cli;

/// <summary><c>parley secret create</c>.</summary>
internal static class CreateCommand
{
    public static Command Build(Option<string?> server)
    {
        var text = new Option<string?>("--text", "-t") { Description = "The secret text ('-' reads standard input). Without --text and --file, standard input is read.", HelpName = "text" };
        var files = new Option<string[]>("--file", "-f") { Description = "A file to share (repeatable)", HelpName = "path", AllowMultipleArgumentsPerToken = false };
        var expires = new Option<string?>("--expires", "-e") { Description = "Expiry: one of the server's choices, as seconds or 30m, 1h, 1d, 7d (default: the server's)", HelpName = "time" };
        var views = new Option<int?>("--views", "-v") { Description = "How many times the secret can be opened: one of the server's choices (default: the server's)", HelpName = "n" };
        var passphrase = new Option<bool>("--passphrase", "-p") { Description = $"Protect with a passphrase, sent separately: prompted without echo, or taken from ${ParleyCommand.PassphraseVariable}" };
        var passphraseFile = new Option<string?>("--passphrase-file") { Description = "Protect with the passphrase in this file's first line (for scripts)", HelpName = "path" };
        var qr = new Option<bool>("--qr") { Description = "Also print the share link as a QR code" };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON on stdout" };
        var webhook = WebhookOption("secret is opened, fails to open, burns, expires unread or is destroyed");
        var partSize = new Option<string?>("--upload-part-size") { Description = "Upload files in parts of this size (e.g. 8m), for proxies that limit request bodies", HelpName = "size" };
        var recipientCount = new Option<int?>("--recipients") { Description = "Give each of this many recipients a link of their own (1-50); the content is encrypted once", HelpName = "n" };
        var recipientLabels = new Option<string[]>("--recipient") { Description = "A recipient, by a label shown on the status page (repeatable; each gets a link of their own). The server can see labels", HelpName = "label", AllowMultipleArgumentsPerToken = false };

        var command = new Command("create", "Encrypt text and/or files locally and create a one-time link.")
        {
            text, files, expires, views, passphrase, passphraseFile, qr, json, partSize, webhook, recipientCount, recipientLabels,
        };
        command.SetAction((parse, ct) => ParleyCommand.GuardAsync(async token =>
        {
            // 1. Everything that can be checked locally, before any request.
            var serverUrl = ParleyCommand.ResolveServer(parse.GetValue(server));
            var expirySeconds = SecretInput.Expiry(parse.GetValue(expires));

            var viewCount = parse.GetValue(views);
            if (viewCount is <= 0)
            {
                throw CliException.Usage("--views must be a positive number");
            }

            var partBytes = SecretInput.PartSize(parse.GetValue(partSize));
            var webhookUrl = CheckWebhook(parse.GetValue(webhook));
            var recipients = Recipients(parse.GetValue(recipientCount), parse.GetValue(recipientLabels) ?? []);

            var terminal = new Terminal();
            var (textValue, sources) = SecretInput.Read(parse.GetValue(text), parse.GetValue(files), terminal, "share");

            string? secretPassphrase = null;
            var wantsPassphrase = parse.GetValue(passphrase);
            if (parse.GetValue(passphraseFile) is { } path)
            {
                if (wantsPassphrase)
                {
                    throw CliException.Usage("use either --passphrase or --passphrase-file, not both");
                }

                secretPassphrase = Passphrases.FromFile(path);
            }
            else if (wantsPassphrase)
            {
                secretPassphrase = Passphrases.FromEnvironment()
                    ?? (terminal.InputIsTerminal ? Passphrases.Prompt(confirm: true)
                        : throw CliException.Usage($"--passphrase needs a terminal to prompt; in scripts set ${ParleyCommand.PassphraseVariable} or use --passphrase-file"));
            }

            // 2. The server's choices and limits.
            using var api = new SecretsApi(serverUrl, ProxyOption.Handler(parse));
            var client = new SecretsClient(api);
            var config = await api.GetConfigAsync(token).ConfigureAwait(false);
            if (!config.CreationOpen)
            {
                throw new CliException(ExitCodes.Refused, "this server does not accept new secrets");
            }

            var secret = new NewSecret
            {
                Text = textValue,
                Files = sources,
                ExpiresInSeconds = expirySeconds ?? config.DefaultExpirySeconds,
                MaxViews = viewCount ?? config.DefaultViews,
                Passphrase = secretPassphrase,
                UploadPartSize = partBytes,
                Webhook = webhookUrl,
                Recipients = recipients,
            };
            if (secret.ProblemWith(config) is { } problem)
            {
                throw CliException.Usage(problem);
            }

            // 3. Encrypt, create, upload.
            var total = sources.Count > 0 ? SecretFormat.StreamLength(sources.Sum(f => f.Size)) : 0;
            var asJson = parse.GetValue(json);
            using var created = await Transfers.RunAsync(terminal, sources.Count > 0, "Encrypting and uploading", total,
                progress => client.CreateAsync(secret, config, progress, token)).ConfigureAwait(false);

            var share = created.Share.Format();
            var manage = created.Manage.Format();
            if (asJson)
            {
                WriteJson(created, share, manage, secretPassphrase is not null, sources.Count);
            }
            else if (created.Recipients.Count > 0)
            {
                for (var i = 0; i < created.Recipients.Count; i++)
                {
                    Console.Error.WriteLine($"Share link for {RecipientName(created.Recipients[i].Label, i)} (send it to them only):");
                    Console.Out.WriteLine(created.Recipients[i].Link.Format());
                    Console.Out.Flush();
                }

                Console.Error.WriteLine("Manage link (keep it: every recipient's status, and early destruction):");
                Console.Out.WriteLine(manage);
                Console.Out.Flush();
                Console.Error.WriteLine(
                    $"Expires {ParleyCommand.When(created.ExpiresAt)}; {created.MaxViews} view{(created.MaxViews == 1 ? "" : "s")} per link"
                    + (secretPassphrase is null ? "." : "; passphrase required (send it by another channel)."));
                PrintSigningKey(created.WebhookSigningKey);
            }
            else
            {
                PrintLinks("Share link (send it to the recipient):", share, "Manage link (keep it: status and early destruction):", manage);
                Console.Error.WriteLine(
                    $"Expires {ParleyCommand.When(created.ExpiresAt)}; {created.MaxViews} view{(created.MaxViews == 1 ? "" : "s")}"
                    + (secretPassphrase is null ? "." : "; passphrase required (send it by another channel)."));
                PrintSigningKey(created.WebhookSigningKey);
            }

            if (parse.GetValue(qr))
            {
                PrintQr(share, asJson);
            }

            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <summary>
    /// The recipients from <c>--recipients N</c> or repeated <c>--recipient LABEL</c> (not both): null for
    /// neither (one recipient, format v1), otherwise one label (or null) per recipient. Labels are checked
    /// against the server's rules later, with its config.
    /// </summary>
    internal static IReadOnlyList<string?>? Recipients(int? count, string[] labels)
    {
        if (count is not null && labels.Length > 0)
        {
            throw CliException.Usage("use either --recipients or --recipient, not both");
        }

        if (count is { } n)
        {
            return n is >= 1 and <= SecretFormat.MaxRecipients
                ? [.. Enumerable.Repeat<string?>(null, n)]
                : throw CliException.Usage($"--recipients must lie between 1 and {SecretFormat.MaxRecipients}");
        }

        return labels.Length == 0 ? null : labels;
    }

    /// <summary>How a recipient is called in messages: its label, or its place ("recipient 2").</summary>
    internal static string RecipientName(string? label, int index) =>
        label is null ? $"recipient {index + 1}" : new string([.. label.Where(c => !char.IsControl(c))]);

    /// <summary>The <c>--webhook</c> option of the commands that create.</summary>
    internal static Option<string?> WebhookOption(string events) => new("--webhook")
    {
        Description = $"Have the server POST a signed notice to this http(s) URL when the {events} (docs/webhooks.md); the server can see the URL",
        HelpName = "url",
    };

    /// <summary>A local first check of a webhook URL (the server checks it fully); null passes through.</summary>
    internal static string? CheckWebhook(string? url)
    {
        if (url is not null && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
        {
            throw CliException.Usage("--webhook must be an absolute http or https URL");
        }

        return url;
    }

    /// <summary>The webhook's signing key, which the server shows only once: on stdout, after its label on stderr.</summary>
    internal static void PrintSigningKey(string? key)
    {
        if (key is not null)
        {
            Console.Error.WriteLine("Webhook signing key (shown only now; your receiver checks signatures with it):");
            Console.Out.WriteLine(key);
            Console.Out.Flush();
        }
    }

    /// <summary>The two links on stdout (the one to send first), each after its label on stderr.</summary>
    internal static void PrintLinks(string sendLabel, string send, string keepLabel, string keep)
    {
        Console.Error.WriteLine(sendLabel);
        Console.Out.WriteLine(send);
        Console.Out.Flush();
        Console.Error.WriteLine(keepLabel);
        Console.Out.WriteLine(keep);
        Console.Out.Flush();
    }

    /// <summary>The link as a QR code: on stdout, or on stderr when stdout carries JSON.</summary>
    internal static void PrintQr(string link, bool asJson)
    {
        var code = QrText(link);
        if (asJson)
        {
            Console.Error.Write(code);
        }
        else
        {
            Console.Out.Write(code);
        }
    }

    private static string QrText(string link)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(link, QRCodeGenerator.ECCLevel.L);
        using var ascii = new AsciiQRCode(data);
        return ascii.GetGraphicSmall(drawQuietZones: true, invert: true, endOfLine: "\n") + "\n";
    }

    private static void WriteJson(CreatedSecret created, string share, string manage, bool passphrase, int files)
    {
        using var stdout = Console.OpenStandardOutput();
        using (var w = new Utf8JsonWriter(stdout, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("id", created.Share.Id);
            w.WriteString("shareLink", share);
            w.WriteString("manageLink", manage);
            w.WriteString("expiresAt", created.ExpiresAt.ToUniversalTime());
            w.WriteNumber("maxViews", created.MaxViews);
            w.WriteBoolean("passphrase", passphrase);
            w.WriteNumber("files", files);
            if (created.WebhookSigningKey is { } key)
            {
                w.WriteString("webhookSigningKey", key);
            }

            if (created.Recipients.Count > 0)
            {
                w.WriteStartArray("recipients");
                foreach (var r in created.Recipients)
                {
                    w.WriteStartObject();
                    w.WriteString("label", r.Label);
                    w.WriteString("id", r.Link.Id);
                    w.WriteString("shareLink", r.Link.Format());
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            }

            w.WriteEndObject();
        }

        stdout.WriteByte((byte)'\n');
    }
}
