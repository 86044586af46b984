using System.Text;
using Parley.Client.Secrets;

namespace Parley.Cli;

/// <summary>Where a passphrase comes from: a file, $PARLEY_PASSPHRASE, or a no-echo prompt on the terminal.</summary>
internal static class Passphrases
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    /// <summary>Reads a passphrase file: its first line, without the line ending. A usage error when unusable.</summary>
    public static string FromFile(string path)
    {
        byte[] bytes;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw CliException.Usage($"--passphrase-file: no such file: {path}");
            }

            if (info.Length > 16 * 1024)
            {
                throw CliException.Usage("--passphrase-file: the file is too large to be a passphrase");
            }

            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CliException.Usage($"--passphrase-file: cannot read {path}: {e.Message}");
        }

        string text;
        try
        {
            text = StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw CliException.Usage("--passphrase-file: the file is not UTF-8 text");
        }

        var end = text.IndexOfAny(['\r', '\n']);
        return Check(end < 0 ? text : text[..end], "--passphrase-file");
    }

    public static string? FromEnvironment()
    {
        var value = Environment.GetEnvironmentVariable(ParleyCommand.PassphraseVariable);
        return string.IsNullOrEmpty(value) ? null : Check(value, ParleyCommand.PassphraseVariable);
    }

    /// <summary>Prompts on the terminal; twice when <paramref name="confirm"/>.</summary>
    public static string Prompt(bool confirm, string prompt = "Passphrase: ")
    {
        var first = Check(Terminal.ReadSecret(prompt), "passphrase");
        if (confirm && Terminal.ReadSecret("Repeat passphrase: ") != first)
        {
            throw CliException.Usage("the two passphrases differ");
        }

        return first;
    }

    private static string Check(string passphrase, string source) =>
        SecretKeys.ValidatePassphrase(passphrase, out var error) ? passphrase : throw CliException.Usage($"{source}: {error}");
}
