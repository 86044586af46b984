using System.CommandLine;
using Parley.Client.Messaging;
using Parley.Client.Profiles;
using QRCoder;

namespace Parley.Cli.Messaging;

/// <summary><c>parley contacts [list|add|remove|trust]</c> and <c>parley verify</c>.</summary>
internal static class ContactCommands
{
    public static IEnumerable<Command> Build()
    {
        yield return Contacts();
        yield return Verify();
    }

    private static Command Contacts()
    {
        var list = List();
        var contacts = new Command("contacts", "Your contacts: their identity keys and whether you verified them.")
        {
            list,
            UserAction("add", "Add a contact (their key is fetched and trusted on first use; they may see when you are online).", async (m, user, ct) =>
            {
                var c = await m.AddContactAsync(user, ct).ConfigureAwait(false);
                Console.Error.WriteLine($"Added {c.Username}.");
            }),
            UserAction("remove", "Forget a contact and the session with them (history stays); they no longer see when you are online.", async (m, user, ct) =>
            {
                await m.RemoveContactAsync(user, ct).ConfigureAwait(false);
                Console.Error.WriteLine($"Removed {ConversationIdText(user)}.");
            }),
            UserAction("trust", "Accept a contact's new identity key after it changed (compare safety numbers first: parley verify).", (m, user, _) =>
            {
                var c = m.TrustContact(user);
                Console.Error.WriteLine($"You accepted {c.Username}'s current key; sending works again. It is not verified: compare with 'parley verify {c.Username}'.");
                return Task.CompletedTask;
            }),
        };
        // 'parley contacts' alone lists them, like 'parley contacts list'.
        foreach (var option in list.Options)
        {
            contacts.Options.Add(option);
        }

        contacts.Action = list.Action;
        return contacts;
    }

    private static string ConversationIdText(string user) => user.TrimStart('@').ToLowerInvariant();

    private static Command List()
    {
        var json = MessengerSession.Json();
        var passphraseFile = MessengerSession.PassphraseFile();
        var list = new Command("list", "List your contacts.") { json, passphraseFile };
        list.SetAction((parse, ct) => MessengerSession.GuardAsync(async _ =>
        {
            await using var m = MessengerSession.Open(parse, passphraseFile);
            foreach (var c in m.Contacts())
            {
                if (parse.GetValue(json))
                {
                    JsonLines.Write(JsonLines.Contact(c), CliJson.Default.ContactLine);
                }
                else
                {
                    var state = c.Trust == ContactTrust.Changed ? "KEY CHANGED (sending blocked: parley contacts trust " + c.Username + ")"
                        : c.Verified ? "verified" : "not verified";
                    Console.WriteLine($"{c.Username,-24} {state}");
                }
            }

            return ExitCodes.Ok;
        }, ct));
        return list;
    }

