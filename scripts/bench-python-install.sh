#!/usr/bin/env bash
# Times `lamb package` of a Python function with real dependencies (requests
# and its four dependencies, one of them compiled) installed by pip and by
# uv (package.installer), cold and warm, and checks that both write the same
# zip bytes.
#
#   cold  lamb package --no-cache, the installer's own download cache empty
#   warm  lamb package --no-cache, the installer's cache filled by the run before
#   hit   lamb package, lamb's dependency cache holding the install (no installer runs)
#
# Usage: scripts/bench-python-install.sh
#   BENCH_REPS     repetitions (default 5); the table shows medians
#   BENCH_RUNTIME  default python3.12
#   BENCH_ARCH     default x86_64
#
# Needs go, python3 with pip, uv, and GNU time at /usr/bin/time (without it,
# a shell clock measures wall time alone).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
reps=${BENCH_REPS:-5}
runtime=${BENCH_RUNTIME:-python3.12}
arch=${BENCH_ARCH:-x86_64}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
command -v uv >/dev/null || { echo "uv is not on PATH" >&2; exit 1; }

(cd "$repo" && go build -o "$work/lamb" .)

have_time=0
[[ -x /usr/bin/time ]] && /usr/bin/time -f x true >/dev/null 2>&1 && have_time=1

# project INSTALLER: a function folder whose lamb.yaml uses INSTALLER.
project() {
  local dir="$work/fn-$1"
  mkdir -p "$dir"
  printf 'requests==2.32.3\n' >"$dir/requirements.txt"
  printf 'import requests\n\n\ndef handler(event, context):\n    return requests.__version__\n' >"$dir/app.py"
  cat >"$dir/lamb.yaml" <<EOF
functions:
  bench:
    runtime: $runtime
    architecture: $arch
    handler: app.handler
    package: {installer: $1}
EOF
  echo "$dir"
}

# run NAME DIR ARGS...: runs lamb ARGS in DIR, appends its wall seconds to $work/NAME.
run() {
  local name=$1 dir=$2; shift 2
  if ((have_time)); then
    (cd "$dir" && /usr/bin/time -f '%e' -o "$work/one" "$work/lamb" "$@" >/dev/null 2>"$work/err") || { cat "$work/err" >&2; exit 1; }
  else
    local start end
    start=$(date +%s.%N)
    (cd "$dir" && "$work/lamb" "$@" >/dev/null 2>"$work/err") || { cat "$work/err" >&2; exit 1; }
    end=$(date +%s.%N)
    awk -v a="$start" -v b="$end" 'BEGIN {printf "%.2f\n", b - a}' >"$work/one"
  fi
  cat "$work/one" >>"$work/$name"
}

median() { sort -n "$1" | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else printf "%.3f\n", (v[NR/2]+v[NR/2+1])/2}'; }

for installer in pip uv; do
  dir=$(project "$installer")
  for i in $(seq "$reps"); do
    echo "$installer: repetition $i/$reps" >&2
    # Each tool's download cache, and lamb's, in a fresh folder of the run.
    export PIP_CACHE_DIR="$work/cache-$installer-$i/pip" UV_CACHE_DIR="$work/cache-$installer-$i/uv"
    export LAMB_CACHE_DIR="$work/cache-$installer-$i/lamb"
    run "$installer-cold" "$dir" package --no-cache
    run "$installer-warm" "$dir" package --no-cache
    run "$installer-hit" "$dir" package
    rm -rf "$work/cache-$installer-$i"
  done
  sha256sum "$dir/.lamb/build/bench.zip" | cut -d' ' -f1 >"$work/$installer.sha"
done

echo
echo "machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
echo "tools:   $(python3 -m pip --version | cut -d' ' -f1-2), $(uv --version | cut -d' ' -f1-2)"
echo "project: requests==2.32.3 for $runtime $arch; repetitions: $reps (medians, wall seconds)"
printf '%-6s %8s %8s %8s\n' "" cold warm hit
for installer in pip uv; do
  printf '%-6s %8s %8s %8s\n' "$installer" "$(median "$work/$installer-cold")" "$(median "$work/$installer-warm")" "$(median "$work/$installer-hit")"
done
if [[ $(cat "$work/pip.sha") == $(cat "$work/uv.sha") ]]; then
  echo "zip sha256, pip and uv: $(cat "$work/pip.sha") (identical)"
else
  echo "zip sha256 differs: pip $(cat "$work/pip.sha"), uv $(cat "$work/uv.sha")"
  exit 1
fi
