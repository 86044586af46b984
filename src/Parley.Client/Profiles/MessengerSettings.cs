namespace Parley.Client.Profiles;

/// <summary>
/// What the user chose to tell their contacts, kept in the profile: whether this profile sends typing
/// notifications and read receipts. When one is off, nothing of that kind is sent at all.
/// </summary>
public sealed record MessengerSettings(bool Typing, bool ReadReceipts)
{
    public const string Name = "settings";

    /// <summary>The names people type (<c>parley settings set typing off</c>, <c>/set read-receipts on</c>).</summary>
    public const string TypingName = "typing";
    public const string ReadReceiptsName = "read-receipts";

    public static readonly MessengerSettings Default = new(true, true);

    public static IReadOnlyList<string> Names { get; } = [TypingName, ReadReceiptsName];

    /// <summary>This record with setting <paramref name="name"/> turned on or off; null when there is no such setting.</summary>
    public MessengerSettings? With(string name, bool on) => name.ToLowerInvariant() switch
    {
        TypingName => this with { Typing = on },
        ReadReceiptsName or "receipts" => this with { ReadReceipts = on },
        _ => null,
    };

    /// <summary>Each setting with its value, in a fixed order.</summary>
    public IEnumerable<(string Name, bool On)> All() => [(TypingName, Typing), (ReadReceiptsName, ReadReceipts)];

    /// <summary>"on"/"off" (also true/false, yes/no, 1/0) as a boolean; null when it is none of them.</summary>
    public static bool? ParseSwitch(string text) => text.ToLowerInvariant() switch
    {
        "on" or "true" or "yes" or "1" => true,
        "off" or "false" or "no" or "0" => false,
        _ => null,
    };
}
