using Microsoft.AspNetCore.Http.HttpResults;
using Parley.Contracts;
using Parley.Contracts.Messaging;
using Parley.Server.Infrastructure.Http;

namespace Parley.Server.Features.Messaging;

/// <summary>The messaging feature's problem details (docs/messaging-api.md, "Errors"). Details never carry keys or tokens.</summary>
internal static class MessagingProblems
{
    public static ProblemHttpResult Invalid(string member, string message) => Problems.InvalidRequest(member, message);

    public static ProblemHttpResult Invalid(Dictionary<string, string[]> errors) => Problems.InvalidRequest("The request has invalid members.", errors);

    public static ProblemHttpResult UsernameInvalid() =>
        Problems.Create(400, MessagingProblemTypes.UsernameInvalid, "The username breaks the rules.",
            "3 to 32 ASCII letters, digits, '_', '.' or '-', starting with a letter, no two marks in a row, not ending in one.");

    public static ProblemHttpResult UsernameReserved() =>
        Problems.Create(400, MessagingProblemTypes.UsernameReserved, "The username is reserved.", "Choose another name.");

    public static ProblemHttpResult UsernameTaken() =>
        Problems.Create(409, MessagingProblemTypes.UsernameTaken, "The username is taken.", "Usernames are unique without regard to case.");

    public static ProblemHttpResult InvalidKey(string member, string detail) =>
        Problems.Create(400, MessagingProblemTypes.InvalidKey, "A key is malformed.", detail,
            new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [member] = [detail] } });

    public static ProblemHttpResult BadSignature(string member) =>
        Problems.Create(400, MessagingProblemTypes.BadSignature, "A signature does not verify.",
            $"{member} is not a valid XEdDSA signature by the identity key.",
            new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [member] = ["signature does not verify"] } });

    public static ProblemHttpResult RegistrationClosed() =>
        Problems.Create(403, MessagingProblemTypes.RegistrationClosed, "Registration is closed.", "The operator has closed registration on this server.");

    public static ProblemHttpResult InviteRequired() =>
        Problems.Create(403, MessagingProblemTypes.InviteRequired, "A valid invite code is required.", "The code is missing, unknown or already used.");

    public static ProblemHttpResult LoginFailed() =>
        Problems.Create(401, MessagingProblemTypes.LoginFailed, "Login failed.",
            "The nonce is unknown, used or expired, or the signature does not verify. Ask for a new challenge.");

    public static ProblemHttpResult WrongServerName() =>
        Problems.Create(StatusCodes.Status421MisdirectedRequest, MessagingProblemTypes.WrongServerName, "This server does not go by that name.",
            "Without a configured server name, registration and login answer only to localhost, 127.0.0.1 or [::1]. Connect through one of "
            + "those, or the operator sets Parley:Messaging:ServerName.");

    public static ProblemHttpResult ServerNameRequired() =>
        Problems.Create(StatusCodes.Status503ServiceUnavailable, MessagingProblemTypes.ServerNameRequired, "Messaging accounts are not available on this server yet.",
            "The operator must set Parley:Messaging:ServerName to the host name clients connect to before registration and login work.");

    public static ProblemHttpResult NotFound(string what) =>
        Problems.Create(404, ProblemTypes.NotFound, "Not found.", $"No such {what}.");

    public static ProblemHttpResult PreKeyConflict() =>
        Problems.Create(409, MessagingProblemTypes.PreKeyConflict, "A prekey id is already stored.", "Upload prekeys with new ids; nothing was stored.");

    public static ProblemHttpResult TooManyPreKeys(int max) =>
        Problems.Create(409, MessagingProblemTypes.TooManyPreKeys, "Too many prekeys stored.", $"At most {max} one-time prekeys of each kind; nothing was stored.");

    public static ProblemHttpResult UnknownRecipient() =>
        Problems.Create(404, MessagingProblemTypes.UnknownRecipient, "No such recipient.", "No account has this username.");

    public static ProblemHttpResult QueueFull(IReadOnlyList<string>? who = null) =>
        Problems.Create(409, MessagingProblemTypes.QueueFull, "The recipient's queue is full.",
            "The recipient must receive and acknowledge envelopes before more can be queued.",
            who is null ? null : new Dictionary<string, object?> { ["recipients"] = who });

    public static ProblemHttpResult NotGroupMember() =>
        Problems.Create(404, MessagingProblemTypes.NotGroupMember, "No such group, or you are not a member.", null);

    public static ProblemHttpResult NotGroupAdmin() =>
        Problems.Create(403, MessagingProblemTypes.NotGroupAdmin, "Only a group admin can do this.", null);

    public static ProblemHttpResult GroupFull(int max) =>
        Problems.Create(409, MessagingProblemTypes.GroupFull, "The group is full.", $"A group has at most {max} members.");

    public static ProblemHttpResult PayloadTooLarge(int max) =>
        Problems.PayloadTooLarge($"Envelope content is limited to {max} bytes.");
}
