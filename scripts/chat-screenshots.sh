#!/usr/bin/env bash
# Makes the chat screen "screenshots" of docs/messenger.md from a real run: starts Parley.Server
# (Release, SQLite, in a temporary folder), registers alice, bob and carol, drives `parley chat` in
# tmux panes of 80×24 with send-keys and prints what the panes show (tmux capture-pane -p), one
# Markdown text block per scene, on stdout.
#   dotnet build src/Parley.Server -c Release && dotnet build src/Parley.Cli -c Release
#   scripts/chat-screenshots.sh > /tmp/screens.md
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
server_dll="$root/src/Parley.Server/bin/Release/net10.0/Parley.Server.dll"
cli="$root/src/Parley.Cli/bin/Release/net10.0/parley.dll"
[ -f "$server_dll" ] && [ -f "$cli" ] || { echo "build first: dotnet build src/Parley.Server -c Release && dotnet build src/Parley.Cli -c Release" >&2; exit 1; }
command -v tmux >/dev/null || { echo "needs tmux" >&2; exit 1; }
work=$(mktemp -d /tmp/parley-screens.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
passphrase="a long enough profile passphrase"
(cd "$work" && exec dotnet "$server_dll" --urls "$url" --contentRoot "$(dirname "$server_dll")" \
  --Parley:Storage:Provider=sqlite --Parley:Storage:DataDirectory="$work/data" >"$work/server.log" 2>&1) &
server_pid=$!
tmux_() { tmux -S "$work/tmux.sock" "$@"; }
trap 'tmux_ kill-server 2>/dev/null || true; kill $server_pid 2>/dev/null || true; wait $server_pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 200); do curl -sf "$url/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

# parley as one person: their own XDG_DATA_HOME, so their own profile
as() { local who=$1; shift; XDG_DATA_HOME="$work/$who" PARLEY_SERVER="$url" PARLEY_PASSPHRASE="$passphrase" TZ=UTC dotnet "$cli" "$@"; }
screen() { # screen <who> [conversation]: `parley chat` in its own 80×24 tmux session
  local who=$1; shift
  tmux_ new-session -d -s "$who" -x 80 -y 24 -e "XDG_DATA_HOME=$work/$who" -e "PARLEY_SERVER=$url" \
    -e "PARLEY_PASSPHRASE=$passphrase" -e TZ=UTC "dotnet $cli chat $*; sleep 3600"
  wait_for "$who" "● connected"
}
wait_for() { # wait_for <who> <text>: until the pane shows it (60 s at most)
  for _ in $(seq 600); do tmux_ capture-pane -p -t "$1" | grep -qF -- "$2" && return 0; sleep 0.1; done
  echo "the screen of $1 never showed: $2" >&2; tmux_ capture-pane -p -t "$1" >&2; exit 1
}
wait_re() { # wait_re <who> <extended regex>
  for _ in $(seq 600); do tmux_ capture-pane -p -t "$1" | grep -qE -- "$2" && return 0; sleep 0.1; done
  echo "the screen of $1 never matched: $2" >&2; tmux_ capture-pane -p -t "$1" >&2; exit 1
}
type_() { tmux_ send-keys -t "$1" -l "$2"; }
keys() { local who=$1; shift; tmux_ send-keys -t "$who" "$@"; }
shot() { # shot <who> <title>: the pane as a Markdown text block
  printf '%s\n\n```\n' "$2"
  tmux_ capture-pane -p -t "$1" | sed -e 's/[[:space:]]*$//'
  printf '```\n\n'
}

for who in alice bob carol; do as "$who" register "$who" >/dev/null; done
as alice send bob "Hi Bob! Is the new chat screen ready?" >/dev/null
as bob inbox >/dev/null
as bob send alice "Almost. Try 'parley chat bob'." >/dev/null
as carol group create "Book club" alice bob >/dev/null
for who in alice bob; do as "$who" inbox >/dev/null; as "$who" group accept "#Book club" >/dev/null; done
as carol inbox >/dev/null

screen alice bob
screen bob alice
wait_for alice "bob: Almost."
type_ alice "Trying it now. Two lines:"
keys alice C-j
type_ alice "Ctrl-J starts the second."
keys alice Enter
wait_for bob "Ctrl-J starts the second."
wait_for alice "second. ✓✓ read"
as carol send "#Book club" "First book: The Left Hand of Darkness. Thursday?" >/dev/null
wait_re alice "Book club \\(3\\) +1│"
type_ bob "Looks good at 80×24"
wait_for alice "bob is typing…"
shot alice "Alice's screen: bob is typing, her message was read, and carol wrote in the group (1 unread):"

keys bob Escape
sleep 0.5
keys bob C-q
sleep 2
as bob unregister --yes >/dev/null
as bob register bob >/dev/null
as bob send alice "New laptop, new keys. Still me!" >/dev/null
wait_for alice "accept with /trust"
type_ alice "Prove it"
keys alice Enter
wait_for alice "sending is blocked here"
shot alice "Bob's identity key changed: the banner stays above the conversation and sending is blocked:"

type_ alice "/verify"
keys alice Enter
wait_for alice "Safety number with bob"
shot alice "/verify shows the safety number to compare (here: the new key, not accepted yet):"

keys alice Escape
sleep 0.5
type_ alice "/help"
keys alice Enter
wait_for alice "PgDn: more"
shot alice "/help (F1), first page; PgDn shows the slash commands:"

keys alice NPage
sleep 0.5
shot alice "/help, second page:"
