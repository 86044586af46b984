namespace Parley.Server.Features.Messaging;

/// <summary>Bounds every messaging store keeps, whatever the provider (docs/messaging-api.md, "Limits").</summary>
internal static class MessagingStoreLimits
{
    /// <summary>
    /// Login challenges an account may have waiting. A client needs one at a time (it answers within a
    /// second); eight leave room for a few devices or retries, while a flood from many addresses only
    /// replaces the oldest.
    /// </summary>
    public const int PendingChallenges = 8; // the SQL of MessagingSchema.TrimChallenges keeps 7 besides the new one
}
