using System.CommandLine;
using Parley.Client.Profiles;

namespace Parley.Cli.Messaging;

/// <summary><c>parley settings [list] | settings set &lt;name&gt; on|off</c>: what this profile tells its contacts.</summary>
internal static class SettingsCommand
{
    public static Command Build()
    {
        var listFile = MessengerSession.PassphraseFile();
        var list = new Command("list", "Show the settings.") { listFile };
        list.SetAction((parse, ct) => MessengerSession.GuardAsync(async _ =>
        {
            await using var m = MessengerSession.Open(parse, listFile);
            Print(m.Settings());
            return ExitCodes.Ok;
        }, ct));

        var name = new Argument<string>("name") { Description = string.Join(" or ", MessengerSettings.Names) };
        var value = new Argument<string>("value") { Description = "on or off" };
        var setFile = MessengerSession.PassphraseFile();
        var set = new Command("set", "Turn a setting on or off: typing (typing notifications), read-receipts.") { name, value, setFile };
        set.SetAction((parse, ct) => MessengerSession.GuardAsync(async _ =>
        {
            var on = MessengerSettings.ParseSwitch(parse.GetValue(value)!) ?? throw CliException.Usage("the value is 'on' or 'off'");
            var setting = parse.GetValue(name)!;
            if (MessengerSettings.Default.With(setting, on) is null)
            {
                throw CliException.Usage($"no setting '{setting}' (settings: {string.Join(", ", MessengerSettings.Names)})");
            }

            await using var m = MessengerSession.Open(parse, setFile);
            Print(m.ChangeSetting(setting, on));
            return ExitCodes.Ok;
        }, ct));

        var settings = new Command("settings", "Whether this profile sends typing notifications and read receipts (both on by default).") { list, set };
        settings.Action = list.Action;
        foreach (var option in list.Options)
        {
            settings.Options.Add(option);
        }

        return settings;
    }

    private static void Print(MessengerSettings settings)
    {
        foreach (var (n, on) in settings.All())
        {
            Console.WriteLine($"{n,-15} {(on ? "on" : "off")}");
        }
    }
}
