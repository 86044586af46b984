namespace Parley.Server.Features.Requests;

/// <summary>Why an answer was not recorded on a request (<see cref="RequestRecord.AnswerRefusalAt"/>).</summary>
internal enum AnswerRefusal
{
    NotFound,
    Destroyed,
    Expired,

    /// <summary>The request's answer is no longer the one the caller saw: another answer got there first.</summary>
    AlreadyAnswered,
}
