namespace Parley.Server.Features.Messaging;

/// <summary>How a subject's presence became visible to a viewer, or stopped being.</summary>
internal enum PresenceGrant
{
    /// <summary>The subject sent the viewer an envelope: allowed, unless the pair already has a record.</summary>
    Sent,

    /// <summary>The subject allowed the viewer explicitly.</summary>
    Allowed,

    /// <summary>The subject withdrew the viewer's view.</summary>
    Withdrawn,
}
