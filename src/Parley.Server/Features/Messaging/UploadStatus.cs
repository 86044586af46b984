namespace Parley.Server.Features.Messaging;

internal enum UploadStatus
{
    Stored,
    UnknownAccount,
    Conflict,
    TooMany,
}
