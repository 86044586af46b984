using System.CommandLine;
using Parley.Client.Messaging;
using Parley.Client.Messenger;
using Parley.Client.Profiles;

namespace Parley.Cli.Messaging;

/// <summary><c>parley send | inbox | history | online | session reset</c>.</summary>
internal static class MessageCommands
{
    private const int MaxStdinBytes = 64 * 1024;

    public static IEnumerable<Command> Build()
    {
        yield return Send();
        yield return Inbox();
        yield return History();
        yield return Online();
        yield return Session();
    }

    private static Command Send()
    {
        var to = new Argument<string>("to") { Description = "A username, or #group (its name or id)" };
        var text = new Argument<string?>("text") { Description = "The message; without it (and without --file), standard input is read", Arity = ArgumentArity.ZeroOrOne };
        var files = new Option<string[]>("--file") { Description = "A file to send, encrypted end to end (repeatable); the text, if any, goes first", HelpName = "path" };
        var json = MessengerSession.Json("Print the result as JSON");
        var passphraseFile = MessengerSession.PassphraseFile();
        var command = new Command("send", "Send an end-to-end encrypted message or files to a user or a group.") { to, text, files, json, passphraseFile };
        command.SetAction((parse, ct) => MessengerSession.GuardAsync(async token =>
        {
            var paths = parse.GetValue(files) ?? [];
            foreach (var path in paths)
            {
                SecretInput.CheckFile(path); // every file is checked before anything is sent
            }

            var body = parse.GetValue(text) ?? (paths.Length == 0 ? ReadStandardInput() : null);
            var target = parse.GetValue(to)!;
            var asJson = parse.GetValue(json);
            await using var m = MessengerSession.Open(parse, passphraseFile);
            foreach (var path in paths)
            {
                await m.CheckFileAsync(path, token).ConfigureAwait(false); // none larger than the server takes, before anything is sent
            }

            SendResult? failed = null;
            void Report(SendResult result)
            {
                failed ??= result.Queued ? null : result;
                if (asJson)
                {
                    JsonLines.Write(JsonLines.Sent(result), CliJson.Default.SentLine);
                }
                else if (result.Queued)
                {
                    var what = result.Message.Kind == StoredMessage.KindAttachment ? Display.Safe(result.Message.Text) + " " : "";
                    Console.Error.WriteLine($"Sent {what}to {Display.Title(result.Message.Conversation, m.Groups())}.");
                }
            }

            if (body is not null)
            {
                Report(await m.SendTextAsync(target, body, token).ConfigureAwait(false));
            }

            var terminal = new Terminal();
            foreach (var path in paths)
            {
                var label = "Uploading " + Display.Safe(Path.GetFileName(path));
                Report(await Transfers.RunAsync(terminal, true, label, AttachmentFormat.SealedLength(new FileInfo(path).Length),
                    progress => m.SendFileAsync(target, path, progress, token)).ConfigureAwait(false));
            }

            return failed is null ? ExitCodes.Ok
                : ParleyCommand.Fail(failed.Message.State == DeliveryState.Failed ? ExitCodes.Refused : ExitCodes.Network, failed.Problem ?? "not sent");
        }, ct));
        return command;
    }

    /// <summary>The message from standard input (UTF-8), without one trailing line break (what <c>echo</c> adds).</summary>
    private static string ReadStandardInput()
    {
        if (!Console.IsInputRedirected)
        {
            throw CliException.Usage("give the message as an argument, or pipe it into standard input");
        }

        var text = Terminal.ReadAllInput(MaxStdinBytes);
        text = text.EndsWith("\r\n", StringComparison.Ordinal) ? text[..^2] : text.EndsWith('\n') ? text[..^1] : text;
        return text.Length > 0 ? text : throw CliException.Usage("standard input is empty: nothing to send");
    }

