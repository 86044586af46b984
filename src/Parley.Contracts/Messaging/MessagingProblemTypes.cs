namespace Parley.Contracts.Messaging;

/// <summary>Problem types of the messaging API (besides the shared ones in <see cref="ProblemTypes"/>).</summary>
public static class MessagingProblemTypes
{
    public const string UsernameTaken = ProblemTypes.Prefix + "username-taken";
    public const string UsernameInvalid = ProblemTypes.Prefix + "username-invalid";
    public const string UsernameReserved = ProblemTypes.Prefix + "username-reserved";
    public const string InvalidKey = ProblemTypes.Prefix + "invalid-key";
    public const string BadSignature = ProblemTypes.Prefix + "bad-signature";
    public const string RegistrationClosed = ProblemTypes.Prefix + "registration-closed";
    public const string InviteRequired = ProblemTypes.Prefix + "invite-required";
    public const string LoginFailed = ProblemTypes.Prefix + "login-failed";
    public const string PreKeyConflict = ProblemTypes.Prefix + "prekey-conflict";
    public const string TooManyPreKeys = ProblemTypes.Prefix + "too-many-prekeys";
    public const string QueueFull = ProblemTypes.Prefix + "queue-full";
    public const string UnknownRecipient = ProblemTypes.Prefix + "unknown-recipient";
    public const string NotGroupMember = ProblemTypes.Prefix + "not-group-member";
    public const string NotGroupAdmin = ProblemTypes.Prefix + "not-group-admin";
    public const string GroupFull = ProblemTypes.Prefix + "group-full";

    /// <summary>421: without a configured server name, registration and login answer only to a loopback Host.</summary>
    public const string WrongServerName = ProblemTypes.Prefix + "wrong-server-name";

    /// <summary>503: the server listens on a public address and Parley:Messaging:ServerName is not set.</summary>
    public const string ServerNameRequired = ProblemTypes.Prefix + "server-name-required";
}
