using System.CommandLine;
using Parley.Client.Messaging;
using Parley.Client.Messenger;
using Parley.Client.Network;
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
        var options = Options(parse);
        return Client.Messenger.Messenger.Open(name, Passphrase(parse, passphraseFile, isNew: false), options);
    }

    /// <summary>The messenger's settings from the command line: the proxy (a usage error, before anything is opened, when invalid).</summary>
    public static MessengerOptions Options(ParseResult parse) => new() { Proxy = ProxyOption.Resolve(parse) };

    public static string ProfileName(ParseResult parse) => ProfileDirectory.ResolveName(parse.GetValue(Profile));

    /// <summary>Runs a messaging command: <see cref="ParleyCommand.GuardAsync"/> plus the messenger's own failures.</summary>
    public static Task<int> GuardAsync(Func<CancellationToken, Task<int>> body, CancellationToken cancellationToken) =>
        ParleyCommand.GuardAsync(async ct =>
        {
            try
            {
                return await body(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (Failure(e) is { } failure)
            {
                throw failure;
            }
        }, cancellationToken);

    /// <summary>The exit code and one-line message of a messenger, profile or messaging API failure; null for anything else.</summary>
    public static CliException? Failure(Exception e) => e switch
    {
        ProfileException p => new CliException(p.Failure switch
        {
            ProfileFailure.NotFound => ExitCodes.NoProfile,
            ProfileFailure.AlreadyExists or ProfileFailure.InvalidName => ExitCodes.Usage,
            ProfileFailure.WrongPassphrase => ExitCodes.WrongProfilePassphrase,
            ProfileFailure.InUse => ExitCodes.ProfileInUse,
            _ => ExitCodes.ProfileDamaged,
        }, p.Message),
        MessengerException m => new CliException(m.Failure switch
        {
            MessengerFailure.InvalidArgument => ExitCodes.Usage,
            MessengerFailure.NotRegistered => ExitCodes.NoProfile,
            MessengerFailure.UnknownUser or MessengerFailure.UnknownGroup or MessengerFailure.NoSuchAttachment => ExitCodes.NotFound,
            MessengerFailure.IdentityChanged => ExitCodes.IdentityChanged,
            MessengerFailure.LoginFailed => ExitCodes.LoginRefused,
            _ => ExitCodes.Refused,
        }, m.Message),
        MessagingApiException a when a.Type == MessagingApiException.NetworkType =>
            new CliException(ExitCodes.Network, ProxyException.Find(a)?.Message ?? "the server could not be reached"),
        MessagingApiException a when a.Status is >= 400 and < 500 =>
            new CliException(a.Status == 404 ? ExitCodes.NotFound : ExitCodes.Refused, "the server refused: " + (a.Detail ?? a.Type)),
        MessagingApiException a => new CliException(ExitCodes.Error, "the server failed: " + (a.Detail ?? a.Type)),
        _ => null,
    };
}
