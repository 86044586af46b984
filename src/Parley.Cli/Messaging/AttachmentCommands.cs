using System.CommandLine;
using Parley.Client.Messenger;
using Parley.Client.Profiles;
using Parley.Client.Secrets;

namespace Parley.Cli.Messaging;

/// <summary><c>parley attachment list | save | discard</c>, and saving for <c>inbox --out</c>.</summary>
internal static class AttachmentCommands
{
    public static Command Build() => new("attachment", "Files you received: list them, save them (checked before anything is written), or discard them.")
    {
        List(),
        Save(),
        Discard(),
    };

    /// <summary>A <c>--out</c> option: the folder files are saved in.</summary>
    public static Option<string?> OutOption(string what) => new("--out", "-o") { Description = what, HelpName = "folder" };

    /// <summary>The folder of <c>--out</c> (default: the current one); a usage error when it names a file.</summary>
    public static string Folder(string? option)
    {
        var folder = Path.GetFullPath(option ?? ".");
        return File.Exists(folder) ? throw CliException.Usage($"--out: {folder} is a file, not a folder") : folder;
    }

    private static Command List()
    {
        var json = MessengerSession.Json();
        var passphraseFile = MessengerSession.PassphraseFile();
        var command = new Command("list", "List the files you received and have not saved or discarded yet.") { json, passphraseFile };
        command.SetAction((parse, ct) => MessengerSession.GuardAsync(async _ =>
        {
            await using var m = MessengerSession.Open(parse, passphraseFile);
            var groups = m.Groups();
            foreach (var p in m.PendingAttachments())
            {
                if (parse.GetValue(json))
                {
                    JsonLines.Write(Line(p), CliJson.Default.AttachmentLine);
                }
                else
                {
                    Console.WriteLine($"{ShortId(p.Uid)}  {Display.Title(p.Conversation, groups)}  {p.Sender}: {Display.Safe(p.Name)} ({Display.Size(p.Size)}), "
                        + $"on the server until {Display.Time(p.Until)}");
                }
            }

            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Save()
    {
        var ids = new Argument<string[]>("id") { Description = "The attachment's id, or its first four or more characters (see 'parley attachment list')", Arity = ArgumentArity.OneOrMore };
        var output = OutOption("Folder to save into (created if missing; default: the current folder). Existing files are never replaced");
        var json = MessengerSession.Json("Print one JSON object per saved file");
        var passphraseFile = MessengerSession.PassphraseFile();
        var command = new Command("save", "Download, check and save received files; the server deletes a file once every recipient has it.")
        {
            ids, output, json, passphraseFile,
        };
        command.SetAction((parse, ct) => MessengerSession.GuardAsync(async token =>
        {
            var folder = Folder(parse.GetValue(output));
            await using var m = MessengerSession.Open(parse, passphraseFile);
            var worst = ExitCodes.Ok;
            foreach (var id in parse.GetValue(ids)!)
            {
                var code = await MessengerSession.GuardAsync(t => SaveOneAsync(m, id, folder, parse.GetValue(json), t), token).ConfigureAwait(false);
                worst = worst == ExitCodes.Ok ? code : worst;
            }

            return worst;
        }, ct));
        return command;
    }

    private static Command Discard()
    {
        var id = new Argument<string>("id") { Description = "The attachment's id, or its first four or more characters" };
        var passphraseFile = MessengerSession.PassphraseFile();
        var command = new Command("discard", "Forget a received file without saving it (its key goes; the server may delete the file).") { id, passphraseFile };
        command.SetAction((parse, ct) => MessengerSession.GuardAsync(async token =>
        {
            await using var m = MessengerSession.Open(parse, passphraseFile);
            await m.DiscardAttachmentAsync(parse.GetValue(id)!, token).ConfigureAwait(false);
            Console.Error.WriteLine("Discarded.");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <summary>Saves every file waiting to be saved into <paramref name="folder"/>; one failing file does not stop the others.</summary>
    public static async Task<int> SaveAllAsync(Client.Messenger.Messenger m, string folder, bool asJson, CancellationToken token)
    {
        var worst = ExitCodes.Ok;
        foreach (var pending in m.PendingAttachments())
        {
            var code = await MessengerSession.GuardAsync(t => SaveOneAsync(m, pending.Uid, folder, asJson, t), token).ConfigureAwait(false);
            worst = worst == ExitCodes.Ok ? code : worst;
        }

        return worst;
    }

    /// <summary>Downloads, checks and saves one file, with a progress bar on a terminal; a file that fails its checks is named in the error.</summary>
    public static async Task<int> SaveOneAsync(Client.Messenger.Messenger m, string reference, string folder, bool asJson, CancellationToken token)
    {
        var saved = await SaveCheckedAsync(m, reference, folder, (pending, save) =>
            Transfers.RunAsync(new Terminal(), true, "Downloading " + Display.Safe(pending.Name), AttachmentFormat.SealedLength(pending.Size), save), token).ConfigureAwait(false);
        if (asJson)
        {
            JsonLines.Write(Line(saved), CliJson.Default.SavedLine);
        }
        else
        {
            Console.Error.WriteLine($"Saved {Display.Safe(saved.Name)} ({Display.Size(saved.Size)}) as {saved.Path}.");
        }

        return ExitCodes.Ok;
    }

    /// <summary>
    /// Saves one received file through <paramref name="run"/> (which may show progress); a file that fails
    /// its checks is a <see cref="ExitCodes.Tampered"/> failure that names it, and nothing is saved.
    /// </summary>
    public static async Task<SavedAttachment> SaveCheckedAsync(Client.Messenger.Messenger m, string reference, string folder,
        Func<PendingAttachment, Func<IProgress<long>?, Task<SavedAttachment>>, Task<SavedAttachment>> run, CancellationToken token = default)
    {
        var pending = m.FindAttachment(reference);
        try
        {
            return await run(pending, p => m.SaveAttachmentAsync(pending.Uid, folder, p, token)).ConfigureAwait(false);
        }
        catch (SecretFormatException e)
        {
            throw new CliException(ExitCodes.Tampered, $"{Display.Safe(pending.Name)} was refused: {e.Message} "
                + $"Nothing was saved; it stays listed ('parley attachment discard {ShortId(pending.Uid)}' forgets it).");
        }
    }

    public static AttachmentLine Line(PendingAttachment p) => new("attachment", p.Uid, p.Conversation, p.Sender, p.Name, p.Size, p.Until);

    public static SavedLine Line(SavedAttachment s) => new("saved", s.Uid, s.Conversation, s.Name, s.Path, s.Size);

    /// <summary>What people type to name an attachment: the start of its message id.</summary>
    public static string ShortId(string uid) => Client.Messenger.Messenger.IdPart(uid)[..8];
}
