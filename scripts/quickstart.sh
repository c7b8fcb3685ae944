#!/usr/bin/env bash
# The quick start: build lamb, then run its main job on a brand-new Node.js
# function and on the examples — init → validate → package → check — with no
# AWS account. Usage: scripts/quickstart.sh [WORKDIR]   (default: a temp folder)
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

# A new function, from nothing.
fn="$work/hello"
rm -rf "$fn" && mkdir -p "$fn" && cd "$fn"
cat > index.mjs <<'JS'
export const handler = async (event) => ({
  statusCode: 200,
  body: JSON.stringify({ hello: event?.name ?? "world" }),
});
JS
step lamb init --runtime nodejs --name hello
lamb init --runtime nodejs --name hello
step lamb validate
lamb validate
step lamb package
lamb package
step lamb check --offline
lamb check --offline

# The examples that ship with lamb (copied, so the checkout stays clean).
for ex in "$root"/examples/*/; do
  name=$(basename "$ex")
  rm -rf "$work/$name" && cp -R "$ex" "$work/$name" && cd "$work/$name"
  step "cd examples/$name && lamb validate && lamb package && lamb check --offline"
  lamb validate
  lamb package --quiet
  lamb check --offline
done

printf '\nquick start done: zips and manifests are in %s/*/.lamb/build/\n' "$work" >&2
