using System.Data;
using Npgsql;

namespace Parley.Server.Infrastructure.Storage;

/// <summary>
/// PostgreSQL statements in the stores' one binding style (<see cref="Statement{TCommand}"/>): a fresh command
/// per call (Npgsql prepares it automatically after a few uses of the same SQL), every declared parameter
/// unbound until bound, and the provider's own reader for the results.
/// </summary>
public static class PostgresStatement
{
    /// <summary>
    /// A statement on <paramref name="connection"/> (inside its transaction, if one is open) with named
    /// parameters (<c>@u</c> in the SQL is declared as <c>"u"</c>); dispose it after use.
    /// </summary>
    public static Statement<NpgsqlCommand> Create(NpgsqlConnection connection, string sql, params ReadOnlySpan<string> parameters)
    {
        var command = new NpgsqlCommand(sql, connection);
        foreach (var name in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { ParameterName = name });
        }

        return new Statement<NpgsqlCommand>(command, owned: true);
    }

    /// <summary>A statement with <paramref name="count"/> positional parameters (<c>$1</c>..), bound by ordinal.</summary>
    public static Statement<NpgsqlCommand> Positional(NpgsqlConnection connection, string sql, int count)
    {
        var command = new NpgsqlCommand(sql, connection);
        for (var i = 0; i < count; i++)
        {
            command.Parameters.Add(new NpgsqlParameter());
        }

        return new Statement<NpgsqlCommand>(command, owned: true);
    }

    public static Task<NpgsqlDataReader> ExecuteReaderAsync(this Statement<NpgsqlCommand> statement, CancellationToken cancellationToken) =>
        statement.Bound.ExecuteReaderAsync(cancellationToken);

    public static Task<NpgsqlDataReader> ExecuteReaderAsync(this Statement<NpgsqlCommand> statement, CommandBehavior behavior,
        CancellationToken cancellationToken) =>
        statement.Bound.ExecuteReaderAsync(behavior, cancellationToken);
}
