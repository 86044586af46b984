using System.Data;
using System.Data.Common;

namespace Parley.Server.Infrastructure.Storage;

/// <summary>
/// The one way every store binds a statement, on SQLite (a prepared command cached per connection) and on
/// PostgreSQL (a command per call, auto-prepared by Npgsql). Getting a statement marks every declared
/// parameter unbound; <c>Bind</c> sets one by name (or, for generated multi-row shapes, by ordinal), typed;
/// executing throws <see cref="InvalidOperationException"/> naming any parameter left unbound. So no value
/// survives from a previous call, and a forgotten parameter fails the first time it runs, not later as
/// someone else's row. Costs what positional assignment cost: no allocation beyond the boxed values.
/// </summary>
public readonly struct Statement<TCommand> : IAsyncDisposable
    where TCommand : DbCommand
{
    // Compared by reference only: no caller can produce this value.
    private static readonly object Unbound = new();

    private readonly TCommand _command;
    private readonly bool _owned;

    /// <summary>
    /// Wraps <paramref name="command"/> (its parameters declared) and marks every parameter unbound;
    /// <paramref name="owned"/> says whether disposing the statement disposes the command (false for cached commands).
    /// </summary>
    internal Statement(TCommand command, bool owned)
    {
        _command = command;
        _owned = owned;
        var parameters = command.Parameters;
        for (var i = 0; i < parameters.Count; i++)
        {
            parameters[i].Value = Unbound;
        }
    }

    /// <summary>The same command to run again (a loop over rows): every parameter unbound again.</summary>
    public Statement<TCommand> Again() => new(_command, _owned);

    public Statement<TCommand> Bind(string name, string? value) => Bind(IndexOf(name), value);

    public Statement<TCommand> Bind(string name, long value) => Bind(IndexOf(name), value);

    public Statement<TCommand> Bind(string name, int value) => Bind(IndexOf(name), value);

    /// <summary>A nullable <c>bigint</c>/<c>INTEGER</c>: null binds SQL NULL.</summary>
    public Statement<TCommand> Bind(string name, long? value) => Bind(IndexOf(name), value);

    /// <summary>A nullable <c>integer</c>/<c>INTEGER</c>: null binds SQL NULL.</summary>
    public Statement<TCommand> Bind(string name, int? value) => Bind(IndexOf(name), value);

    public Statement<TCommand> Bind(string name, short value) => Bind(IndexOf(name), value);

    public Statement<TCommand> Bind(string name, bool value) => Bind(IndexOf(name), value);

    public Statement<TCommand> Bind(string name, byte[]? value) => Bind(IndexOf(name), value);

    /// <summary>A PostgreSQL array parameter (<c>bigint[]</c>).</summary>
    public Statement<TCommand> Bind(string name, long[] value) => Set(IndexOf(name), DbType.Object, value);

    /// <summary>A PostgreSQL array parameter (<c>bytea[]</c>, null elements allowed).</summary>
    public Statement<TCommand> Bind(string name, byte[]?[] value) => Set(IndexOf(name), DbType.Object, value);

    public Statement<TCommand> Bind(int ordinal, string? value) => Set(ordinal, DbType.String, value);

    public Statement<TCommand> Bind(int ordinal, long value) => Set(ordinal, DbType.Int64, value);

    public Statement<TCommand> Bind(int ordinal, int value) => Set(ordinal, DbType.Int32, value);

    public Statement<TCommand> Bind(int ordinal, long? value) => Set(ordinal, DbType.Int64, value);

    public Statement<TCommand> Bind(int ordinal, int? value) => Set(ordinal, DbType.Int32, value);

    public Statement<TCommand> Bind(int ordinal, short value) => Set(ordinal, DbType.Int16, value);

    public Statement<TCommand> Bind(int ordinal, bool value) => Set(ordinal, DbType.Boolean, value);

    public Statement<TCommand> Bind(int ordinal, byte[]? value) => Set(ordinal, DbType.Binary, value);

    /// <summary>Bytes without a copy (PostgreSQL <c>bytea</c>; streamed chunks).</summary>
    public Statement<TCommand> Bind(int ordinal, ReadOnlyMemory<byte> value) => Set(ordinal, DbType.Binary, value);

    private Statement<TCommand> Set(int ordinal, DbType type, object? value)
    {
        var parameter = _command.Parameters[ordinal];
        if (type != DbType.Object)
        {
            parameter.DbType = type;
        }

        parameter.Value = value ?? DBNull.Value;
        return this;
    }

    /// <summary>
    /// The command, every parameter bound (for reading with the provider's own reader type); throws naming the
    /// first parameter left unbound.
    /// </summary>
    public TCommand Bound
    {
        get
        {
            var parameters = _command.Parameters;
            for (var i = 0; i < parameters.Count; i++)
            {
                if (ReferenceEquals(parameters[i].Value, Unbound))
                {
                    throw new InvalidOperationException(
                        $"Parameter {(parameters[i].ParameterName is { Length: > 0 } n ? n : "#" + (i + 1))} of \"{_command.CommandText}\" is not bound.");
                }
            }

            return _command;
        }
    }

    public int ExecuteNonQuery() => Bound.ExecuteNonQuery();

    public object? ExecuteScalar() => Bound.ExecuteScalar();

    public Task<int> ExecuteNonQueryAsync(CancellationToken cancellationToken) => Bound.ExecuteNonQueryAsync(cancellationToken);

    public Task<object?> ExecuteScalarAsync(CancellationToken cancellationToken) => Bound.ExecuteScalarAsync(cancellationToken);

    public ValueTask DisposeAsync() => _owned ? _command.DisposeAsync() : ValueTask.CompletedTask;

    // A linear ordinal search: the collections are small, and the providers' own name lookups build
    // dictionaries on the first call (a per-call allocation for Npgsql's fresh commands).
    private int IndexOf(string name)
    {
        var parameters = _command.Parameters;
        for (var i = 0; i < parameters.Count; i++)
        {
            if (string.Equals(parameters[i].ParameterName, name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        throw new ArgumentException($"\"{_command.CommandText}\" declares no parameter {name}.", nameof(name));
    }
}
