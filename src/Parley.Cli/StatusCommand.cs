using System.CommandLine;
using System.Text.Json;
using Parley.Client.Requests;
using Parley.Client.Secrets;
using Parley.Client.Secrets.Api;
using Parley.Contracts;
using Parley.Contracts.Requests;

namespace Parley.Cli;

/// <summary><c>parley secret status &lt;manage-link&gt;</c> and <c>parley secret destroy &lt;manage-link&gt;</c>.</summary>
internal static class StatusCommand
{
    public static Command Build(bool destroy)
    {
        var link = new Argument<string>("manage-link") { Description = "The manage link (…/m/{id}#{token}) that 'create' printed, or the private link (…/r/{id}/answer#{key}) that 'request' printed; quote it in the shell" };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON on stdout" };
        var command = destroy
            ? new Command("destroy", "Destroy a secret now, before anyone (else) opens it; or withdraw a request (and its unopened answer).") { link, json }
            : new Command("status", "Show whether a secret was opened (and when), expired or destroyed; or whether a request was answered.") { link, json };
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
            if (destroy)
            {
                await api.DestroyAsync(manage.Id, manage.ManageToken, token).ConfigureAwait(false);
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
