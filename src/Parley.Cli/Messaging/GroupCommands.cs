using System.CommandLine;
using Parley.Client.Messenger;
using Parley.Client.Profiles;

namespace Parley.Cli.Messaging;

/// <summary><c>parley group create|invite|accept|leave|remove|promote|rename|list|rekey</c>.</summary>
internal static class GroupCommands
{
    public static Command Build()
    {
        var group = new Command("group", "Groups: one encrypted conversation with several people. Name a group as #name or #id.")
        {
            Create(),
            WithUsers("invite", "Invite users (admins only); each becomes a member on accepting.", "Invited", (m, g, users, ct) => m.InviteAsync(g, users, ct)),
            WithGroup("accept", "Accept an invitation.", "Joined", (m, g, ct) => m.AcceptInvitationAsync(g, ct)),
            WithGroup("leave", "Leave a group, or decline an invitation.", "Left", (m, g, ct) => m.LeaveGroupAsync(g, ct)),
            WithUser("remove", "Remove a member (admins only); everyone else replaces their keys before sending again.", "Removed {0} from \"{1}\".", (m, g, u, ct) => m.RemoveMemberAsync(g, u, ct)),
            WithUser("promote", "Make a member an admin (admins only).", "Made {0} an admin of \"{1}\".", (m, g, u, ct) => m.PromoteAsync(g, u, ct)),
            Rename(),
            List(),
            WithGroup("rekey", "Replace your key for the group now and hand it to every member.", "Replaced your key in", (m, g, ct) => m.RekeyGroupAsync(g, ct)),
        };
        return group;
    }

    private static Argument<string> GroupArgument() => new("group") { Description = "#name or #id (or the start of the id)" };

    private static Command Create()
    {
        var name = new Argument<string>("name") { Description = "The group's name (sent to members end to end; the server never sees it)" };
        var members = new Argument<string[]>("members") { Description = "Users to invite", Arity = ArgumentArity.ZeroOrMore };
        var passphraseFile = MessengerSession.PassphraseFile();
        var command = new Command("create", "Create a group with you as admin and invite users.") { name, members, passphraseFile };
        command.SetAction((parse, ct) => MessengerSession.GuardAsync(async token =>
        {
            await using var m = MessengerSession.Open(parse, passphraseFile);
            var g = await m.CreateGroupAsync(parse.GetValue(name)!, parse.GetValue(members) ?? [], token).ConfigureAwait(false);
            Console.WriteLine("#" + g.Id);
            Console.Error.WriteLine($"Created \"{g.DisplayName}\"{(g.Invited.Count > 0 ? "; invited " + string.Join(", ", g.Invited) : "")}.");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Rename()
    {
        var group = GroupArgument();
        var name = new Argument<string>("name") { Description = "The new name" };
        var passphraseFile = MessengerSession.PassphraseFile();
        var command = new Command("rename", "Rename a group (admins only); members get the name end to end.") { group, name, passphraseFile };
        command.SetAction((parse, ct) => MessengerSession.GuardAsync(async token =>
        {
            await using var m = MessengerSession.Open(parse, passphraseFile);
            var result = await m.RenameGroupAsync(parse.GetValue(group)!, parse.GetValue(name)!, token).ConfigureAwait(false);
            return result.Queued ? ExitCodes.Ok : ParleyCommand.Fail(ExitCodes.Network, result.Problem ?? "not sent");
        }, ct));
        return command;
    }

    private static Command List()
    {
        var json = MessengerSession.Json();
        var passphraseFile = MessengerSession.PassphraseFile();
        var command = new Command("list", "List your groups and invitations.") { json, passphraseFile };
        command.SetAction((parse, ct) => MessengerSession.GuardAsync(async _ =>
        {
            await using var m = MessengerSession.Open(parse, passphraseFile);
            foreach (var g in m.Groups())
            {
                var line = JsonLines.Group(g, m.Username);
                if (parse.GetValue(json))
                {
                    JsonLines.Write(line, CliJson.Default.GroupLine);
                    continue;
                }

                var standing = g.Standing switch
                {
                    GroupStanding.Invited => "invited (parley group accept #" + g.Id + ")",
                    GroupStanding.Gone => "left",
                    _ => line.Role ?? "member",
                };
                Console.WriteLine($"#{g.Id}  {g.DisplayName}  [{standing}]  {g.Members.Count} member{(g.Members.Count == 1 ? "" : "s")}: "
                    + string.Join(", ", g.Members.Select(x => x.Role == "admin" ? x.Username + " (admin)" : x.Username))
                    + (g.Invited.Count > 0 ? "; invited: " + string.Join(", ", g.Invited) : ""));
            }

            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command WithGroup(string name, string description, string done, Func<Client.Messenger.Messenger, string, CancellationToken, Task<GroupRecord>> work)
    {
        var group = GroupArgument();
        var passphraseFile = MessengerSession.PassphraseFile();
        var command = new Command(name, description) { group, passphraseFile };
        command.SetAction((parse, ct) => MessengerSession.GuardAsync(async token =>
        {
            await using var m = MessengerSession.Open(parse, passphraseFile);
            var g = await work(m, parse.GetValue(group)!, token).ConfigureAwait(false);
            Console.Error.WriteLine($"{done} \"{g.DisplayName}\".");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command WithUser(string name, string description, string done, Func<Client.Messenger.Messenger, string, string, CancellationToken, Task<GroupRecord>> work)
    {
        var group = GroupArgument();
        var user = new Argument<string>("user") { Description = "A member's username" };
        var passphraseFile = MessengerSession.PassphraseFile();
        var command = new Command(name, description) { group, user, passphraseFile };
        command.SetAction((parse, ct) => MessengerSession.GuardAsync(async token =>
        {
            await using var m = MessengerSession.Open(parse, passphraseFile);
            var g = await work(m, parse.GetValue(group)!, parse.GetValue(user)!, token).ConfigureAwait(false);
            Console.Error.WriteLine(string.Format(System.Globalization.CultureInfo.InvariantCulture, done, parse.GetValue(user), g.DisplayName));
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command WithUsers(string name, string description, string done, Func<Client.Messenger.Messenger, string, IReadOnlyList<string>, CancellationToken, Task<GroupRecord>> work)
    {
        var group = GroupArgument();
        var users = new Argument<string[]>("users") { Description = "Usernames", Arity = ArgumentArity.OneOrMore };
        var passphraseFile = MessengerSession.PassphraseFile();
        var command = new Command(name, description) { group, users, passphraseFile };
        command.SetAction((parse, ct) => MessengerSession.GuardAsync(async token =>
        {
            await using var m = MessengerSession.Open(parse, passphraseFile);
            var g = await work(m, parse.GetValue(group)!, parse.GetValue(users)!, token).ConfigureAwait(false);
            Console.Error.WriteLine($"{done} {string.Join(", ", parse.GetValue(users)!)} to \"{g.DisplayName}\".");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }
}
