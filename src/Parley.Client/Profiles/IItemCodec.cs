using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Parley.Client.Profiles;

/// <summary>Turns a stored object into bytes and back. A value that does not decode is damage.</summary>
public interface IItemCodec<T>
    where T : class
{
    byte[] Encode(T value);

    /// <exception cref="FormatException">The bytes are not a value of this kind.</exception>
    T Decode(byte[] bytes);
}

/// <summary>A codec from a pair of functions (protocol records have their own Serialize/Deserialize).</summary>
public sealed class ItemCodec<T>(Func<T, byte[]> encode, Func<byte[], T> decode) : IItemCodec<T>
    where T : class
{
    public byte[] Encode(T value) => encode(value);

    public T Decode(byte[] bytes) => decode(bytes);

    /// <summary>A codec for a JSON record with a source-generated type.</summary>
    public static ItemCodec<T> Json(JsonTypeInfo<T> type) => new(
        v => JsonSerializer.SerializeToUtf8Bytes(v, type),
        b =>
        {
            try
            {
                return JsonSerializer.Deserialize(b, type) ?? throw new FormatException("null value");
            }
            catch (JsonException e)
            {
                throw new FormatException("not a stored value of this kind", e);
            }
        });
}
