using System.CommandLine;
using Parley.Cli.Messaging;

namespace Parley.Cli.Chat;

/// <summary><c>parley chat [user|#group]</c>: the interactive chat screen.</summary>
internal static class ChatCommand
{
    public static Command Build()
    {
        var with = new Argument<string?>("conversation") { Description = "Open this conversation first: a username, or #group", Arity = ArgumentArity.ZeroOrOne };
        var passphraseFile = MessengerSession.PassphraseFile();
        var command = new Command("chat", "The interactive chat screen: conversations, history, live messages and warnings (keys: F1). Holds the profile while open.")
        {
            with, passphraseFile,
        };
        command.SetAction((parse, ct) => MessengerSession.GuardAsync(async token =>
        {
            if (Console.IsInputRedirected || Console.IsOutputRedirected)
            {
                throw CliException.Usage("'parley chat' needs a terminal; scripts use 'parley send' and 'parley inbox --follow --json'");
            }

            await using var m = MessengerSession.Open(parse, passphraseFile);
            var initial = parse.GetValue(with) is { } target ? m.ResolveConversation(target) : null;
            if (initial == Client.Messenger.ConversationId.Direct(m.Username))
            {
                throw CliException.Usage("that is your own username");
            }

            return await ChatApp.RunAsync(m, initial, token).ConfigureAwait(false);
        }, ct));
        return command;
    }
}
