namespace Parley.Protocol;

/// <summary>A remote party's device: a name (for Signal, a ServiceId string) and a device id.</summary>
public sealed record ProtocolAddress
{
    public ProtocolAddress(string name, uint deviceId)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        DeviceId = deviceId;
    }

    public string Name { get; }

    public uint DeviceId { get; }

    public override string ToString() => $"{Name}.{DeviceId}";

    /// <summary>
    /// The 17-byte fixed-width ServiceId for <see cref="Name"/> (kind byte 0x00 for an ACI — a bare
    /// UUID — or 0x01 for "PNI:uuid", then the 16 UUID bytes), or null when the name is not one. As in
    /// libsignal (<c>ServiceId::parse_from_service_id_string</c>) only the 36-character hyphenated UUID
    /// form counts: both sides must agree on which names are ServiceIds, or the address binding of a
    /// PreKeySignalMessage fails to verify.
    /// </summary>
    internal byte[]? ServiceIdFixedWidth()
    {
        byte kind;
        string uuidText;
        if (Name.StartsWith("PNI:", StringComparison.Ordinal))
        {
            kind = 0x01;
            uuidText = Name[4..];
        }
        else
        {
            kind = 0x00;
            uuidText = Name;
        }

        if (!Guid.TryParseExact(uuidText, "D", out var uuid))
        {
            return null;
        }

        var result = new byte[17];
        result[0] = kind;
        uuid.TryWriteBytes(result.AsSpan(1), bigEndian: true, out _);
        return result;
    }

    /// <summary>
    /// The 36-byte <c>addresses</c> field libsignal puts in PreKeySignalMessages: sender ServiceId,
    /// sender device, recipient ServiceId, recipient device; null when either name is not a ServiceId.
    /// </summary>
    internal static byte[]? SerializeAddresses(ProtocolAddress sender, ProtocolAddress recipient)
    {
        var s = sender.ServiceIdFixedWidth();
        var r = recipient.ServiceIdFixedWidth();
        if (s is null || r is null || sender.DeviceId > 255 || recipient.DeviceId > 255)
        {
            return null;
        }

        var result = new byte[36];
        s.CopyTo(result, 0);
        result[17] = (byte)sender.DeviceId;
        r.CopyTo(result, 18);
        result[35] = (byte)recipient.DeviceId;
        return result;
    }
}
