#!/usr/bin/env bash
# Benchmarks package.bundle: esbuild against shipping node_modules, on a
# small TypeScript API (scripts/bench/esbuild-api: zod, ms and the AWS SDK's
# S3 client, pinned by its package-lock.json): wall time, zip bytes, files
# and unzipped bytes, as medians of several repetitions run side by side.
#
# Usage: scripts/bench-esbuild.sh
#   BENCH_REPS   repetitions (default 5)
#
# Needs go, npm, zip, unzip and GNU time at /usr/bin/time.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
reps=${BENCH_REPS:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

api="$work/api"
cp -R "$repo/scripts/bench/esbuild-api" "$api"
cat >"$api/lamb.yaml" <<'EOF'
defaults:
  runtime: nodejs22.x
  handler: src/app.handler
  package:
    exclude: [lamb.yaml, tsconfig.json, package-lock.json]
functions:
  node-modules: {}
  bundled:
    package: {bundle: esbuild}
  minified:
    package: {bundle: esbuild, esbuild: {minify: true}}
EOF

(cd "$repo" && go build -o "$work/lamb" .)
export LAMB_CACHE_DIR="$work/cache"

# run NAME CMD... : runs CMD in the API's folder, appends its seconds to $work/NAME.
run() {
  local name=$1; shift
  (cd "$api" && /usr/bin/time -f '%e' -o "$work/$name.one" "$@" >/dev/null 2>&1)
  cat "$work/$name.one" >>"$work/$name"
}

median() {
  sort -n "$1" | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else printf "%.2f\n", (v[NR/2]+v[NR/2+1])/2}'
}

plainzip="$work/npm-zip.zip"
for i in $(seq "$reps"); do
  echo "repetition $i/$reps" >&2
  rm -rf "$api/node_modules" "$plainzip"
  run npmzip sh -c "npm ci --omit=dev --no-audit --no-fund && zip -r -q -X '$plainzip' . -x lamb.yaml -x tsconfig.json -x package-lock.json -x '.lamb/*'"
  rm -rf "$api/node_modules" "$LAMB_CACHE_DIR"
  run plain-cold "$work/lamb" package node-modules --no-cache
  run plain-warm "$work/lamb" package node-modules
  rm -rf "$LAMB_CACHE_DIR"
  run bundled-cold "$work/lamb" package bundled --no-cache
  run bundled-warm "$work/lamb" package bundled
  run minified-warm "$work/lamb" package minified
done

# row LABEL TIMES ZIP
row() {
  local files unzipped
  files=$(unzip -Z1 "$3" | grep -vc '/$')
  unzipped=$(unzip -Zt "$3" | awk '{print $3}')
  printf '| %s | %s s | %s | %s | %s |\n' "$1" "$(median "$work/$2")" "$(stat -c %s "$3")" "$files" "$unzipped"
}

out="$api/.lamb/build"
echo
echo "machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(go version | cut -d' ' -f3), node $(node --version), npm $(npm --version)"
echo "repetitions: $reps (medians)"
echo
echo "| | wall | zip bytes | files | unzipped bytes |"
echo "|---|---:|---:|---:|---:|"
row '`npm ci --omit=dev` + `zip -r`' npmzip "$plainzip"
row 'lamb, node_modules, cold' plain-cold "$out/node-modules.zip"
row 'lamb, node_modules, warm' plain-warm "$out/node-modules.zip"
row 'lamb, esbuild, cold' bundled-cold "$out/bundled.zip"
row 'lamb, esbuild, warm' bundled-warm "$out/bundled.zip"
row 'lamb, esbuild + minify, warm' minified-warm "$out/minified.zip"
