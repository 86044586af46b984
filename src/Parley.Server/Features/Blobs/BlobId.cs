using System.Security.Cryptography;
using Parley.Server.Infrastructure.Text;

namespace Parley.Server.Features.Blobs;

/// <summary>A blob's id: 128 random bits, written as 22 base64url characters. Not enumerable.</summary>
internal readonly record struct BlobId(string Text)
{
    public const int ByteLength = 16;

    public static BlobId New()
    {
        Span<byte> bytes = stackalloc byte[ByteLength];
        RandomNumberGenerator.Fill(bytes);
        return new BlobId(Base64Url.Encode(bytes));
    }

    public static bool TryParse(string? text, out BlobId id)
    {
        Span<byte> bytes = stackalloc byte[ByteLength];
        id = text is not null && Base64Url.TryDecodeExact(text, bytes) ? new BlobId(text) : default;
        return id.Text is not null;
    }

    public static BlobId FromBytes(ReadOnlySpan<byte> bytes) => new(Base64Url.Encode(bytes));

    public byte[] ToByteArray()
    {
        var bytes = new byte[ByteLength];
        Base64Url.TryDecodeExact(Text, bytes);
        return bytes;
    }

    /// <summary>Lower-case hex, for file names.</summary>
    public string ToHex() => Convert.ToHexStringLower(ToByteArray());

    public override string ToString() => Text;
}
