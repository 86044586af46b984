using Terminal.Gui.App;
using Terminal.Gui.Drawing;
using Terminal.Gui.Drivers;
using Terminal.Gui.Input;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

// Terminal.Gui 2.5 marks TextView obsolete in favour of EditorView from a separate package (tui-cs/Editor)
// that is not part of Parley's stack; TextView still works, and the input line needs only its basics.
#pragma warning disable CS0618

namespace Parley.Cli.Chat;

/// <summary>
/// The chat screen: the conversation list on the left; on the right the title and banner, the
/// history, who is typing and the input line; the status bar at the bottom. Every key is handled
/// here, before any view sees it, so the input line keeps the focus and nothing else needs it.
/// </summary>
internal sealed class ChatWindow : Runnable
{
    private const int MaxInputRows = 5;
    private readonly ChatSession _s;
    private readonly ConversationListView _list;
    private readonly HeaderView _header;
    private readonly HistoryView _history;
    private readonly TypingView _typing;
    private readonly StatusView _status;
    private readonly TextView _input;
    private readonly Label _prompt;
    private bool _searching;

    public ChatWindow(ChatSession session, ChatTheme theme)
    {
        _s = session;
        SetScheme(theme.Scheme());
        BorderStyle = LineStyle.None;
        _list = new ConversationListView(session, theme);
        _header = new HeaderView(session, theme);
        _history = new HistoryView(session, theme);
        _typing = new TypingView(session, theme);
        _status = new StatusView(session, theme, "");
        _prompt = new Label { Text = ">" };
        _input = new TextView { Multiline = true, WordWrap = true, TabKeyAddsTab = false, CanFocus = true };
        _input.ContentsChanged += (_, _) =>
        {
            if (!_searching)
            {
                _s.Typed(_input.Text);
            }

            Relayout();
        };
        Add(_list, _header, _history, _typing, _prompt, _input, _status);
        ViewportChanged += (_, _) => Relayout();
        // What the session shows changed: the views drawn from it are drawn again, not the input line
        // (redrawing the whole window for each arriving message doubled the cost of a frame).
        SessionView[] drawnFromSession = [_list, _header, _history, _typing, _status];
        _s.Changed += () =>
        {
            Relayout();
            foreach (var view in drawnFromSession)
            {
                view.SetNeedsDraw();
            }
        };
        _s.Commands.QuitRequested += () => App?.RequestStop();
    }

    /// <summary>Where everything goes at the current size (80×24 and up; smaller still works, just cramped).</summary>
    private void Relayout()
    {
        var width = Math.Max(20, Viewport.Width);
        var height = Math.Max(8, Viewport.Height);
        var listWidth = Math.Clamp(width / 4, 14, 30);
        var right = width - listWidth;
        var inputRows = Math.Clamp(_input.Lines, 1, MaxInputRows);
        var banner = _header.BannerRows(right).Count;
        var activity = 1 + _typing.FeedbackRows(right).Count;
        var historyTop = 1 + banner;
        var historyHeight = Math.Max(1, height - historyTop - activity - inputRows - 1);
        var inputTop = historyTop + historyHeight + activity;
        Place(_list, 0, 0, listWidth, height - 1);
        Place(_header, listWidth, 0, right, historyTop);
        Place(_history, listWidth, historyTop, right, historyHeight);
        Place(_typing, listWidth, historyTop + historyHeight, right, activity);
        Place(_prompt, listWidth, inputTop, 2, 1);
        Place(_input, listWidth + 2, inputTop, right - 2, inputRows);
        Place(_status, 0, height - 1, width, 1);
    }

    private static void Place(View view, int x, int y, int width, int height)
    {
        if (view.Frame.X == x && view.Frame.Y == y && view.Frame.Width == width && view.Frame.Height == height)
        {
            return;
        }

        view.X = x;
        view.Y = y;
        view.Width = width;
        view.Height = height;
    }

