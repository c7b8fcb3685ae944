#!/usr/bin/env bash
# Benchmarks the whole packaging job, dependency install included, on a
# Node.js and a Python function with real dependencies (scripts/bench/build-node,
# scripts/bench/build-python), side by side in every repetition:
#
#   plain     npm ci --omit=dev && zip -r   |  pip install --target && zip -r
#   sam       sam build (AWS SAM CLI; its zip is made later by sam deploy and
#             is not counted) cold (.aws-sam removed) and warm (--cached)
#   lamb      lamb package --no-cache (cold: dependencies reinstalled, every
#             file compressed) and lamb package (warm: nothing changed)
#
# Prints medians and ratios to plain; see docs/benchmarks.md.
#
# Usage: scripts/bench-build.sh            BENCH_REPS (default 5) repetitions
# Needs go, node, npm, python3 with pip, zip; sam is optional (pip install
# aws-sam-cli) and its rows are left out without it.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
reps=${BENCH_REPS:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$repo" && go build -o "$work/lamb" .)
export LAMB_CACHE_DIR="$work/cache"
have_sam=0
command -v sam >/dev/null 2>&1 && have_sam=1
export SAM_CLI_TELEMETRY=0

pyver=$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')

# setup DIR KIND: copies the project and writes lamb.yaml and template.yaml.
setup() {
  local dir=$1 kind=$2 runtime handler
  mkdir -p "$dir"
  cp -R "$repo/scripts/bench/build-$kind/." "$dir/"
  if [[ $kind == node ]]; then runtime=nodejs20.x handler=index.handler; else runtime=python$pyver handler=app.handler; fi
  printf 'functions:\n  bench:\n    runtime: %s\n    handler: %s\n' "$runtime" "$handler" >"$dir/lamb.yaml"
  cat >"$dir/template.yaml" <<EOF
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Bench:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: ., Handler: $handler, Runtime: $runtime}
EOF
}

# clock NAME CMD...: runs CMD, appends its wall seconds to $work/NAME.
clock() {
  local name=$1 start end
  shift
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN {printf "%.3f\n", b - a}' >>"$work/$name"
}

median() { sort -n "$1" | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else printf "%.3f\n", (v[NR/2]+v[NR/2+1])/2}'; }

plain() { # plain KIND DIR
  local dir=$2
  rm -rf "$dir/node_modules" "$dir/site" "$work/plain.zip"
  if [[ $1 == node ]]; then
    (cd "$dir" && npm ci --omit=dev --no-audit --no-fund --loglevel=error && zip -r -q -X "$work/plain.zip" index.js package.json node_modules)
  else
    (cd "$dir" && python3 -m pip install -q --disable-pip-version-check -r requirements.txt --target site \
      --platform manylinux2014_x86_64 --only-binary=:all: --implementation cp --python-version "$pyver" &&
      cp app.py site/ && cd site && zip -r -q -X "$work/plain.zip" .)
  fi
}

for kind in node python; do
  dir="$work/$kind"
  setup "$dir" "$kind"
  # sam builds from a copy of its own: its --cached key is a hash of the
  # source folder, which the other rows write into (node_modules, .lamb).
  samdir="$work/$kind-sam"
  setup "$samdir" "$kind"
  (cd "$dir" && "$work/lamb" package >/dev/null 2>&1) # fills npm's and pip's own caches for every row
  for i in $(seq "$reps"); do
    echo "$kind: repetition $i/$reps" >&2
    clock "$kind.plain" plain "$kind" "$dir"
    rm -rf "$dir/node_modules" "$dir/site"
    clock "$kind.lamb-cold" sh -c "cd '$dir' && '$work/lamb' package --no-cache"
    clock "$kind.lamb-warm" sh -c "cd '$dir' && '$work/lamb' package"
    if ((have_sam)); then
      rm -rf "$samdir/.aws-sam"
      clock "$kind.sam-cold" sh -c "cd '$samdir' && sam build"
      clock "$kind.sam-warm" sh -c "cd '$samdir' && sam build --cached"
    fi
  done
done

printf '\n| project | command | wall (median) | × plain |\n|---|---|---:|---:|\n'
for kind in node python; do
  base=$(median "$work/$kind.plain")
  for row in plain sam-cold sam-warm lamb-cold lamb-warm; do
    [[ -f $work/$kind.$row ]] || continue
    m=$(median "$work/$kind.$row")
    printf '| %s | %s | %.2f s | %.3f |\n' "$kind" "$row" "$m" "$(awk -v a="$m" -v b="$base" 'BEGIN {print a / b}')"
  done
done
