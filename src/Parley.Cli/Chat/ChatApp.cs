using Parley.Client.Messenger;
using Terminal.Gui.App;

namespace Parley.Cli.Chat;

/// <summary>
/// Runs the chat screen on an open messenger until the user leaves: Terminal.Gui in full-screen
/// mode (alternate screen), the messenger's live events pumped onto the UI thread, and the terminal
/// given back as it was on every way out — Ctrl-Q, Ctrl-C, /quit, SIGINT, SIGTERM, SIGHUP, or an error.
/// </summary>
internal static class ChatApp
{
    /// <summary>
    /// Main-loop iterations per second (Terminal.Gui's default is 25): what arrives waits at most one
    /// period (20 ms) to be drawn. Each idle iteration costs about half a millisecond of CPU.
    /// </summary>
    private const ushort RefreshesPerSecond = 50;

    public static async Task<int> RunAsync(Client.Messenger.Messenger messenger, string? initial, CancellationToken cancellationToken)
    {
        Application.MaximumIterationsPerSecond = RefreshesPerSecond;
        var theme = ChatTheme.Current();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var app = Application.Create();
        app.Init();
        try
        {
            return await RunScreenAsync(app, messenger, initial, theme, stop, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            app.Dispose();
            RestoreKeypad();
        }
    }

    private static async Task<int> RunScreenAsync(IApplication app, Client.Messenger.Messenger messenger, string? initial, ChatTheme theme,
        CancellationTokenSource stop, CancellationToken cancellationToken)
    {
        var exitCode = ExitCodes.Ok;
        try
        {
            var session = new ChatSession(messenger, action => app.Invoke(action));
            using var window = new ChatWindow(session, theme);
            app.Keyboard.KeyDown += (_, key) =>
            {
                if (window.HandleKey(key))
                {
                    key.Handled = true;
                }
            };

            // SIGINT and SIGTERM (which the command line turns into this token) end the screen like Ctrl-Q,
            // so the terminal is restored on the way out. SIGHUP means the terminal is gone: nothing to
            // restore, so the default (exit) stands; the profile is consistent at every commit and its
            // lock goes with the process.
            cancellationToken.Register(() =>
            {
                exitCode = ExitCodes.Interrupted;
                app.Invoke(() => app.RequestStop());
            });

            var ticker = app.AddTimeout(TimeSpan.FromSeconds(1), () =>
            {
                session.Tick();
                return true;
            });
            app.AddTimeout(TimeSpan.Zero, () =>
            {
                window.FocusInput();
                return false;
            });

            var events = new EventPump(app, session);
            await session.StartAsync(initial, stop.Token).ConfigureAwait(false);
            var follow = Task.Run(async () =>
            {
                try
                {
                    await foreach (var e in messenger.FollowAsync(cancellationToken: stop.Token).ConfigureAwait(false))
                    {
                        events.Post(e);
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                }
            }, CancellationToken.None);

            app.Run(window);
            await stop.CancelAsync().ConfigureAwait(false);
            if (ticker is not null)
            {
                app.RemoveTimeout(ticker);
            }

            await follow.ConfigureAwait(false);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
        }

        return exitCode;
    }

    /// <summary>
    /// Puts the keypad back in normal mode once the screen is gone: Terminal.Gui (or .NET's console)
    /// leaves application keypad mode on, and the shell after us would get escape codes for some keys.
    /// </summary>
    public static void RestoreKeypad()
    {
        if (!Console.IsOutputRedirected)
        {
            using var stdout = Console.OpenStandardOutput();
            stdout.Write("\e[?1l\e>"u8);
            stdout.Flush();
        }
    }
}
