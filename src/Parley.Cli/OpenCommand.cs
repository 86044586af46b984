using System.CommandLine;
using System.Text.Json;
using Parley.Client.Requests;
using Parley.Client.Secrets;
using Parley.Client.Secrets.Api;

namespace Parley.Cli;

/// <summary><c>parley secret open &lt;link&gt;</c>.</summary>
internal static class OpenCommand
{
    public static Command Build()
    {
        var link = new Argument<string>("link") { Description = "The share link (…/s/{id}#{key}), or the private link of your request (…/r/{id}/answer#{key}) to open its answer; quote it in the shell" };
        var output = new Option<string?>("--out", "-o") { Description = "Folder for the secret's files (created if missing; default: the current folder)", HelpName = "folder" };
        var force = new Option<bool>("--force") { Description = "Replace existing files in --out instead of saving under a new name" };
        var passphraseFile = new Option<string?>("--passphrase-file") { Description = $"Read the passphrase from this file's first line (else ${ParleyCommand.PassphraseVariable}, else a prompt)", HelpName = "path" };
        var json = new Option<bool>("--json") { Description = "Print the text and the saved files as JSON on stdout" };

        var command = new Command("open", "Open a secret, or the answer to your request: the text goes to stdout, files into --out. This uses one of its views.")
        {
            link, output, force, passphraseFile, json,
        };
        command.SetAction((parse, ct) => ParleyCommand.GuardAsync(async token =>
        {
            var linkText = parse.GetValue(link) ?? string.Empty;
            using var privateLink = RequestLinks.LooksLikeRequestLink(linkText) ? RequestLinks.ParsePrivate(linkText) : null;
            using var direct = privateLink is null ? SecretLinks.ParseShare(linkText) : null;
            var folder = parse.GetValue(output) ?? ".";
            if (File.Exists(folder))
            {
                throw CliException.Usage($"--out: {folder} is a file, not a folder");
            }

            var passphraseFromFile = parse.GetValue(passphraseFile) is { } path ? Passphrases.FromFile(path) : null;
            var terminal = new Terminal();
            var asJson = parse.GetValue(json);

            using var api = new SecretsApi(privateLink?.Server ?? direct!.Server, ProxyOption.Handler(parse));
            var client = new SecretsClient(api);
            using var answerLink = privateLink is null ? null
                : (await RequestCommand.AboutRequestAsync(() => new RequestsClient(api).FindAnswerAsync(privateLink, token)).ConfigureAwait(false)).Answer;
            var share = answerLink ?? direct!;
            // An answer is a one-time secret too, but the person opening it asked for it: say "answer".
            var what = answerLink is null ? "secret" : "answer";
            Task<T> Worded<T>(Func<Task<T>> call) => answerLink is null ? call() : RequestCommand.AboutAnswerAsync(call);
            var look = await Worded(() => client.LookAsync(share, token)).ConfigureAwait(false);
            string? passphrase = null;
            if (look.Passphrase is not null)
            {
                passphrase = passphraseFromFile ?? Passphrases.FromEnvironment()
                    ?? (terminal.InputIsTerminal ? Passphrases.Prompt(confirm: false)
                        : throw CliException.Usage($"this {what} needs a passphrase: use --passphrase-file or set ${ParleyCommand.PassphraseVariable}"));
            }

            using var opened = await Worded(() => client.OpenAsync(share, look, passphrase, token)).ConfigureAwait(false);
            var manifest = opened.Manifest;
            if (!asJson && manifest.Text is { } text)
            {
                Terminal.WriteOut(terminal.OutputIsTerminal && !text.EndsWith('\n') ? text + "\n" : text);
            }

            IReadOnlyList<SavedFile> saved = [];
            if (manifest.HasFiles)
            {
                var writer = new SecretFolderWriter(folder, parse.GetValue(force));
                saved = await Transfers.RunAsync(terminal, true, "Downloading and decrypting", opened.Stream!.Bytes,
                    progress => client.SaveFilesAsync(opened, writer, progress, token)).ConfigureAwait(false);
                foreach (var file in saved)
                {
                    var note = file.Renamed ? $" (the {what} called it '{OneLine(file.ManifestName)}')" : string.Empty;
                    Console.Error.WriteLine($"Saved {file.Path} ({Sizes.Format(file.Size)}){note}");
                }
            }

            if (asJson)
            {
                WriteJson(manifest.Text, saved, opened.ViewsLeft);
            }
            else if (opened.ViewsLeft == 0)
            {
                Console.Error.WriteLine($"This was the last view: the {what} is now gone from the server.");
            }
            else
            {
                Console.Error.WriteLine($"{opened.ViewsLeft} more view{(opened.ViewsLeft == 1 ? "" : "s")} left.");
            }

            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static string OneLine(string s) => new([.. s.Where(c => !char.IsControl(c))]);

    private static void WriteJson(string? text, IReadOnlyList<SavedFile> saved, int viewsLeft)
    {
        using var stdout = Console.OpenStandardOutput();
        using (var w = new Utf8JsonWriter(stdout, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            if (text is null)
            {
                w.WriteNull("text");
            }
            else
            {
                w.WriteString("text", text);
            }

            w.WriteStartArray("files");
            foreach (var f in saved)
            {
                w.WriteStartObject();
                w.WriteString("name", f.ManifestName);
                w.WriteString("path", f.Path);
                w.WriteNumber("size", f.Size);
                w.WriteString("type", f.Type);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteNumber("viewsLeft", viewsLeft);
            w.WriteEndObject();
        }

        stdout.WriteByte((byte)'\n');
    }
}
