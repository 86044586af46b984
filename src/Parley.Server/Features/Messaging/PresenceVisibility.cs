namespace Parley.Server.Features.Messaging;

/// <summary>Whose online state a user may see.</summary>
public enum PresenceVisibility
{
    /// <summary>Every other user's.</summary>
    Everyone,

    /// <summary>Only users who consented: they sent the viewer an envelope, or allowed the viewer explicitly.</summary>
    Contacts,

    /// <summary>No one's.</summary>
    Nobody,
}
