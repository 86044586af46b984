using System.Text;
using Parley.Server.Features.Webhooks;
using static Parley.Server.Tests.Stores.WebhookSubjects;

namespace Parley.Server.Tests.Stores;

/// <summary>
/// On SQLite the last view's <c>secret.opened</c> and the <c>secret.burned</c> after it are one outbox row, delivered as
/// two events (the burn under the row's negative sequence and the row's id with <c>_b</c>). Whichever is delivered
/// first, the other is still sent, under the same id, and nothing is sent again once both are done.
/// </summary>
public sealed class SqliteBurnAfterEventTests(SqliteStores provider) : IClassFixture<SqliteStores>
{
    private readonly WebhookSubjects _subjects = new(provider);

    private IWebhookStore Webhooks => provider.Webhooks;

    private static CancellationToken None => CancellationToken.None;

    /// <summary>The claim at <paramref name="minutes"/> after T0 (a minute's lease), of the secret's deliveries: type and delivery.</summary>
    private async Task<List<(string Type, PendingDelivery Delivery)>> ClaimAsync(Secret s, int minutes)
    {
        var at = T0.AddMinutes(minutes);
        var due = await Webhooks.ClaimDueAsync(at, at.AddMinutes(1), 1000, None);
        return [.. due.Where(d => Encoding.UTF8.GetString(d.Body).Contains(s.Id.ToString(), StringComparison.Ordinal))
            .Select(d => (TypeOf(d), d))];
    }

    private static string TypeOf(PendingDelivery d) => System.Text.Json.JsonDocument.Parse(d.Body).RootElement.GetProperty("type").GetString()!;

    private async Task<(Secret Secret, PendingDelivery Opened, PendingDelivery Burned)> LastViewOpenedAsync()
    {
        var s = await _subjects.CreateSecretAsync();
        (await _subjects.ClaimAsync(s)).View.ShouldNotBeNull();
        var due = await ClaimAsync(s, 0);
        due.Select(d => d.Type).ShouldBe(["secret.opened", "secret.burned"]);
        var (opened, burned) = (due[0].Delivery, due[1].Delivery);
        burned.Sequence.ShouldBe(-opened.Sequence);
        burned.MessageId.ShouldBe(opened.MessageId + "_b");
        return (s, opened, burned);
    }

    [Fact]
    public async Task The_burn_delivered_first_leaves_the_opening_to_send_under_its_id()
    {
        var (s, opened, burned) = await LastViewOpenedAsync();
        await Webhooks.RemoveAsync([burned.Sequence], None);

        var again = (await ClaimAsync(s, 2)).ShouldHaveSingleItem();
        again.Type.ShouldBe("secret.opened");
        again.Delivery.MessageId.ShouldBe(opened.MessageId);
        await Webhooks.RemoveAsync([again.Delivery.Sequence], None);
        (await ClaimAsync(s, 4)).ShouldBeEmpty();
    }

    [Fact]
    public async Task The_opening_delivered_first_leaves_the_burn_to_send_under_its_id_and_a_late_report_of_the_burn_ends_it()
    {
        var (s, opened, burned) = await LastViewOpenedAsync();
        await Webhooks.RemoveAsync([opened.Sequence], None);

        var again = (await ClaimAsync(s, 2)).ShouldHaveSingleItem();
        again.Type.ShouldBe("secret.burned");
        again.Delivery.MessageId.ShouldBe(burned.MessageId);
        again.Delivery.Body.ShouldBe(burned.Body);
        await Webhooks.RemoveAsync([burned.Sequence], None); // the first claim's burn, delivered after all
        (await ClaimAsync(s, 4)).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_late_report_of_the_event_from_an_earlier_claim_leaves_the_burn_queued()
    {
        var before = await Webhooks.PendingCountAsync(None);
        var (s, opened, burned) = await LastViewOpenedAsync();
        (await Webhooks.PendingCountAsync(None)).ShouldBe(before + 2, "one row, two events");
        // The first claim's lease runs out before it reports anything; a second claim sends both, and its event arrives.
        var second = await ClaimAsync(s, 2);
        second.Select(d => d.Delivery.Sequence).ShouldBe([opened.Sequence, burned.Sequence]);
        await Webhooks.RemoveAsync([opened.Sequence], None);

        await Webhooks.RemoveAsync([opened.Sequence], None); // the first claim's event, reported late
        await Webhooks.RetryLaterAsync(opened.Sequence, 1, T0.AddMinutes(5), None);
        var left = (await ClaimAsync(s, 6)).ShouldHaveSingleItem();
        left.Type.ShouldBe("secret.burned");
        left.Delivery.MessageId.ShouldBe(burned.MessageId);
        (await Webhooks.PendingCountAsync(None)).ShouldBe(before + 1, "the burn alone");
        await Webhooks.RemoveAsync([left.Delivery.Sequence], None);
        (await ClaimAsync(s, 10)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Both_delivered_in_one_removal_end_the_row_and_a_failed_burn_is_retried_with_its_row()
    {
        var (s, opened, burned) = await LastViewOpenedAsync();
        await Webhooks.RetryLaterAsync(burned.Sequence, 1, T0.AddMinutes(10), None);
        (await ClaimAsync(s, 5)).ShouldBeEmpty("the row waits for its retry");
        var retried = await ClaimAsync(s, 10);
        retried.Select(d => (d.Type, d.Delivery.Attempts)).ShouldBe([("secret.opened", 1), ("secret.burned", 1)]);

        await Webhooks.RemoveAsync([burned.Sequence, opened.Sequence], None);
        (await ClaimAsync(s, 20)).ShouldBeEmpty();
    }
}
