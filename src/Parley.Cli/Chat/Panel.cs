namespace Parley.Cli.Chat;

/// <summary>Text shown over the history until Esc: help, a safety number, settings.</summary>
internal sealed record Panel(string Title, IReadOnlyList<string> Lines);
