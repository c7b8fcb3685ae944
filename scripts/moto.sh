#!/usr/bin/env bash
# Start the pinned AWS emulator (moto) on a free loopback port for the quick
# start and the benchmarks, with no AWS account: it prints the endpoint on
# stdout and leaves the server's process id in $MOTO_PIDFILE (default
# ./moto.pid). The server is the one $LAMB_MOTO_SERVER names, else the one
# `make emulator` put in .venv/, else moto_server on PATH — the order the
# tests use.   Usage: eval "$(scripts/moto.sh LOGFILE)"
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
log=${1:-moto.log}
pidfile=${MOTO_PIDFILE:-moto.pid}

server=${LAMB_MOTO_SERVER:-}
if [[ -z $server && -x "$root/.venv/bin/moto_server" ]]; then
  server="$root/.venv/bin/moto_server"
fi
if [[ -z $server ]]; then
  server=$(command -v moto_server || true)
fi
if [[ -z $server ]]; then
  echo "moto_server not found: run 'make emulator' (it installs the pinned moto into .venv/)" >&2
  exit 1
fi

# Managed policies let lamb attach AWSLambdaBasicExecutionRole to the roles it creates.
MOTO_IAM_LOAD_MANAGED_POLICIES=true "$server" -H 127.0.0.1 -p 0 >"$log" 2>&1 &
echo $! >"$pidfile"
for _ in $(seq 1 300); do
  endpoint=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$log" | head -n1 || true)
  if [[ -n $endpoint ]] && curl -fsS -o /dev/null "$endpoint/moto-api/"; then
    # Lambda functions run in moto's simple mode: no Docker needed.
    curl -fsS -o /dev/null -X POST -H 'Content-Type: application/json' \
      -d '{"lambda":{"use_docker":false}}' "$endpoint/moto-api/config"
    echo "export LAMB_ENDPOINT_URL=$endpoint"
    exit 0
  fi
  sleep 0.1
done
echo "moto_server did not start; its log: $log" >&2
kill "$(cat "$pidfile")" 2>/dev/null || true
exit 1
