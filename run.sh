#!/usr/bin/env bash
# Runs Parley: builds the web UI (when npm is available) and starts the server on
# http://127.0.0.1:5080 with its SQLite store under ./data. Extra arguments go to the server,
# e.g. ./run.sh --Parley:Storage:Provider=memory
set -euo pipefail
cd "$(dirname "$0")"
if [ -f web/package.json ] && command -v npm >/dev/null 2>&1; then
  (cd web && { [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error; } && npm run --silent build)
fi
mkdir -p data
# dotnet run starts the server in its project folder: name the data folder absolutely.
exec dotnet run --project src/Parley.Server -c Release -- --urls http://127.0.0.1:5080 \
  --Parley:Storage:DataDirectory="$(pwd)/data" "$@"
