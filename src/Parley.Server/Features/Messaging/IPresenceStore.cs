namespace Parley.Server.Features.Messaging;

/// <summary>Presence consent between contacts: whether a subject lets a viewer see its online state (both accounts must exist).</summary>
internal interface IPresenceStore
{
    /// <summary>
    /// Records <paramref name="grant"/> for the pair; true when it changed whether <paramref name="viewer"/> may
    /// see <paramref name="subject"/>. <see cref="PresenceGrant.Sent"/> allows only a pair with no record yet, so a
    /// withdrawal outlasts later envelopes.
    /// </summary>
    ValueTask<bool> SetPresenceGrantAsync(string subject, string viewer, PresenceGrant grant, CancellationToken cancellationToken);

    /// <summary>The viewers <paramref name="subject"/> lets see its presence.</summary>
    ValueTask<IReadOnlyList<string>> PresenceViewersAsync(string subject, CancellationToken cancellationToken);

    /// <summary>The subjects that let <paramref name="viewer"/> see their presence.</summary>
    ValueTask<IReadOnlyList<string>> PresenceSubjectsAsync(string viewer, CancellationToken cancellationToken);
}
