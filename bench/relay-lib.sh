#!/usr/bin/env bash
# Shared by the relay benchmarks (relay-vs-prosody.sh, relay-two-nodes.sh); source it from the repository root, do not run it.
# Sets server_dll and gen_dll (Release builds, built when missing) and defines free_port and load.
server_dll="$root/src/Parley.Server/bin/Release/net10.0/Parley.Server.dll"
gen_dll="$root/bench/Parley.Relay.LoadGenerator/bin/Release/net10.0/Parley.Relay.LoadGenerator.dll"
if [ ! -f "$server_dll" ] || [ ! -f "$gen_dll" ]; then
  dotnet build src/Parley.Server -c Release -v q -nologo >/dev/null
  dotnet build bench/Parley.Relay.LoadGenerator -c Release -v q -nologo >/dev/null
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
load() { cut -d' ' -f1 /proc/loadavg; }
