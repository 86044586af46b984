using MessagePack;
using MessagePack.Resolvers;
using Parley.Contracts.Messaging;

namespace Parley.Server.Features.Messaging;

/// <summary>Writes the relay socket's frames (<see cref="RelayFrames"/>) with the hub's MessagePack settings.</summary>
internal static class RelayWire
{
    /// <summary>String-keyed maps (contractless), untrusted-data limits: the same settings as <c>RelayClient.SerializerOptions</c>.</summary>
    public static readonly MessagePackSerializerOptions Options = MessagePackSerializerOptions.Standard
        .WithResolver(ContractlessStandardResolver.Instance)
        .WithSecurity(MessagePackSecurity.UntrustedData);

    /// <summary><c>[4, event, payload]</c>, serialized once for every connection it goes to.</summary>
    public static byte[] Event(string name, object payload)
    {
        using var buffer = new PooledBufferWriter();
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(3);
        writer.Write(RelayFrames.Event);
        writer.Write(name);
        MessagePackSerializer.Serialize(payload.GetType(), ref writer, payload, Options);
        writer.Flush();
        return buffer.Written.ToArray();
    }

    public static void Event<T>(PooledBufferWriter buffer, string name, T payload)
    {
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(3);
        writer.Write(RelayFrames.Event);
        writer.Write(name);
        MessagePackSerializer.Serialize(ref writer, payload, Options);
        writer.Flush();
    }

    public static void Result<T>(PooledBufferWriter buffer, int id, T value)
    {
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(3);
        writer.Write(RelayFrames.Result);
        writer.Write(id);
        MessagePackSerializer.Serialize(ref writer, value, Options);
        writer.Flush();
    }

    public static void Error(PooledBufferWriter buffer, int id, string problem)
    {
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(3);
        writer.Write(RelayFrames.Error);
        writer.Write(id);
        writer.Write(problem);
        writer.Flush();
    }
}