    private static Command UserAction(string name, string description, Func<Client.Messenger.Messenger, string, CancellationToken, Task> work)
    {
        var user = new Argument<string>("user") { Description = "A username" };
        var passphraseFile = MessengerSession.PassphraseFile();
        var command = new Command(name, description) { user, passphraseFile };
        command.SetAction((parse, ct) => MessengerSession.GuardAsync(async token =>
        {
            await using var m = MessengerSession.Open(parse, passphraseFile);
            await work(m, parse.GetValue(user)!, token).ConfigureAwait(false);
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Verify()
    {
        var user = new Argument<string>("user") { Description = "The contact to verify" };
        var compare = new Option<string?>("--compare") { Description = "The safety number they read to you (spaces allowed): exit 0 when it matches, 19 when not", HelpName = "number" };
        var mark = new Option<bool>("--mark-verified") { Description = "Mark the contact's current key as verified (do this only after comparing)" };
        var qr = new Option<bool>("--no-qr") { Description = "Do not print the QR code" };
        var json = MessengerSession.Json("Print the safety number as JSON");
        var passphraseFile = MessengerSession.PassphraseFile();
        var command = new Command("verify", "Show the safety number you share with a contact: 60 digits, emoji and a QR code. Compare it with theirs in person or on a call.")
        {
            user, compare, mark, qr, json, passphraseFile,
        };
        command.SetAction((parse, ct) => MessengerSession.GuardAsync(async token =>
        {
            var digits = SafetyDigits(parse.GetValue(compare), "--compare");
            await using var m = MessengerSession.Open(parse, passphraseFile);
            var (v, match, marked) = await VerifyAsync(m, parse.GetValue(user)!, digits, parse.GetValue(mark), token).ConfigureAwait(false);
            return Report(v, match, parse.GetValue(json), !parse.GetValue(qr), marked);
        }, ct));
        return command;
    }

    /// <summary>The 60 digits of a safety number someone read out (spaces allowed), or null; a usage error naming <paramref name="what"/> otherwise.</summary>
    internal static string? SafetyDigits(string? given, string what)
    {
        if (given is null)
        {
            return null;
        }

        var digits = new string([.. given.Where(c => !char.IsWhiteSpace(c))]);
        return digits.Length == 60 && digits.All(char.IsAsciiDigit) ? digits
            : throw CliException.Usage($"{what} takes the 60 digits of a safety number (spaces allowed)");
    }

    /// <summary>
    /// The safety number with <paramref name="user"/>, compared with <paramref name="digits"/> when given; marks the
    /// contact verified when asked, and with a comparison only if it matched.
    /// </summary>
    internal static async Task<(Client.Messenger.Verification Verification, bool? Match, bool Marked)> VerifyAsync(Client.Messenger.Messenger m,
        string user, string? digits, bool mark, CancellationToken token)
    {
        var v = await m.VerifyAsync(user, markVerified: false, token).ConfigureAwait(false);
        bool? match = digits is null ? null : v.Number.DisplayString == digits;
        var marked = mark && match != false;
        if (marked)
        {
            v = await m.VerifyAsync(user, markVerified: true, token).ConfigureAwait(false);
        }

        return (v, match, marked);
    }

    private static int Report(Client.Messenger.Verification v, bool? match, bool asJson, bool withQr, bool marked)
    {
        var verified = v.Contact.Verified || marked;
        var line = JsonLines.Verification(v, match, verified);
        if (asJson)
        {
            JsonLines.Write(line, CliJson.Default.VerifyLine);
        }
        else
        {
            var groups = v.Number.Grouped.Split(' ');
            Console.WriteLine($"Safety number with {v.Contact.Username} ({(verified ? "verified" : "not verified")}):");
            Console.WriteLine("  " + string.Join(' ', groups[..6]));
            Console.WriteLine("  " + string.Join(' ', groups[6..]));
            Console.WriteLine("  " + string.Join(' ', v.Number.Emoji));
            if (withQr)
            {
                using var generator = new QRCodeGenerator();
                using var data = generator.CreateQrCode(line.Scannable, QRCodeGenerator.ECCLevel.M);
                using var ascii = new AsciiQRCode(data);
                Console.WriteLine(ascii.GetGraphicSmall(drawQuietZones: true, invert: true, endOfLine: "\n"));
            }

            if (v.Contact.Trust == ContactTrust.Changed)
            {
                Console.WriteLine($"Their key CHANGED on {Display.Time(v.Contact.ChangedAt ?? v.Contact.FirstSeen)}: sending is blocked until you run 'parley contacts trust {v.Contact.Username}'.");
            }

            if (match is { } m)
            {
                Console.WriteLine(m ? "The numbers match." : "The numbers DO NOT match: do not trust this key.");
            }

            if (marked)
            {
                Console.WriteLine($"{v.Contact.Username} is now marked verified.");
            }
        }

        return match == false ? ExitCodes.SafetyNumberMismatch : ExitCodes.Ok;
    }
}