    private static Command Inbox()
    {
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep listening for new messages until Ctrl-C (over the hub)" };
        var verbose = new Option<bool>("--verbose") { Description = "Also show delivery and read receipts, typing, presence changes and messages that disappeared" };
        var output = AttachmentCommands.OutOption("Save received files into this folder (every file waiting to be saved; existing files are never replaced)");
        var json = MessengerSession.Json("One JSON object per line: messages, warnings, receipts, drops");
        var passphraseFile = MessengerSession.PassphraseFile();
        var command = new Command("inbox", "Receive what is waiting on the server, store it, print it, and exit (or keep listening with --follow).")
        {
            follow, verbose, output, json, passphraseFile,
        };
        command.SetAction((parse, ct) => MessengerSession.GuardAsync(async token =>
        {
            var asJson = parse.GetValue(json);
            var isVerbose = parse.GetValue(verbose);
            var folder = parse.GetValue(output) is { } o ? AttachmentCommands.Folder(o) : null;
            await using var m = MessengerSession.Open(parse, passphraseFile);
            void Show(MessengerEvent e)
            {
                if (asJson)
                {
                    JsonLines.Event(e);
                }
                else
                {
                    Display.Event(e, m.Groups(), isVerbose, saving: folder is not null);
                }
            }

            if (!parse.GetValue(follow))
            {
                foreach (var e in await m.ReceivePendingAsync(token).ConfigureAwait(false))
                {
                    Show(e);
                }

                return folder is null ? ExitCodes.Ok : await AttachmentCommands.SaveAllAsync(m, folder, asJson, token).ConfigureAwait(false);
            }

            if (!asJson)
            {
                Console.Error.WriteLine($"Listening as {m.Username} on {m.Server.Authority}; Ctrl-C to stop.");
            }

            try
            {
                if (folder is not null)
                {
                    await AttachmentCommands.SaveAllAsync(m, folder, asJson, token).ConfigureAwait(false);
                }

                await foreach (var e in m.FollowAsync(cancellationToken: token).ConfigureAwait(false))
                {
                    Show(e);
                    if (folder is not null && e is MessageReceived { Message: { Kind: StoredMessage.KindAttachment, Direction: MessageDirection.Incoming } file })
                    {
                        await MessengerSession.GuardAsync(t => AttachmentCommands.SaveOneAsync(m, file.Uid, folder, asJson, t), token).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
            }

            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command History()
    {
        var with = new Argument<string>("conversation") { Description = "A username, or #group" };
        var limit = new Option<int>("--limit", "-n") { Description = "How many of the latest messages to show (default 50)", DefaultValueFactory = _ => 50, HelpName = "n" };
        var json = MessengerSession.Json();
        var passphraseFile = MessengerSession.PassphraseFile();
        var command = new Command("history", "Show a conversation from the encrypted local history (works offline).") { with, limit, json, passphraseFile };
        command.SetAction((parse, ct) => MessengerSession.GuardAsync(async token =>
        {
            var count = parse.GetValue(limit);
            if (count is < 1 or > 100_000)
            {
                throw CliException.Usage("--limit must lie between 1 and 100000");
            }

            await using var m = MessengerSession.Open(parse, passphraseFile);
            var target = parse.GetValue(with)!;
            var conversation = m.ResolveConversation(target);
            await RefreshDeliveryQuietlyAsync(m, token).ConfigureAwait(false);
            var lines = m.History(conversation, count);
            foreach (var line in lines)
            {
                if (parse.GetValue(json))
                {
                    JsonLines.Write(JsonLines.Message(line), CliJson.Default.MessageLine);
                }
                else
                {
                    Console.WriteLine(Display.Line(line, null));
                }
            }

            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <summary>Delivery states from the server when it answers quickly; history never waits for the network.</summary>
    private static async Task RefreshDeliveryQuietlyAsync(Client.Messenger.Messenger m, CancellationToken token)
    {
        using var soon = CancellationTokenSource.CreateLinkedTokenSource(token);
        soon.CancelAfter(TimeSpan.FromSeconds(3));
        try
        {
            await m.RefreshDeliveryAsync(soon.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is MessagingApiException or MessengerException or OperationCanceledException or HttpRequestException && !token.IsCancellationRequested)
        {
            // offline: the stored states are shown
        }
    }

    private static Command Online()
    {
        var json = MessengerSession.Json();
        var passphraseFile = MessengerSession.PassphraseFile();
        var command = new Command("online", "List the users you may see who are online now.") { json, passphraseFile };
        command.SetAction((parse, ct) => MessengerSession.GuardAsync(async token =>
        {
            await using var m = MessengerSession.Open(parse, passphraseFile);
            foreach (var user in await m.OnlineAsync(token).ConfigureAwait(false))
            {
                if (parse.GetValue(json))
                {
                    JsonLines.Write(new PresenceLine("presence", user, true), CliJson.Default.PresenceLine);
                }
                else
                {
                    Console.WriteLine(user);
                }
            }

            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Session()
    {
        var user = new Argument<string>("user") { Description = "The contact whose session to renew" };
        var passphraseFile = MessengerSession.PassphraseFile();
        var reset = new Command("reset", "Forget the secure session with a user and start a new one (they are told).") { user, passphraseFile };
        reset.SetAction((parse, ct) => MessengerSession.GuardAsync(async token =>
        {
            await using var m = MessengerSession.Open(parse, passphraseFile);
            var result = await m.ResetSessionAsync(parse.GetValue(user)!, token).ConfigureAwait(false);
            if (!result.Queued)
            {
                return ParleyCommand.Fail(ExitCodes.Network, result.Problem ?? "not sent");
            }

            Console.Error.WriteLine($"The secure session with {ConversationId.Subject(result.Message.Conversation)} was reset.");
            return ExitCodes.Ok;
        }, ct));
        return new Command("session", "Manage secure sessions.") { reset };
    }
}
