using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Parley.Cli.Messaging;
using Parley.Client.Messaging;
using Messenger = Parley.Client.Messenger.Messenger;

namespace Parley.Cli.Daemon;

/// <summary>One method of the daemon: its name, its parameters in positional order, and what it does.</summary>
internal sealed record RpcMethod(string Name, string[] Parameters, Func<RpcParams, CancellationToken, Task<JsonNode?>> Run);

/// <summary>
/// The daemon's methods: one per messaging command, each calling the same messenger method the command
/// calls, with the same checks. A result is what the command prints with <c>--json</c> (one object, or an
/// array of its lines); docs/messenger.md, "Daemon", lists them.
/// </summary>
internal static class DaemonMethods
{
    private const int DefaultHistory = 50;

    public static IReadOnlyDictionary<string, RpcMethod> For(Messenger m)
    {
        RpcMethod[] methods =
        [
            new("whoami", [], (_, _) => Done(Node(new AccountLine("account", m.Username, m.Server.GetLeftPart(UriPartial.Authority), m.Profile.Name,
                AccountKeys.B64u(m.IdentityKey.Serialize()), m.RegistrationId), CliJson.Default.AccountLine))),
            new("send", ["to", "text"], async (p, ct) =>
            {
                var (to, text) = (p.String("to"), p.String("text"));
                return Node(JsonLines.Sent(await m.SendTextAsync(to, text, ct).ConfigureAwait(false)), CliJson.Default.SentLine);
            }),
            new("send.file", ["to", "path"], async (p, ct) =>
            {
                var (to, path) = (p.String("to"), AbsolutePath(p, "path"));
                return Node(JsonLines.Sent(await m.SendFileAsync(to, path, cancellationToken: ct).ConfigureAwait(false)), CliJson.Default.SentLine);
            }),
            new("attachments.list", [], (_, _) => Done(Array(m.PendingAttachments().Select(AttachmentCommands.Line), CliJson.Default.AttachmentLine))),
            new("attachments.save", ["id", "folder"], async (p, ct) =>
            {
                var (id, folder) = (p.String("id"), AttachmentCommands.Folder(AbsolutePath(p, "folder")));
                var saved = await AttachmentCommands.SaveCheckedAsync(m, id, folder, (_, save) => save(null), ct).ConfigureAwait(false);
                return Node(AttachmentCommands.Line(saved), CliJson.Default.SavedLine);
            }),
            new("attachments.discard", ["id"], async (p, ct) =>
            {
                await m.DiscardAttachmentAsync(p.String("id"), ct).ConfigureAwait(false);
                return null;
            }),
            new("timer", ["conversation", "timer"], async (p, ct) =>
            {
                var (conversation, timer) = (p.String("conversation"), TimerCommand.Parse(p.OptionalString("timer")));
                return Node(await TimerCommand.ApplyAsync(m, conversation, timer, ct).ConfigureAwait(false), CliJson.Default.TimerLine);
            }),
            new("history", ["conversation", "limit"], (p, _) =>
            {
                var (conversation, limit) = (p.String("conversation"), p.Int("limit", DefaultHistory, 1, 100_000));
                return Done(Array(m.History(conversation, limit).Select(JsonLines.Message), CliJson.Default.MessageLine));
            }),
            new("conversations", [], (_, _) =>
            {
                var groups = m.Groups();
                return Done(Array(m.Conversations().Select(c => new ConversationLine("conversation", c.Id, Display.Title(c.Id, groups), c.Unread, c.LastActivity)),
                    CliJson.Default.ConversationLine));
            }),
            new("contacts.list", [], (_, _) => Done(Array(m.Contacts().Select(JsonLines.Contact), CliJson.Default.ContactLine))),
            new("contacts.add", ["user"], async (p, ct) =>
                Node(JsonLines.Contact(await m.AddContactAsync(p.String("user"), ct).ConfigureAwait(false)), CliJson.Default.ContactLine)),
            new("contacts.remove", ["user"], async (p, ct) =>
            {
                await m.RemoveContactAsync(p.String("user"), ct).ConfigureAwait(false);
                return null;
            }),
            new("contacts.trust", ["user"], (p, _) => Done(Node(JsonLines.Contact(m.TrustContact(p.String("user"))), CliJson.Default.ContactLine))),
            new("verify", ["user", "compare", "markVerified"], async (p, ct) =>
            {
                var (user, digits, mark) = (p.String("user"), ContactCommands.SafetyDigits(p.OptionalString("compare"), "'compare'"), p.Bool("markVerified"));
                var (v, match, marked) = await ContactCommands.VerifyAsync(m, user, digits, mark, ct).ConfigureAwait(false);
                return Node(JsonLines.Verification(v, match, v.Contact.Verified || marked), CliJson.Default.VerifyLine);
            }),
            new("groups.list", [], (_, _) => Done(Array(m.Groups().Select(g => JsonLines.Group(g, m.Username)), CliJson.Default.GroupLine))),
            new("groups.create", ["name", "members"], async (p, ct) =>
            {
                var (name, members) = (p.String("name"), p.Strings("members", required: false));
                return Group(m, await m.CreateGroupAsync(name, members, ct).ConfigureAwait(false));
            }),
            new("groups.invite", ["group", "users"], async (p, ct) =>
            {
                var (group, users) = (p.String("group"), p.Strings("users", required: true));
                return Group(m, await m.InviteAsync(group, users, ct).ConfigureAwait(false));
            }),
            new("groups.accept", ["group"], async (p, ct) => Group(m, await m.AcceptInvitationAsync(p.String("group"), ct).ConfigureAwait(false))),
            new("groups.leave", ["group"], async (p, ct) => Group(m, await m.LeaveGroupAsync(p.String("group"), ct).ConfigureAwait(false))),
            new("groups.remove", ["group", "user"], async (p, ct) =>
            {
                var (group, user) = (p.String("group"), p.String("user"));
                return Group(m, await m.RemoveMemberAsync(group, user, ct).ConfigureAwait(false));
            }),
            new("groups.promote", ["group", "user"], async (p, ct) =>
            {
                var (group, user) = (p.String("group"), p.String("user"));
                return Group(m, await m.PromoteAsync(group, user, ct).ConfigureAwait(false));
            }),
            new("groups.rename", ["group", "name"], async (p, ct) =>
            {
                var (group, name) = (p.String("group"), p.String("name"));
                return Node(JsonLines.Sent(await m.RenameGroupAsync(group, name, ct).ConfigureAwait(false)), CliJson.Default.SentLine);
            }),
            new("groups.rekey", ["group"], async (p, ct) => Group(m, await m.RekeyGroupAsync(p.String("group"), ct).ConfigureAwait(false))),
            new("online", [], async (_, ct) => new JsonArray([.. (await m.OnlineAsync(ct).ConfigureAwait(false)).Select(u => (JsonNode?)JsonValue.Create(u))])),
            new("session.reset", ["user"], async (p, ct) =>
                Node(JsonLines.Sent(await m.ResetSessionAsync(p.String("user"), ct).ConfigureAwait(false)), CliJson.Default.SentLine)),
        ];
        return methods.ToDictionary(x => x.Name, StringComparer.Ordinal);
    }

    /// <summary>
    /// A file or folder parameter: absolute, because the daemon's working folder is not the caller's
    /// (a relative path would silently name another file).
    /// </summary>
    private static string AbsolutePath(RpcParams p, string name)
    {
        var path = p.String(name);
        return Path.IsPathFullyQualified(path) ? path : throw JsonRpcError.Params($"'{name}' must be an absolute path (the daemon's working folder is not yours)");
    }

    private static JsonNode? Group(Messenger m, Client.Profiles.GroupRecord g) => Node(JsonLines.Group(g, m.Username), CliJson.Default.GroupLine);

    private static JsonNode? Node<T>(T value, JsonTypeInfo<T> type) => JsonSerializer.SerializeToNode(value, type);

    private static JsonArray Array<T>(IEnumerable<T> values, JsonTypeInfo<T> type) => new([.. values.Select(v => Node(v, type))]);

    private static Task<JsonNode?> Done(JsonNode? result) => Task.FromResult(result);
}
