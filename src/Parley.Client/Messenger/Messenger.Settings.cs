using Parley.Client.Profiles;

namespace Parley.Client.Messenger;

public sealed partial class Messenger
{
    /// <summary>The user's settings (defaults until they change one).</summary>
    public MessengerSettings Settings() => Exclusive(() => CurrentSettings(_profile.BeginWrite()));

    /// <summary>Turns setting <paramref name="name"/> (<see cref="MessengerSettings.Names"/>) on or off and stores it.</summary>
    public MessengerSettings ChangeSetting(string name, bool on) => Exclusive(() =>
    {
        var write = _profile.BeginWrite();
        var changed = CurrentSettings(write).With(name, on)
            ?? throw new MessengerException(MessengerFailure.InvalidArgument,
                $"no setting '{name}' (settings: {string.Join(", ", MessengerSettings.Names)})");
        write.Put(ItemKind.Settings, MessengerSettings.Name, changed, ProfileCodecs.Settings);
        write.Commit();
        return changed;
    });

    private static MessengerSettings CurrentSettings(ProfileWrite write) =>
        write.Get(ItemKind.Settings, MessengerSettings.Name, ProfileCodecs.Settings) ?? MessengerSettings.Default;
}
