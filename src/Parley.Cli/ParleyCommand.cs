using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Globalization;
using Parley.Cli.Messaging;
using Parley.Client.Secrets;
using Parley.Client.Secrets.Api;

namespace Parley.Cli;

/// <summary>The <c>parley</c> command tree and how its failures become one line and an exit code.</summary>
internal static class ParleyCommand
{
    public const string DefaultServer = "http://127.0.0.1:5080";
    public const string ServerVariable = "PARLEY_SERVER";
    public const string PassphraseVariable = "PARLEY_PASSPHRASE";

    public static async Task<int> RunAsync(string[] args)
    {
        var root = Build();
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0 && parse.Action is not HelpWithExitCodes)
        {
            Console.Error.WriteLine($"parley: {parse.Errors[0].Message} (see parley --help)");
            return ExitCodes.Usage;
        }

        return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }).ConfigureAwait(false);
    }

    internal static RootCommand Build()
    {
        var server = new Option<string?>("--server")
        {
            Description = $"Parley server address (default: ${ServerVariable}, else {DefaultServer})",
            Recursive = true,
            HelpName = "url",
        };
        var root = new RootCommand("parley: one-time secrets and end-to-end encrypted messaging. The server never sees a key, a passphrase or the content.");
        root.Options.Add(server);
        root.Options.Add(MessengerSession.Profile);
        root.Options.Add(ProxyOption.Option);

        var secret = new Command("secret", "Share text and files as a one-time link, open one, check or destroy it; request a secret from someone and answer a request.");
        secret.Subcommands.Add(CreateCommand.Build(server));
        secret.Subcommands.Add(OpenCommand.Build());
        secret.Subcommands.Add(StatusCommand.Build(destroy: false));
        secret.Subcommands.Add(StatusCommand.Build(destroy: true));
        secret.Subcommands.Add(RequestCommand.Build(server));
        secret.Subcommands.Add(RespondCommand.Build());
        root.Subcommands.Add(secret);
        root.Subcommands.Add(WebhookCommand.Build());
        foreach (var command in AccountCommands.Build(server)
            .Concat(ContactCommands.Build())
            .Concat(MessageCommands.Build())
            .Append(GroupCommands.Build())
            .Append(AttachmentCommands.Build())
            .Append(TimerCommand.Build())
            .Concat(ProfileCommands.Build())
            .Append(SettingsCommand.Build())
            .Append(Chat.ChatCommand.Build())
            .Append(Daemon.DaemonCommand.Build()))
        {
            root.Subcommands.Add(command);
        }

        foreach (var help in root.Options.OfType<HelpOption>())
        {
            if (help.Action is HelpAction action)
            {
                help.Action = new HelpWithExitCodes(action);
            }
        }

        return root;
    }

    /// <summary>The standard help, followed by the environment variables and the exit codes.</summary>
    internal sealed class HelpWithExitCodes(HelpAction inner) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            inner.Invoke(parseResult);
            var o = parseResult.InvocationConfiguration.Output;
            o.WriteLine("Environment:");
            o.WriteLine($"  {ServerVariable,-20}server address when --server is not given");
            o.WriteLine($"  {ProxyOption.Variable,-20}SOCKS5 proxy for every connection when --proxy is not given (socks5h://host:port)");
            o.WriteLine($"  {PassphraseVariable,-20}passphrase for scripts: a secret's ('open', 'create --passphrase'), or the messaging profile's");
            o.WriteLine($"  {Parley.Client.Profiles.ProfileDirectory.ProfileVariable,-20}messaging profile when --profile is not given (default 'default')");
            o.WriteLine($"  {"XDG_DATA_HOME",-20}profiles live in $XDG_DATA_HOME/parley/profiles (default ~/.local/share/parley/profiles)");
            o.WriteLine();
            o.WriteLine("Exit codes:");
            foreach (var (code, meaning) in ExitCodes.Table)
            {
                o.WriteLine($"  {code.ToString(CultureInfo.InvariantCulture),-4}{meaning}");
            }

            return ExitCodes.Ok;
        }
    }

    /// <summary>Runs a command body, turning every expected failure into one line on stderr and its exit code.</summary>
    public static async Task<int> GuardAsync(Func<CancellationToken, Task<int>> body, CancellationToken cancellationToken)
    {
        try
        {
            return await body(cancellationToken).ConfigureAwait(false);
        }
        catch (CliException e)
        {
            return Fail(e.ExitCode, e.Message);
        }
        catch (DamagedLinkException e)
        {
            return Fail(ExitCodes.DamagedLink, e.Message);
        }
        catch (SecretsApiException e)
        {
            return Fail(ExitCodeOf(e), MessageOf(e));
        }
        catch (SecretFormatException e)
        {
            return Fail(ExitCodes.Tampered, $"{e.Message} Nothing was saved.");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Fail(ExitCodes.Interrupted, "interrupted");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            return Fail(ExitCodes.Error, e.Message);
        }
    }

    public static int Fail(int code, string message)
    {
        Console.Error.WriteLine($"parley: {message}");
        return code;
    }

    /// <summary>The server to use: --server, else $PARLEY_SERVER, else the default; a usage error when invalid.</summary>
    public static string ResolveServer(string? option)
    {
        var value = option ?? Environment.GetEnvironmentVariable(ServerVariable);
        value = string.IsNullOrWhiteSpace(value) ? DefaultServer : value.Trim();
        try
        {
            return SecretLinks.NormalizeServer(value);
        }
        catch (ArgumentException)
        {
            throw CliException.Usage($"--server must be an http:// or https:// address, e.g. {DefaultServer}");
        }
    }

    internal static int ExitCodeOf(SecretsApiException e) => e.Failure switch
    {
        ApiFailure.NotFound => ExitCodes.NotFound,
        ApiFailure.AlreadyOpened or ApiFailure.AlreadyAnswered => ExitCodes.AlreadyOpened,
        ApiFailure.NotAnswered => ExitCodes.NotAnswered,
        ApiFailure.WrongPassphrase => ExitCodes.WrongPassphrase,
        ApiFailure.Expired => ExitCodes.Expired,
        ApiFailure.Destroyed => ExitCodes.Destroyed,
        ApiFailure.Burned => ExitCodes.Burned,
        ApiFailure.AccessDenied or ApiFailure.Unauthorized or ApiFailure.InvalidId => ExitCodes.DamagedLink,
        ApiFailure.Network => ExitCodes.Network,
        ApiFailure.RateLimited or ApiFailure.CreationClosed or ApiFailure.PayloadTooLarge or ApiFailure.InvalidChoice or ApiFailure.NotReady
            => ExitCodes.Refused,
        _ => ExitCodes.Error,
    };

    private static string MessageOf(SecretsApiException e) => e.Failure switch
    {
        ApiFailure.NotFound => "no such secret: it never existed, or it is gone",
        ApiFailure.AlreadyOpened => e.OpenedAt.Count > 0
            ? $"this secret was already opened, on {string.Join(", ", e.OpenedAt.Select(When))}; if that was not you, someone else read it"
            : "this secret was already opened",
        ApiFailure.WrongPassphrase => e.AttemptsLeft is { } left
            ? $"wrong passphrase ({left} attempt{(left == 1 ? "" : "s")} left before the secret is destroyed)"
            : "wrong passphrase",
        ApiFailure.Expired => e.At is { } at ? $"this secret expired on {When(at)}" : "this secret expired",
        ApiFailure.Destroyed => e.At is { } at ? $"this secret was destroyed by its creator on {When(at)}" : "this secret was destroyed by its creator",
        ApiFailure.Burned => "too many wrong passphrases: the secret was destroyed",
        ApiFailure.AccessDenied => "the link's key does not match this secret: the link is damaged or incomplete",
        ApiFailure.Unauthorized => "the manage link's token does not match this secret: the link is damaged or incomplete",
        ApiFailure.InvalidId => "the link's id is not valid: the link is damaged",
        ApiFailure.RateLimited => e.RetryAfter is { } retry
            ? $"the server is rate limiting this address; try again in {Math.Ceiling(retry.TotalSeconds)} s"
            : "the server is rate limiting this address; try again later",
        ApiFailure.CreationClosed => "this server does not accept new secrets",
        ApiFailure.PayloadTooLarge => "the server refused the secret as too large",
        ApiFailure.NotReady => "the secret's files are still being uploaded; try again shortly",
        ApiFailure.AlreadyAnswered => e.At is { } at
            ? $"this request was already answered, on {When(at)}; it takes one answer"
            : "this request was already answered; it takes one answer",
        ApiFailure.NotAnswered => "the request has no answer yet; try again later",
        ApiFailure.InvalidRequest when e.Errors.Count > 0 =>
            OneLine($"{e.Message} {string.Join("; ", e.Errors.Select(m => $"{m.Key} {string.Join(", ", m.Value)}"))}"),
        _ => OneLine(e.Message),
    };

    public static string When(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    private static string OneLine(string s) => s.ReplaceLineEndings(" ");
}
