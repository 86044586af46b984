using Spectre.Console;

namespace Parley.Cli;

/// <summary>Progress bars for uploads and downloads, on stderr, only when stderr is a terminal.</summary>
internal static class Transfers
{
    public static async Task<T> RunAsync<T>(Terminal terminal, bool show, string label, long total, Func<IProgress<long>?, Task<T>> work)
    {
        if (!show || !terminal.ErrorIsTerminal || total <= 0)
        {
            return await work(null).ConfigureAwait(false);
        }

        return await terminal.Error.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(),
                new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask(label, maxValue: total);
                var result = await work(new DirectProgress(v => task.Value = v)).ConfigureAwait(false);
                task.Value = total;
                return result;
            }).ConfigureAwait(false);
    }

    private sealed class DirectProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
