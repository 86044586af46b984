using System.CommandLine;
using System.Net.Sockets;
using Parley.Cli.Messaging;

namespace Parley.Cli.Daemon;

/// <summary>
/// <c>parley daemon --socket PATH | --tcp 127.0.0.1:PORT</c>: keeps the profile open and serves the
/// messenger over JSON-RPC 2.0 to bots and integrations, with notifications of incoming messages and
/// other events, until Ctrl-C or SIGTERM. Other <c>parley</c> processes on the same profile exit 15 meanwhile.
/// </summary>
internal static class DaemonCommand
{
    public static Command Build()
    {
        var socket = new Option<string?>("--socket") { Description = "Listen on a Unix domain socket at this path (mode 0600: only you may connect)", HelpName = "path" };
        var tcp = new Option<string?>("--tcp") { Description = "Listen on TCP on a loopback address: 127.0.0.1:PORT or [::1]:PORT (any local user may connect; prefer --socket)", HelpName = "address:port" };
        var passphraseFile = MessengerSession.PassphraseFile();
        var command = new Command("daemon", "Serve this profile's messenger over JSON-RPC 2.0 (one JSON text per line) for bots: calls for every messaging command, notifications for incoming events. Runs until Ctrl-C.")
        {
            socket, tcp, passphraseFile,
        };
        command.SetAction((parse, ct) => MessengerSession.GuardAsync(async token =>
        {
            // Everything the command line says is checked before the profile is opened.
            var socketPath = parse.GetValue(socket) is { } s ? DaemonEndpoints.CheckSocketPath(s) : null;
            var endpoint = parse.GetValue(tcp) is { } t ? DaemonEndpoints.ParseTcp(t) : null;
            if (socketPath is null && endpoint is null)
            {
                throw CliException.Usage("say where to listen: --socket PATH and/or --tcp 127.0.0.1:PORT");
            }

            await using var m = MessengerSession.Open(parse, passphraseFile);
            var listeners = new List<Socket>();
            var where = new List<string>();
            try
            {
                if (socketPath is not null)
                {
                    listeners.Add(DaemonEndpoints.ListenUnix(socketPath));
                    where.Add("unix:" + socketPath);
                }

                if (endpoint is not null)
                {
                    var listener = DaemonEndpoints.ListenTcp(endpoint);
                    listeners.Add(listener);
                    where.Add("tcp:" + listener.LocalEndPoint);
                }

                Console.Error.WriteLine($"parley daemon: {m.Username} on {m.Server.Authority}, listening on {string.Join(" and ", where)}; Ctrl-C to stop.");
                await new DaemonServer(m, listeners, line => Console.Error.WriteLine("parley daemon: " + line)).RunAsync(token).ConfigureAwait(false);
            }
            finally
            {
                foreach (var listener in listeners)
                {
                    listener.Dispose();
                }

                if (socketPath is not null && listeners.Count > 0 && File.Exists(socketPath))
                {
                    File.Delete(socketPath);
                }
            }

            Console.Error.WriteLine("parley daemon: stopped.");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }
}
