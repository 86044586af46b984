#!/usr/bin/env bash
# Shared by the relay benchmarks (relay-vs-prosody.sh, relay-two-nodes.sh); source it from the repository root, do not run it.
# Sets server_dll and gen_dll (Release builds, built when missing), gen (the command that runs the generator)
# and defines free_port and load.
server_dll="$root/src/Parley.Server/bin/Release/net10.0/Parley.Server.dll"
gen_dll="$root/bench/Parley.Relay.LoadGenerator/bin/Release/net10.0/Parley.Relay.LoadGenerator.dll"
if [ ! -f "$server_dll" ] || [ ! -f "$gen_dll" ]; then
  dotnet build src/Parley.Server -c Release -v q -nologo >/dev/null
  dotnet build bench/Parley.Relay.LoadGenerator -c Release -v q -nologo >/dev/null
fi
# The generator's gen0 budget is 512 MiB (an environment setting: the runtime reads it from nowhere else): with
# 18,000 sockets each of its gen0 collections paused it for about 75 ms (8 in a 10 s window at 9,000 pairs,
# 609 ms in all), and each pause entered the measured latency. With it, none falls in a measured window.
# Its socket completions run on the thread that polls the sockets instead of a hop to a pool thread each: on
# one core a hop is a context switch (27 % of its samples under perf were the hypervisor's, much of it on the
# way out of context switches), and at 100 pairs × 80/s its core went from 86 % to 61 % busy (one run each,
# docs/benchmarks.md, "Relay per core, fourth round"). Only the generator: the servers keep the default.
gen=(env DOTNET_GCgen0size=0x20000000 DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 dotnet "$gen_dll")
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
load() { cut -d' ' -f1 /proc/loadavg; }