    /// <summary>Gives the input line the focus once the screen runs.</summary>
    public void FocusInput() => _input.SetFocus();

    /// <summary>Every key press, before the views: true when it was the screen's.</summary>
    public bool HandleKey(Key key)
    {
        if (key == Key.Q.WithCtrl || key == Key.C.WithCtrl)
        {
            App?.RequestStop();
            return true;
        }

        if (key == Key.Enter)
        {
            var text = _input.Text;
            if (_searching)
            {
                _s.Search(text.Trim());
                return true;
            }

            _input.Text = "";
            _s.Submit(text.TrimEnd('\n', '\r'));
            return true;
        }

        // Ctrl-J is a line feed, which terminals send as Ctrl+Enter; Alt-Enter where the terminal reports it.
        if (key == Key.Enter.WithCtrl || key == Key.J.WithCtrl || key == Key.Enter.WithAlt)
        {
            _input.InsertText("\n");
            return true;
        }

        if (key == Key.Esc)
        {
            if (_s.Panel is not null)
            {
                _s.Panel = null;
            }
            else if (_searching)
            {
                LeaveSearch();
            }
            else
            {
                _input.Text = "";
            }

            if (_s.Scroll == 0)
            {
                _s.ScrolledToBottom(); // what arrived while a panel covered the history is read now
            }

            SetAllNeedsDraw();
            return true;
        }

        if (key == Key.F.WithCtrl)
        {
            if (!_searching)
            {
                _searching = true;
                _input.Text = "";
                _prompt.Text = "?";
                _status.Mode = "search: type text, Enter finds an older message, Esc ends";
                SetAllNeedsDraw();
            }

            return true;
        }

        if (key == Key.F1)
        {
            _s.Commands.Run("/help");
            return true;
        }

        if (key == Key.N.WithCtrl || key == Key.CursorDown.WithAlt)
        {
            Switch(() => _s.SelectNext(1));
            return true;
        }

        if (key == Key.P.WithCtrl || key == Key.CursorUp.WithAlt)
        {
            Switch(() => _s.SelectNext(-1));
            return true;
        }

        if (key == Key.Tab)
        {
            Switch(_s.SelectNextUnread);
            return true;
        }

        for (var n = 1; n <= 9; n++)
        {
            if (key == new Key((KeyCode)('0' + n)).WithAlt)
            {
                if (n <= _s.Entries.Count)
                {
                    var id = _s.Entries[n - 1].Id;
                    Switch(() => _s.Open(id));
                }

                return true;
            }
        }

        if (key == Key.PageUp)
        {
            _history.PageUp();
            return true;
        }

        if (key == Key.PageDown)
        {
            _history.PageDown();
            return true;
        }

        if (key == Key.End.WithCtrl)
        {
            _history.Scroll(_s.Panel is null ? -_s.Scroll : -int.MaxValue / 4);
            return true;
        }

        if (key == Key.Home.WithCtrl)
        {
            _history.Scroll(int.MaxValue / 4);
            return true;
        }

        // Up and Down recall earlier lines while the input is a single line.
        if ((key == Key.CursorUp || key == Key.CursorDown) && _input.Lines <= 1 && !_searching)
        {
            var line = key == Key.CursorUp ? _s.InputLines.Previous() : _s.InputLines.Next();
            if (line is not null)
            {
                _input.Text = line;
                _input.MoveEnd();
            }

            return true;
        }

        return false;
    }

    private void Switch(Action select)
    {
        if (_searching)
        {
            LeaveSearch();
        }

        select();
        SetAllNeedsDraw();
    }

    private void LeaveSearch()
    {
        _searching = false;
        _input.Text = "";
        _prompt.Text = ">";
        _status.Mode = "";
        _s.EndSearch();
    }

    private void SetAllNeedsDraw()
    {
        Relayout();
        foreach (var view in SubViews)
        {
            view.SetNeedsDraw();
        }
    }
}
