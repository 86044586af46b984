using Parley.Cli;

return await ParleyCommand.RunAsync(args).ConfigureAwait(false);
