using System.CommandLine;
using Parley.Client.Messaging;
using Parley.Client.Messenger;
using Parley.Client.Profiles;

namespace Parley.Cli.Messaging;

/// <summary>
/// What every messaging command shares: the <c>--profile</c> and <c>--passphrase-file</c> options,
/// unlocking the profile (file, $PARLEY_PASSPHRASE or a no-echo prompt), and turning the messenger's
/// failures into one line and an exit code.
/// </summary>
internal static class MessengerSession
{
    public static readonly Option<string?> Profile = new("--profile")
    {
        Description = $"Messaging profile to use (default: ${ProfileDirectory.ProfileVariable}, else '{ProfileDirectory.DefaultName}')",
        Recursive = true,
        HelpName = "name",
    };

    /// <summary>A <c>--passphrase-file</c> option for a messaging command (the profile's passphrase).</summary>
    public static Option<string?> PassphraseFile() => new("--passphrase-file")
    {
        Description = $"Read the profile passphrase from this file's first line (default: ${ParleyCommand.PassphraseVariable}, else a prompt)",
        HelpName = "path",
    };

    public static Option<bool> Json(string what = "Print one JSON object per line") => new("--json") { Description = what };

    /// <summary>The profile passphrase: the file, else $PARLEY_PASSPHRASE, else a no-echo prompt (twice for a new one).</summary>
    public static string Passphrase(ParseResult parse, Option<string?> file, bool isNew)
    {
        if (parse.GetValue(file) is { } path)
        {
            return Passphrases.FromFile(path);
        }

        return Passphrases.FromEnvironment()
            ?? (Console.IsInputRedirected
                ? throw CliException.Usage($"the profile passphrase is needed: set ${ParleyCommand.PassphraseVariable} or use --passphrase-file (no terminal to prompt)")
                : Passphrases.Prompt(confirm: isNew, isNew ? "New profile passphrase: " : "Profile passphrase: "));
    }

    /// <summary>Opens the chosen profile's messenger.</summary>
    public static Client.Messenger.Messenger Open(ParseResult parse, Option<string?> passphraseFile)
    {
        var name = ProfileName(parse);
        return Client.Messenger.Messenger.Open(name, Passphrase(parse, passphraseFile, isNew: false));
    }

    public static string ProfileName(ParseResult parse) => ProfileDirectory.ResolveName(parse.GetValue(Profile));

    /// <summary>Runs a messaging command: <see cref="ParleyCommand.GuardAsync"/> plus the messenger's own failures.</summary>
    public static Task<int> GuardAsync(Func<CancellationToken, Task<int>> body, CancellationToken cancellationToken) =>
        ParleyCommand.GuardAsync(async ct =>
        {
            try
            {
                return await body(ct).ConfigureAwait(false);
            }
            catch (ProfileException e)
            {
                throw new CliException(e.Failure switch
                {
                    ProfileFailure.NotFound => ExitCodes.NoProfile,
                    ProfileFailure.AlreadyExists or ProfileFailure.InvalidName => ExitCodes.Usage,
                    ProfileFailure.WrongPassphrase => ExitCodes.WrongProfilePassphrase,
                    ProfileFailure.InUse => ExitCodes.ProfileInUse,
                    _ => ExitCodes.ProfileDamaged,
                }, e.Message);
            }
            catch (MessengerException e)
            {
                throw new CliException(e.Failure switch
                {
                    MessengerFailure.InvalidArgument => ExitCodes.Usage,
                    MessengerFailure.NotRegistered => ExitCodes.NoProfile,
                    MessengerFailure.UnknownUser or MessengerFailure.UnknownGroup or MessengerFailure.NoSuchAttachment => ExitCodes.NotFound,
                    MessengerFailure.IdentityChanged => ExitCodes.IdentityChanged,
                    MessengerFailure.LoginFailed => ExitCodes.LoginRefused,
                    _ => ExitCodes.Refused,
                }, e.Message);
            }
            catch (MessagingApiException e) when (e.Type == MessagingApiException.NetworkType)
            {
                throw new CliException(ExitCodes.Network, "the server could not be reached");
            }
            catch (MessagingApiException e) when (e.Status is >= 400 and < 500)
            {
                throw new CliException(e.Status == 404 ? ExitCodes.NotFound : ExitCodes.Refused, "the server refused: " + (e.Detail ?? e.Type));
            }
            catch (MessagingApiException e)
            {
                throw new CliException(ExitCodes.Error, "the server failed: " + (e.Detail ?? e.Type));
            }
        }, cancellationToken);
}
