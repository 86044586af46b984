using System.Data;
using Microsoft.Data.Sqlite;

namespace Parley.Server.Infrastructure.Storage;

/// <summary>Reading a bound SQLite <see cref="Statement{TCommand}"/> with SQLite's own reader.</summary>
public static class SqliteStatements
{
    public static SqliteDataReader ExecuteReader(this Statement<SqliteCommand> statement, CommandBehavior behavior = CommandBehavior.Default) =>
        statement.Bound.ExecuteReader(behavior);
}
