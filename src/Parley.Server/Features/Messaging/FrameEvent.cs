namespace Parley.Server.Features.Messaging;

/// <summary>What <see cref="WebSocketFrameReader.Read"/> found in the bytes it was given.</summary>
internal enum FrameEvent
{
    /// <summary>No whole frame yet: wait for more bytes.</summary>
    NeedMore,

    /// <summary>A whole data message: <see cref="WebSocketFrameReader.Payload"/> and <see cref="WebSocketFrameReader.MessageType"/>.</summary>
    Message,

    Ping,
    Pong,
    Close,

    /// <summary>The client broke RFC 6455: <see cref="WebSocketFrameReader.Problem"/> says how; close with 1002.</summary>
    ProtocolError,

    /// <summary>The message would be longer than the limit: close with 1009 (the rest is not read).</summary>
    TooBig,
}
