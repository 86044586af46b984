#!/usr/bin/env bash
# Parley's one test command: installs what the tests need, starts throwaway PostgreSQL and Redis
# servers on loopback, runs every test project, stops the servers, and exits non-zero on any failure.
#
#   ./test.sh                 everything
#   ./test.sh --filter-class '*SecretApi*'   extra arguments go to every test application
#
# Run it as root, or as a user who may use sudo: the apt-get install, and starting PostgreSQL as
# its own system user, go through sudo when the script is not root.
#
# Environment: PARLEY_TEST_SKIP_INSTALL=1 skips apt/npm (a machine that already has them);
# PARLEY_TEST_SKIP_FUZZ=1 skips the fuzz smoke run, PARLEY_TEST_FUZZ_SECONDS sets its seconds per target.
set -uo pipefail
cd "$(dirname "$0")"
root=$(pwd)
results="$root/artifacts/test-results"
work=$(mktemp -d /tmp/parley-test.XXXXXX)
chmod 755 "$work"

log() { printf '\n== %s\n' "$*"; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
# PostgreSQL refuses to run as root: its server runs as the postgres system user.
as_postgres() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$1"; else sudo -u postgres /bin/sh -c "$1"; fi; }

apt_packages=(postgresql redis-server python3-cryptography-vectors chromium tmux microsocks nginx afl++)

install_prerequisites() {
  local missing=()
  for p in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "apt-get install ${missing[*]}"
    as_root apt-get update -qq || return 1
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || return 1
  fi
  for dir in tests/interop web; do
    if [ -f "$dir/package-lock.json" ]; then
      log "npm ci in $dir"
      (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) || return 1
    fi
  done
}

free_port() {
  local p=$1
  while (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
  echo "$p"
}

pg_bin=""
pg_dir="$work/pg"
redis_port=""

start_servers() {
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$pg_bin" ] || { echo "PostgreSQL binaries not found" >&2; return 1; }
  local pg_port
  pg_port=$(free_port 5433)
  mkdir -p "$pg_dir" && as_root chown postgres:postgres "$pg_dir"
  log "PostgreSQL on 127.0.0.1:$pg_port"
  as_postgres "$pg_bin/initdb -D $pg_dir/data -U postgres --auth=trust >$pg_dir/initdb.log 2>&1" || { cat "$pg_dir/initdb.log"; return 1; }
  as_postgres "$pg_bin/pg_ctl -D $pg_dir/data -o \"-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300\" -l $pg_dir/pg.log -w start >/dev/null" || { cat "$pg_dir/pg.log"; return 1; }
  export PARLEY_TEST_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres"

  redis_port=$(free_port 6390)
  log "Redis on 127.0.0.1:$redis_port"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no \
    --dir "$work" --logfile "$work/redis.log" || return 1
  export PARLEY_TEST_REDIS="127.0.0.1:$redis_port"
}

stop_servers() {
  if [ -n "$redis_port" ]; then redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true; fi
  if [ -n "$pg_bin" ] && [ -d "$pg_dir/data" ]; then
    as_postgres "$pg_bin/pg_ctl -D $pg_dir/data -m immediate stop >/dev/null 2>&1" || true
  fi
  # PostgreSQL's files belong to the postgres user.
  if [ -d "$pg_dir" ]; then as_root rm -rf "$pg_dir"; fi
  rm -rf "$work"
}
trap stop_servers EXIT

status=0
if [ "${PARLEY_TEST_SKIP_INSTALL:-0}" != 1 ]; then
  install_prerequisites || { echo "installing test prerequisites failed" >&2; status=1; }
fi
[ $status = 0 ] && { start_servers || status=1; }

rm -rf "$results"
mkdir -p "$results"
if [ $status = 0 ] && [ -d web/node_modules ]; then
  log "build web UI"
  (cd web && npm run --silent build) || status=1
fi
if [ $status = 0 ]; then
  log "build"
  dotnet build Parley.slnx -c Release -nologo -clp:ErrorsOnly || status=1
fi
if [ $status = 0 ]; then
  log "test"
  dotnet test --solution Parley.slnx -c Release --no-build \
    --report-trx --results-directory "$results" --timeout 40m "$@" || status=1
fi

# A short coverage-guided run of every decoder (docs/fuzzing.md): any crash or hang fails the run.
if [ $status = 0 ] && [ "${PARLEY_TEST_SKIP_FUZZ:-0}" != 1 ]; then
  log "fuzz smoke run (${PARLEY_TEST_FUZZ_SECONDS:-10} s per target)"
  fuzz/run.sh all "${PARLEY_TEST_FUZZ_SECONDS:-10}" || status=1
fi

if [ $status = 0 ] && [ "${PARLEY_TEST_SKIP_RUN_SMOKE:-0}" != 1 ]; then
  log "run command smoke test"
  scripts/smoke-run.sh || status=1
fi

scripts/test-summary.sh "$results" "$status"
exit $status
