using System.Runtime.InteropServices;
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
    /// <summary>Screen refreshes per second at most: a message that arrives is drawn within one period.</summary>
    private const ushort RefreshesPerSecond = 100;

    public static async Task<int> RunAsync(Client.Messenger.Messenger messenger, string? initial, CancellationToken cancellationToken)
    {
        Application.MaximumIterationsPerSecond = RefreshesPerSecond;
        var theme = ChatTheme.Current();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var exitCode = ExitCodes.Ok;
        using IApplication app = Application.Create();
        app.Init();
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

            // A signal ends the screen like Ctrl-Q does, so the terminal is restored on the way out.
            void OnSignal(PosixSignalContext context)
            {
                context.Cancel = true;
                exitCode = context.Signal == PosixSignal.SIGINT ? ExitCodes.Interrupted : ExitCodes.Error;
                app.Invoke(() => app.RequestStop());
            }

            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
            using var sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal);
            cancellationToken.Register(() => app.Invoke(() => app.RequestStop()));

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

            await session.StartAsync(initial, stop.Token).ConfigureAwait(false);
            var follow = Task.Run(async () =>
            {
                try
                {
                    await foreach (var e in messenger.FollowAsync(cancellationToken: stop.Token).ConfigureAwait(false))
                    {
                        app.Invoke(() => session.Apply(e));
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
}
