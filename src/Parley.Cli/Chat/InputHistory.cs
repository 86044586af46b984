namespace Parley.Cli.Chat;

/// <summary>The lines the user entered in this session, recalled with Up and Down like a shell's history.</summary>
internal sealed class InputHistory
{
    private const int Capacity = 200;
    private readonly List<string> _lines = [];
    private int _position; // _lines.Count: not browsing

    public void Add(string line)
    {
        if (_lines.Count == 0 || _lines[^1] != line)
        {
            _lines.Add(line);
            if (_lines.Count > Capacity)
            {
                _lines.RemoveAt(0);
            }
        }

        _position = _lines.Count;
    }

    /// <summary>The line before the one shown, or null at the oldest.</summary>
    public string? Previous()
    {
        if (_position == 0)
        {
            return null;
        }

        _position--;
        return _lines[_position];
    }

    /// <summary>The line after the one shown; empty after the newest.</summary>
    public string? Next()
    {
        if (_position >= _lines.Count)
        {
            return null;
        }

        _position++;
        return _position == _lines.Count ? "" : _lines[_position];
    }
}
