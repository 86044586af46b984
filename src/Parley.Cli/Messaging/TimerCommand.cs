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
            var timer = Parse(parse.GetValue(value));
            var target = parse.GetValue(with)!;
            await using var m = MessengerSession.Open(parse, passphraseFile);
            var line = await ApplyAsync(m, target, timer, token).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                JsonLines.Write(line, CliJson.Default.TimerLine);
            }
            else
            {
                var title = Display.Title(line.Conversation, m.Groups());
                Console.Error.WriteLine(line.Seconds > 0
                    ? $"Messages in {title} disappear {Client.Messenger.Messenger.Describe(line.Seconds)} after they arrive."
                    : $"Disappearing messages are off in {title}.");
            }

            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <summary>A timer as people type it (30s, 5m, 1h, 1d, 1w, or off); null: none given (show the current one).</summary>
    public static TimeSpan? Parse(string? text) => text switch
    {
        null => null,
        "off" or "0" => TimeSpan.Zero,
        _ when Durations.TryParse(text, out var seconds) => TimeSpan.FromSeconds(seconds),
        _ => throw CliException.Usage($"'{text}' is not a timer: use a duration such as 30s, 5m, 1h, 1d, 1w, or off"),
    };

    /// <summary>Sets the timer of <paramref name="target"/> when <paramref name="timer"/> is given, and returns the one now in force.</summary>
    public static async Task<TimerLine> ApplyAsync(Client.Messenger.Messenger m, string target, TimeSpan? timer, CancellationToken token)
    {
        var conversation = m.ResolveConversation(target);
        if (timer is { } set)
        {
            var result = await m.SetTimerAsync(target, set, token).ConfigureAwait(false);
            if (!result.Queued)
            {
                throw new CliException(ExitCodes.Network, result.Problem ?? "not sent");
            }
        }

        return new TimerLine("timer", conversation, (long)(m.GetTimer(target)?.TotalSeconds ?? 0));
    }
}
