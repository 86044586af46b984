using Terminal.Gui.Drawing;
using Attribute = Terminal.Gui.Drawing.Attribute;

namespace Parley.Cli.Chat;

/// <summary>
/// The screen's attributes. Backgrounds stay the terminal's own; with <c>NO_COLOR</c> set
/// (https://no-color.org) foregrounds do too, and only bold, reverse and underline tell things apart.
/// </summary>
internal sealed class ChatTheme
{
    private ChatTheme(bool color)
    {
        var none = Color.None;
        Attribute A(ColorName16 fg, TextStyle style = TextStyle.None) => color ? new Attribute(new Color(fg), none, style) : new Attribute(none, none, style);
        Normal = new Attribute(none, none);
        Title = A(ColorName16.White, TextStyle.Bold);
        Incoming = Normal;
        Outgoing = A(ColorName16.Cyan);
        Notice = A(ColorName16.Yellow, color ? TextStyle.None : TextStyle.Italic);
        Separator = A(ColorName16.DarkGray);
        Selected = new Attribute(none, none, TextStyle.Reverse);
        Match = A(ColorName16.BrightYellow, TextStyle.Underline | TextStyle.Bold);
        Banner = color ? new Attribute(new Color(ColorName16.White), new Color(ColorName16.Red), TextStyle.Bold) : new Attribute(none, none, TextStyle.Reverse | TextStyle.Bold);
        Status = new Attribute(none, none, TextStyle.Reverse);
        Warning = A(ColorName16.BrightRed, TextStyle.Bold);
        Dim = A(ColorName16.DarkGray);
    }

    public Attribute Normal { get; }

    public Attribute Title { get; }

    public Attribute Incoming { get; }

    public Attribute Outgoing { get; }

    public Attribute Notice { get; }

    public Attribute Separator { get; }

    public Attribute Selected { get; }

    public Attribute Match { get; }

    public Attribute Banner { get; }

    public Attribute Status { get; }

    public Attribute Warning { get; }

    public Attribute Dim { get; }

    /// <summary>NO_COLOR set and not empty: no colours at all.</summary>
    public static bool NoColor => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));

    public static ChatTheme Current() => new(!NoColor);

    /// <summary>The scheme of the whole screen (the input line uses it).</summary>
    public Scheme Scheme() => new(Normal) { Focus = Normal, Editable = Normal, Active = Normal };
}
