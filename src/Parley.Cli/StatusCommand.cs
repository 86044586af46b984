using System.CommandLine;
using System.Text.Json;
using Parley.Client.Requests;
using Parley.Client.Secrets;
using Parley.Client.Secrets.Api;
using Parley.Contracts;
using Parley.Contracts.Requests;
using Parley.Contracts.Secrets;

namespace Parley.Cli;

/// <summary><c>parley secret status &lt;manage-link&gt;</c> and <c>parley secret destroy &lt;manage-link&gt;</c>.</summary>
internal static class StatusCommand
{
    public static Command Build(bool destroy)
    {
        var link = new Argument<string>("manage-link") { Description = "The manage link (…/m/{id}#{token}) that 'create' printed, or the private link (…/r/{id}/answer#{key}) that 'request' printed; quote it in the shell" };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON on stdout" };
        var recipient = new Option<string?>("--recipient") { Description = "Destroy only this recipient's link (its label, or its id); the other links stay", HelpName = "label" };
        var command = destroy
            ? new Command("destroy", "Destroy a secret now (every recipient's link, or one with --recipient), before anyone (else) opens it; or withdraw a request (and its unopened answer).") { link, json, recipient }
            : new Command("status", "Show whether a secret was opened (and when, per recipient), expired or destroyed; or whether a request was answered.") { link, json };
        command.SetAction((parse, ct) => ParleyCommand.GuardAsync(async token =>
        {
            var text = parse.GetValue(link) ?? string.Empty;
            if (RequestLinks.LooksLikeRequestLink(text))
            {
                using var privateLink = RequestLinks.ParsePrivate(text);
                return await RequestAsync(privateLink, destroy, parse.GetValue(json), ProxyOption.Handler(parse), token).ConfigureAwait(false);
            }

            var manage = SecretLinks.ParseManage(text);
            using var api = new SecretsApi(manage.Server, ProxyOption.Handler(parse));
            if (destroy && parse.GetValue(recipient) is { } which)
            {
                return await DestroyOneAsync(api, manage, which, parse.GetValue(json), token).ConfigureAwait(false);
            }

            if (destroy)
            {
                // Every link of a secret for several recipients; for one recipient the same as destroying it.
                await api.DestroyAllAsync(manage.Id, manage.ManageToken, token).ConfigureAwait(false);
                if (parse.GetValue(json))
                {
                    Terminal.WriteOut($"{{\"id\":\"{manage.Id}\",\"destroyed\":true}}\n");
                }
                else
                {
                    Console.Out.WriteLine("Destroyed: the secret can no longer be opened.");
                }

                return ExitCodes.Ok;
            }

            var status = await api.GetStatusAsync(manage.Id, manage.ManageToken, token).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                Terminal.WriteOut(JsonSerializer.Serialize(status, ParleyJsonContext.Default.SecretStatusResponse) + "\n");
                return ExitCodes.Ok;
            }

            var o = Console.Out;
            if (status.Recipients is { } recipients)
            {
                PrintRecipients(status, recipients);
                return ExitCodes.Ok;
            }

            o.WriteLine($"State:            {status.State}");
            o.WriteLine($"Created:          {ParleyCommand.When(status.CreatedAt)}");
            o.WriteLine($"Expires:          {ParleyCommand.When(status.ExpiresAt)}");
            o.WriteLine($"Views:            {status.MaxViews - status.ViewsLeft} of {status.MaxViews} used");
            foreach (var at in status.OpenedAt)
            {
                o.WriteLine($"Opened:           {ParleyCommand.When(at)}");
            }

            o.WriteLine($"Failed attempts:  {status.FailedAttempts}");
            if (status.PassphraseAttemptsLeft is { } left)
            {
                o.WriteLine($"Passphrase tries: {left} left");
            }

            if (status.DestroyedAt is { } destroyedAt)
            {
                o.WriteLine($"Destroyed:        {ParleyCommand.When(destroyedAt)}");
            }

            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <summary>A secret for several recipients: one line per link, e.g. <c>alice: opened 2026-11-23 14:02:00 UTC</c>.</summary>
    private static void PrintRecipients(SecretStatusResponse status, IReadOnlyList<RecipientStatus> recipients)
    {
        var o = Console.Out;
        o.WriteLine($"Created:          {ParleyCommand.When(status.CreatedAt)}");
        o.WriteLine($"Expires:          {ParleyCommand.When(status.ExpiresAt)}");
        o.WriteLine($"Views per link:   {status.MaxViews}");
        o.WriteLine($"Recipients:       {recipients.Count}");
        for (var i = 0; i < recipients.Count; i++)
        {
            var r = recipients[i];
            var when = r.State == SecretStates.Destroyed && r.DestroyedAt is { } d ? " " + ParleyCommand.When(d)
                : r.OpenedAt.Count > 0 ? " " + string.Join(", ", r.OpenedAt.Select(ParleyCommand.When))
                : "";
            var extras = (r.FailedAttempts > 0 ? $"; {r.FailedAttempts} failed attempt{(r.FailedAttempts == 1 ? "" : "s")}" : "")
                + (r.PassphraseAttemptsLeft is { } left ? $"; {left} passphrase tries left" : "");
            o.WriteLine($"  {CreateCommand.RecipientName(r.Label, i)}: {r.State}{when}{extras}");
        }
    }

    /// <summary><c>destroy --recipient</c>: finds the link by label (or id) on the status page and destroys only it.</summary>
    private static async Task<int> DestroyOneAsync(SecretsApi api, ManageLink manage, string which, bool json, CancellationToken token)
    {
        var status = await api.GetStatusAsync(manage.Id, manage.ManageToken, token).ConfigureAwait(false);
        var recipients = status.Recipients ?? throw CliException.Usage("--recipient: this secret has a single recipient; destroy it without --recipient");
        var index = recipients.ToList().FindIndex(r => r.Label == which || r.Id == which);
        if (index < 0)
        {
            index = recipients.ToList().FindIndex(r => string.Equals(r.Label, which, StringComparison.OrdinalIgnoreCase));
        }

        if (index < 0)
        {
            throw CliException.Usage($"--recipient: no recipient of this secret is called \"{CreateCommand.RecipientName(which, 0)}\"");
        }

        var target = recipients[index];
        await api.DestroyAsync(target.Id, manage.ManageToken, token).ConfigureAwait(false);
        if (json)
        {
            Terminal.WriteOut($"{{\"id\":\"{target.Id}\",\"destroyed\":true}}\n");
        }
        else
        {
            Console.Out.WriteLine($"Destroyed the link of {CreateCommand.RecipientName(target.Label, index)}: it can no longer be opened. The other links still can.");
        }

        return ExitCodes.Ok;
    }

    private static async Task<int> RequestAsync(PrivateLink link, bool destroy, bool json, HttpMessageHandler? handler, CancellationToken token)
    {
        using var api = new SecretsApi(link.Server, handler);
        var client = new RequestsClient(api);
        if (destroy)
        {
            await RequestCommand.AboutRequestAsync(async () =>
            {
                await client.DestroyAsync(link, token).ConfigureAwait(false);
                return true;
            }).ConfigureAwait(false);
            if (json)
            {
                Terminal.WriteOut($"{{\"id\":\"{link.Id}\",\"destroyed\":true}}\n");
            }
            else
            {
                Console.Out.WriteLine("Withdrawn: the request takes no answer, and an unopened answer is destroyed.");
            }

            return ExitCodes.Ok;
        }

        var status = await RequestCommand.AboutRequestAsync(() => client.StatusAsync(link, token)).ConfigureAwait(false);
        if (json)
        {
            Terminal.WriteOut(JsonSerializer.Serialize(status, RequestsJsonContext.Default.RequestStatusResponse) + "\n");
            return ExitCodes.Ok;
        }

        var o = Console.Out;
        o.WriteLine($"State:            {status.State}");
        if (status.Label is { } label)
        {
            o.WriteLine($"Label:            {new string([.. label.Where(c => !char.IsControl(c))])}");
        }

        o.WriteLine($"Created:          {ParleyCommand.When(status.CreatedAt)}");
        o.WriteLine($"Expires:          {ParleyCommand.When(status.ExpiresAt)}");
        if (status.AnsweredAt is { } answeredAt)
        {
            o.WriteLine($"Answered:         {ParleyCommand.When(answeredAt)}");
        }

        foreach (var at in status.OpenedAt)
        {
            o.WriteLine($"Opened:           {ParleyCommand.When(at)}");
        }

        o.WriteLine($"Failed attempts:  {status.FailedAttempts}");
        if (status.DestroyedAt is { } destroyedAt)
        {
            o.WriteLine($"Withdrawn:        {ParleyCommand.When(destroyedAt)}");
        }

        return ExitCodes.Ok;
    }
}
