using System.Net;
using System.Net.Sockets;

namespace Parley.Server.Features.Webhooks;

/// <summary>
/// Which addresses a webhook may not reach unless the operator allows private targets: anything that
/// is not a public unicast address (loopback, private, link-local, unique-local, shared, multicast,
/// unspecified, reserved), including IPv4 hidden inside IPv6 (mapped, NAT64, 6to4).
/// </summary>
internal static class WebhookAddressRules
{
    public static bool IsForbidden(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            if (address.IsIPv4MappedToIPv6)
            {
                return IsForbiddenV4(address.MapToIPv4());
            }

            var b = address.GetAddressBytes();
            if (IPAddress.IPv6None.Equals(address) || IPAddress.IPv6Loopback.Equals(address)
                || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast
                || (b[0] & 0xfe) == 0xfc)
            {
                return true;
            }

            // 64:ff9b::/96 (NAT64) and 2002::/16 (6to4) carry an IPv4 address that is what gets reached.
            if (b[0] == 0 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b.AsSpan(4, 8).IndexOfAnyExcept((byte)0) < 0)
            {
                return IsForbiddenV4(new IPAddress(b.AsSpan(12, 4)));
            }

            if (b[0] == 0x20 && b[1] == 0x02)
            {
                return IsForbiddenV4(new IPAddress(b.AsSpan(2, 4)));
            }

            // ::/96 (IPv4-compatible, deprecated) and the rest of ::/8 are not public unicast.
            return b[0] == 0;
        }

        return address.AddressFamily != AddressFamily.InterNetwork || IsForbiddenV4(address);
    }

    private static bool IsForbiddenV4(IPAddress address)
    {
        var b = address.GetAddressBytes();
        return b[0] switch
        {
            0 or 10 or 127 => true,                       // this network, private, loopback
            100 => b[1] is >= 64 and <= 127,              // shared address space (carrier NAT)
            169 => b[1] == 254,                           // link-local (cloud metadata lives here)
            172 => b[1] is >= 16 and <= 31,               // private
            192 => (b[1] == 168) || (b[1] == 0 && b[2] is 0 or 2) || (b[1] == 88 && b[2] == 99),
            198 => b[1] is 18 or 19 || (b[1] == 51 && b[2] == 100),
            203 => b[1] == 0 && b[2] == 113,              // documentation
            >= 224 => true,                               // multicast, reserved, broadcast
            _ => false,
        };
    }
}
