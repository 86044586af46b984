using System.CommandLine;
using Parley.Client.Secrets;

namespace Parley.Cli.Messaging;

/// <summary><c>parley timer &lt;user|#group&gt; [1h|off]</c>: disappearing messages.</summary>
internal static class TimerCommand
{
    public static Command Build()
    {
        var with = new Argument<string>("conversation") { Description = "A username, or #group" };
        var value = new Argument<string?>("timer")
        {
            Description = "How long messages live once they arrive (e.g. 30s, 5m, 1h, 1d, 1w), or off; without it, the current timer is shown",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var json = MessengerSession.Json();
        var passphraseFile = MessengerSession.PassphraseFile();
        var command = new Command("timer", "Disappearing messages: messages sent from now on are deleted from both sides' profiles that long after they arrive.")
        {
            with, value, json, passphraseFile,
        };
        command.SetAction((parse, ct) => MessengerSession.GuardAsync(async token =>
        {
            var text = parse.GetValue(value);
            TimeSpan? timer = text switch
            {
                null => null,
                "off" or "0" => TimeSpan.Zero,
                _ when Durations.TryParse(text, out var seconds) => TimeSpan.FromSeconds(seconds),
                _ => throw CliException.Usage($"'{text}' is not a timer: use a duration such as 30s, 5m, 1h, 1d, 1w, or off"),
            };
            var target = parse.GetValue(with)!;
            await using var m = MessengerSession.Open(parse, passphraseFile);
            var conversation = m.ResolveConversation(target);
            var title = Display.Title(conversation, m.Groups());
            if (timer is { } set)
            {
                var result = await m.SetTimerAsync(target, set, token).ConfigureAwait(false);
                if (!result.Queued)
                {
                    return ParleyCommand.Fail(ExitCodes.Network, result.Problem ?? "not sent");
                }
            }

            var current = m.GetTimer(target);
            if (parse.GetValue(json))
            {
                JsonLines.Write(new TimerLine("timer", conversation, (long)(current?.TotalSeconds ?? 0)), CliJson.Default.TimerLine);
            }
            else
            {
                Console.Error.WriteLine(current is { } t
                    ? $"Messages in {title} disappear {Client.Messenger.Messenger.Describe((long)t.TotalSeconds)} after they arrive."
                    : $"Disappearing messages are off in {title}.");
            }

            return ExitCodes.Ok;
        }, ct));
        return command;
    }
}
