using System.Collections.Concurrent;
using Parley.Client.Messenger;
using Terminal.Gui.App;

namespace Parley.Cli.Chat;

/// <summary>
/// Hands the messenger's events to the screen: a burst is applied together, and what it changed is
/// drawn at once, in the same main-loop iteration. (Terminal.Gui runs invoked actions after it drew;
/// left to itself, the change would wait for the next iteration, a whole period later.)
/// </summary>
internal sealed class EventPump(IApplication app, ChatSession session)
{
    private readonly ConcurrentQueue<MessengerEvent> _queue = new();
    private int _scheduled;

    /// <summary>From the messenger's thread: queues the event; the first of a burst schedules the drain.</summary>
    public void Post(MessengerEvent e)
    {
        _queue.Enqueue(e);
        if (Interlocked.Exchange(ref _scheduled, 1) == 0)
        {
            app.Invoke(Drain);
        }
    }

    private void Drain()
    {
        Volatile.Write(ref _scheduled, 0); // what comes from now on schedules another drain
        while (_queue.TryDequeue(out var e))
        {
            session.Apply(e);
        }

        app.LayoutAndDraw();
    }
}
