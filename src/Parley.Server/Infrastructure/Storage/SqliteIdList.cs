using System.Globalization;
using System.Text;

namespace Parley.Server.Infrastructure.Storage;

/// <summary>
/// Integer ids as a JSON array, for one statement over a whole list (<c>id IN (SELECT value FROM json_each($ids))</c>):
/// one prepared statement whatever the count, where <c>IN ($1, $2, …)</c> would need one per count.
/// </summary>
internal static class SqliteIdList
{
    public static string Json(IReadOnlyList<long> ids)
    {
        var text = new StringBuilder((ids.Count * 8) + 2).Append('[');
        for (var i = 0; i < ids.Count; i++)
        {
            if (i > 0)
            {
                text.Append(',');
            }

            text.Append(ids[i].ToString(CultureInfo.InvariantCulture));
        }

        return text.Append(']').ToString();
    }
}
