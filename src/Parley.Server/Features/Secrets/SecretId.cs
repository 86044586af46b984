using System.Buffers.Binary;
using System.Security.Cryptography;
using Parley.Server.Infrastructure.Text;

namespace Parley.Server.Features.Secrets;

/// <summary>A secret's id: 128 random bits, written as 22 base64url characters. Not enumerable.</summary>
internal readonly record struct SecretId(ulong High, ulong Low)
{
    public const int ByteLength = 16;
    public const int TextLength = 22;

    public static SecretId New()
    {
        Span<byte> bytes = stackalloc byte[ByteLength];
        RandomNumberGenerator.Fill(bytes);
        return FromBytes(bytes);
    }

    public static SecretId FromBytes(ReadOnlySpan<byte> bytes) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]));

    public static bool TryParse(ReadOnlySpan<char> text, out SecretId id)
    {
        Span<byte> bytes = stackalloc byte[ByteLength];
        if (text.Length == TextLength && Base64Url.TryDecodeExact(text, bytes))
        {
            id = FromBytes(bytes);
            return true;
        }

        id = default;
        return false;
    }

    public void WriteBytes(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, High);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], Low);
    }

    public byte[] ToByteArray()
    {
        var bytes = new byte[ByteLength];
        WriteBytes(bytes);
        return bytes;
    }

    /// <summary>Lower-case hex, for file names.</summary>
    public string ToHex() => string.Create(null, stackalloc char[32], $"{High:x16}{Low:x16}");

    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[ByteLength];
        WriteBytes(bytes);
        return Base64Url.Encode(bytes);
    }
}
