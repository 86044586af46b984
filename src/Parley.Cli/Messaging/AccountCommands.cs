using System.CommandLine;
using Parley.Client.Messaging;

namespace Parley.Cli.Messaging;

/// <summary><c>parley register | login | logout | whoami</c>.</summary>
internal static class AccountCommands
{
    public static IEnumerable<Command> Build(Option<string?> server)
    {
        yield return Register(server);
        yield return Simple("login", "Log in again now (parley logs in by itself when it needs to; this checks the account).", async (m, ct) =>
        {
            await m.LoginAsync(ct).ConfigureAwait(false);
            Console.Error.WriteLine($"Logged in as {m.Username} on {m.Server.Authority}.");
        });
        yield return Simple("logout", "Revoke this profile's login token on the server (the profile and its keys stay).", async (m, ct) =>
        {
            await m.LogoutAsync(ct).ConfigureAwait(false);
            Console.Error.WriteLine($"Logged out {m.Username} from {m.Server.Authority}.");
        });
        yield return WhoAmI();
        yield return Unregister();
    }

    private static Command Register(Option<string?> server)
    {
        var username = new Argument<string>("username") { Description = "The username to register (3-32 letters, digits, '_', '.', '-'; starts with a letter)" };
        var invite = new Option<string?>("--invite") { Description = "Invite code, when the server registers by invitation", HelpName = "code" };
        var passphraseFile = MessengerSession.PassphraseFile();
        var command = new Command("register", "Create a messaging profile: a new identity key and prekeys, registered under <username> on the server.")
        {
            username, invite, passphraseFile,
        };
        command.SetAction((parse, ct) => MessengerSession.GuardAsync(async token =>
        {
            var name = MessengerSession.ProfileName(parse);
            var url = new Uri(ParleyCommand.ResolveServer(parse.GetValue(server)));
            var options = MessengerSession.Options(parse);
            var passphrase = MessengerSession.Passphrase(parse, passphraseFile, isNew: true);
            await using var messenger = await Client.Messenger.Messenger.RegisterAsync(name, passphrase, url, parse.GetValue(username)!,
                parse.GetValue(invite), options, token).ConfigureAwait(false);
            Console.Error.WriteLine($"Registered {messenger.Username} on {url.Authority} (profile '{name}').");
            Console.Error.WriteLine("Your profile is encrypted with your passphrase: without it, nobody (you included) can read it.");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command WhoAmI()
    {
        var json = MessengerSession.Json("Print the account as JSON");
        var passphraseFile = MessengerSession.PassphraseFile();
        var command = new Command("whoami", "Show this profile's username, server and identity key.") { json, passphraseFile };
        command.SetAction((parse, ct) => MessengerSession.GuardAsync(async _ =>
        {
            await using var m = MessengerSession.Open(parse, passphraseFile);
            var key = AccountKeys.B64u(m.IdentityKey.Serialize());
            if (parse.GetValue(json))
            {
                JsonLines.Write(new AccountLine("account", m.Username, m.Server.GetLeftPart(UriPartial.Authority), m.Profile.Name, key, m.RegistrationId),
                    CliJson.Default.AccountLine);
            }
            else
            {
                Console.WriteLine($"{m.Username} on {m.Server.GetLeftPart(UriPartial.Authority)} (profile '{m.Profile.Name}')");
                Console.WriteLine($"identity key: {key}");
            }

            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Unregister()
    {
        var yes = new Option<bool>("--yes") { Description = "Do not ask (for scripts)" };
        var passphraseFile = MessengerSession.PassphraseFile();
        var command = new Command("unregister", "Delete your account on the server and this profile (keys, contacts, history). The username becomes free.")
        {
            yes, passphraseFile,
        };
        command.SetAction((parse, ct) => MessengerSession.GuardAsync(async token =>
        {
            var m = MessengerSession.Open(parse, passphraseFile);
            try
            {
                if (!parse.GetValue(yes))
                {
                    if (Console.IsInputRedirected)
                    {
                        throw CliException.Usage("unregister needs --yes when there is no terminal to ask");
                    }

                    Console.Error.Write($"Delete the account {m.Username} on {m.Server.Authority} and this profile? Type the username to confirm: ");
                    if (Console.ReadLine()?.Trim() != m.Username)
                    {
                        throw CliException.Usage("not confirmed; nothing was deleted");
                    }
                }

                var who = m.Username;
                await m.UnregisterAsync(token).ConfigureAwait(false);
                Console.Error.WriteLine($"Deleted the account {who} and its profile.");
                return ExitCodes.Ok;
            }
            finally
            {
                await m.DisposeAsync().ConfigureAwait(false);
            }
        }, ct));
        return command;
    }

    /// <summary>A command that opens the profile, runs <paramref name="work"/>, and exits 0.</summary>
    internal static Command Simple(string name, string description, Func<Client.Messenger.Messenger, CancellationToken, Task> work)
    {
        var passphraseFile = MessengerSession.PassphraseFile();
        var command = new Command(name, description) { passphraseFile };
        command.SetAction((parse, ct) => MessengerSession.GuardAsync(async token =>
        {
            await using var m = MessengerSession.Open(parse, passphraseFile);
            await work(m, token).ConfigureAwait(false);
            return ExitCodes.Ok;
        }, ct));
        return command;
    }
}
