using System.Text;
using Spectre.Console;

namespace Parley.Cli;

/// <summary>The process's standard streams, and whether each is a terminal.</summary>
internal sealed class Terminal
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public Terminal()
    {
        Console.OutputEncoding = new UTF8Encoding(false);
        Error = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Console.Error),
            Ansi = Console.IsErrorRedirected ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = Console.IsErrorRedirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = Console.IsErrorRedirected ? InteractionSupport.No : InteractionSupport.Detect,
        });
    }

    public bool InputIsTerminal => !Console.IsInputRedirected;

    public bool OutputIsTerminal => !Console.IsOutputRedirected;

    public bool ErrorIsTerminal => !Console.IsErrorRedirected;

    /// <summary>Spectre console on stderr: prompts, progress and notes never mix with stdout's data.</summary>
    public IAnsiConsole Error { get; }

    public static void Note(string message) => Console.Error.WriteLine(message);

    /// <summary>Writes text to stdout exactly (UTF-8, no BOM, nothing added).</summary>
    public static void WriteOut(string text)
    {
        using var stdout = Console.OpenStandardOutput();
        stdout.Write(Utf8.GetBytes(text));
        stdout.Flush();
    }

    /// <summary>Reads all of stdin as strict UTF-8, at most <paramref name="maxBytes"/> bytes.</summary>
    public static string ReadAllInput(int maxBytes)
    {
        using var stdin = Console.OpenStandardInput();
        var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int n;
        while ((n = stdin.Read(chunk)) > 0)
        {
            if (buffer.Length + n > maxBytes)
            {
                throw CliException.Usage($"standard input is longer than {maxBytes} bytes");
            }

            buffer.Write(chunk, 0, n);
        }

        try
        {
            return Utf8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        }
        catch (DecoderFallbackException)
        {
            throw CliException.Usage("standard input is not valid UTF-8 text (use --file for binary data)");
        }
    }

    /// <summary>Reads a line from the terminal without echoing it. The prompt goes to stderr.</summary>
    public static string ReadSecret(string prompt)
    {
        Console.Error.Write(prompt);
        var sb = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                break;
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (sb.Length > 0)
                {
                    sb.Length -= char.IsLowSurrogate(sb[^1]) && sb.Length > 1 ? 2 : 1;
                }

                continue;
            }

            if (key.KeyChar == '\u0004' && sb.Length == 0)
            {
                Console.Error.WriteLine();
                throw new CliException(ExitCodes.Interrupted, "no passphrase entered");
            }

            if (key.KeyChar != '\0' && (!char.IsControl(key.KeyChar) || key.KeyChar == '\t'))
            {
                sb.Append(key.KeyChar);
            }
        }

        Console.Error.WriteLine();
        return sb.ToString();
    }
}
