namespace Parley.Server.Features.Messaging;

/// <summary>Who may register an account.</summary>
public enum RegistrationMode
{
    Open,
    Invite,
    Closed,
}
