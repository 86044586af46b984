using System.CommandLine;
using Parley.Client.Profiles;

namespace Parley.Cli.Messaging;

/// <summary><c>parley profile list|delete</c> and <c>parley passphrase change</c>.</summary>
internal static class ProfileCommands
{
    public static IEnumerable<Command> Build()
    {
        yield return Profile();
        yield return Passphrase();
    }

    private static Command Profile()
    {
        var json = MessengerSession.Json();
        var list = new Command("list", "List the profiles on this computer.") { json };
        list.SetAction((parse, ct) => MessengerSession.GuardAsync(_ =>
        {
            foreach (var name in ProfileDirectory.List())
            {
                if (parse.GetValue(json))
                {
                    JsonLines.Write(new ProfileLine("profile", name), CliJson.Default.ProfileLine);
                }
                else
                {
                    Console.WriteLine(name);
                }
            }

            return Task.FromResult(ExitCodes.Ok);
        }, ct));

        var name = new Argument<string>("name") { Description = "The profile to delete" };
        var yes = new Option<bool>("--yes") { Description = "Do not ask (for scripts)" };
        var delete = new Command("delete", "Delete a profile and everything in it: keys, contacts, history. The account stays on the server.") { name, yes };
        delete.SetAction((parse, ct) => MessengerSession.GuardAsync(_ =>
        {
            var profile = parse.GetValue(name)!;
            if (!ProfileDirectory.IsValidName(profile))
            {
                throw CliException.Usage("not a profile name");
            }

            if (!parse.GetValue(yes))
            {
                if (Console.IsInputRedirected)
                {
                    throw CliException.Usage("deleting a profile needs --yes when there is no terminal to ask");
                }

                Console.Error.Write($"Delete profile '{profile}' with its keys and history? This cannot be undone. Type its name to confirm: ");
                if (Console.ReadLine()?.Trim() != profile)
                {
                    throw CliException.Usage("not confirmed; nothing was deleted");
                }
            }

            ProfileDirectory.Delete(profile);
            Console.Error.WriteLine($"Deleted profile '{profile}'.");
            return Task.FromResult(ExitCodes.Ok);
        }, ct));
        return new Command("profile", "Messaging profiles: one folder each, encrypted with its passphrase.") { list, delete };
    }

    private static Command Passphrase()
    {
        var passphraseFile = MessengerSession.PassphraseFile();
        var newFile = new Option<string?>("--new-passphrase-file") { Description = "Read the new passphrase from this file's first line", HelpName = "path" };
        var change = new Command("change", "Change the profile's passphrase (only the key that protects the profile's data key is rewritten).") { passphraseFile, newFile };
        change.SetAction((parse, ct) => MessengerSession.GuardAsync(_ =>
        {
            var current = MessengerSession.Passphrase(parse, passphraseFile, isNew: false);
            var next = parse.GetValue(newFile) is { } path ? Passphrases.FromFile(path)
                : Console.IsInputRedirected ? throw CliException.Usage("give the new passphrase with --new-passphrase-file (no terminal to prompt)")
                : Passphrases.Prompt(confirm: true, "New profile passphrase: ");
            using var store = ProfileStore.Open(MessengerSession.ProfileName(parse), current);
            store.ChangePassphrase(current, next);
            Console.Error.WriteLine("The profile passphrase was changed.");
            return Task.FromResult(ExitCodes.Ok);
        }, ct));
        return new Command("passphrase", "The profile passphrase.") { change };
    }
}
