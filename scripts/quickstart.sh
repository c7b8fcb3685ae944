#!/usr/bin/env bash
# The quick start: build lamb, start a local AWS emulator (moto), and run
# lamb's whole job on a brand-new Node.js function and on the examples —
# init → validate → package → check → deploy → invoke → change → deploy →
# rollback — with no AWS account.
# Usage: scripts/quickstart.sh [WORKDIR]   (default: a temp folder)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d "${TMPDIR:-/tmp}/lamb-quickstart.XXXXXX")}
mkdir -p "$work/bin"
export LAMB_CACHE_DIR="$work/cache"

# Bold step titles only when both streams are a terminal; when either goes to
# a log or a pipe, nothing here or in lamb writes escape codes.
if [[ -t 1 && -t 2 && -z "${NO_COLOR:-}" && -z "${CI:-}" ]]; then
  step() { printf '\n\033[1m$ %s\033[0m\n' "$*" >&2; }
else
  export NO_COLOR=1
  step() { printf '\n$ %s\n' "$*" >&2; }
fi

( cd "$root" && go build -o "$work/bin/lamb" . )
export PATH="$work/bin:$PATH"

# The local AWS: moto on a free port, with throwaway credentials. lamb reads
# LAMB_ENDPOINT_URL like --endpoint-url; nothing here can reach real AWS.
export MOTO_PIDFILE="$work/moto.pid"
eval "$("$root/scripts/moto.sh" "$work/moto.log")"
trap 'kill "$(cat "$MOTO_PIDFILE")" 2>/dev/null || true' EXIT
export AWS_ACCESS_KEY_ID=quickstart AWS_SECRET_ACCESS_KEY=quickstart AWS_REGION=us-east-1
unset AWS_PROFILE AWS_SESSION_TOKEN
echo "local AWS emulator at $LAMB_ENDPOINT_URL" >&2

# A new function, from nothing.
fn="$work/hello"
rm -rf "$fn" && mkdir -p "$fn" && cd "$fn"
cat > index.mjs <<'JS'
export const handler = async (event) => ({
  statusCode: 200,
  body: JSON.stringify({ hello: event?.name ?? "world", version: 1 }),
});
JS
step lamb init --runtime nodejs --name hello
lamb init --runtime nodejs --name hello
step lamb validate
lamb validate
step lamb package
lamb package
step lamb check
lamb check
step lamb deploy
lamb deploy
step "lamb invoke hello --payload '{\"name\":\"lamb\"}'"
lamb invoke hello --payload '{"name":"lamb"}'
step "lamb deploy   # again, unchanged: up to date, nothing written"
lamb deploy

# A change: a new version, and the alias moves to it.
sed -i.bak 's/version: 1/version: 2/' index.mjs && rm -f index.mjs.bak
step "lamb plan   # after a code change: what deploy would do, nothing written"
lamb plan
step "lamb deploy"
lamb deploy
step lamb versions hello
lamb versions hello
step lamb rollback hello
lamb rollback hello
step "lamb shift hello --to 2 --strategy canary:10%:2s   # back to 2: 10% for 2 s, then all"
lamb shift hello --to 2 --strategy canary:10%:2s
step lamb status hello
lamb status hello

# The examples that ship with lamb, with their npm and pip dependencies
# (copied, so the checkout stays clean).
for ex in "$root"/examples/*/; do
  name=$(basename "$ex")
  rm -rf "$work/$name" && cp -R "$ex" "$work/$name" && cd "$work/$name"
  step "cd examples/$name && lamb validate && lamb check && lamb deploy"
  lamb validate
  lamb check
  lamb deploy
done

printf '\nquick start done: zips in %s/*/.lamb/build/, functions deployed to the emulator\n' "$work" >&2
