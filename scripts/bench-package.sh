#!/usr/bin/env bash
# Benchmarks `lamb package` against `zip -r` on the Node.js corpus
# (about 200 MB in about 17,000 files): wall time, zip size and peak RSS,
# as medians of several repetitions run side by side.
#
# Usage: scripts/bench-package.sh [CORPUS_DIR]
#   CORPUS_DIR   where to build (or reuse) the corpus; default $TMPDIR/lamb-bench-corpus
#   BENCH_REPS   repetitions (default 5)
#   MAKE_CORPUS  the corpus builder (default scripts/bench/make-node-corpus.sh)
#
# Needs go, zip, npm (first run only) and GNU time at /usr/bin/time for peak
# RSS (without it, RSS is reported as "n/a").
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
corpus=${1:-${TMPDIR:-/tmp}/lamb-bench-corpus}
reps=${BENCH_REPS:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"${MAKE_CORPUS:-$repo/scripts/bench/make-node-corpus.sh}" "$corpus" >&2

cat >"$corpus/lamb.yaml" <<'EOF'
functions:
  bench:
    runtime: nodejs22.x
    handler: index.handler
    package: {dependencies: none}
EOF

(cd "$repo" && go build -o "$work/lamb" .)
export LAMB_CACHE_DIR="$work/cache"

have_time=0
[[ -x /usr/bin/time ]] && /usr/bin/time -f x true >/dev/null 2>&1 && have_time=1

# run NAME CMD... : runs CMD in the corpus, appends "seconds rss_kb" to $work/NAME.
run() {
  local name=$1; shift
  if ((have_time)); then
    (cd "$corpus" && /usr/bin/time -f '%e %M' -o "$work/$name.one" "$@" >/dev/null)
  else
    local start end
    start=$(date +%s.%N)
    (cd "$corpus" && "$@" >/dev/null)
    end=$(date +%s.%N)
    awk -v a="$start" -v b="$end" 'BEGIN {printf "%.2f n/a\n", b - a}' >"$work/$name.one"
  fi
  cat "$work/$name.one" >>"$work/$name"
}

median() { # median of column $2 of file $1
  sort -n -k"$2" "$1" | awk -v c="$2" '{v[NR]=$c} END {if (NR%2) print v[(NR+1)/2]; else printf "%.3f\n", (v[NR/2]+v[NR/2+1])/2}'
}

zipr="$work/zip-r.zip"
lambzip="$corpus/.lamb/build/bench.zip"
for i in $(seq "$reps"); do
  echo "repetition $i/$reps" >&2
  rm -f "$zipr"
  run zipr zip -r -q -X "$zipr" . -x '.lamb/*' -x 'lamb.yaml'
  run cold "$work/lamb" package --no-cache
  run warm "$work/lamb" package
done

zr=$(median "$work/zipr" 1); zc=$(median "$work/cold" 1); zw=$(median "$work/warm" 1)
rr=$(median "$work/zipr" 2); rc=$(median "$work/cold" 2); rw=$(median "$work/warm" 2)
sr=$(stat -c %s "$zipr"); sl=$(stat -c %s "$lambzip")
nr=$(unzip -Z1 "$zipr" | grep -vc '/$'); nl=$(unzip -Z1 "$lambzip" | grep -vc '/$')

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", a / b}'; }
mb() { awk -v k="$1" 'BEGIN {if (k == "n/a") print k; else printf "%.0f MB", k / 1024}'; }

echo
echo "machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(go version | cut -d' ' -f3)"
echo "corpus:  $corpus ($nr files; lamb zip holds $nl files)"
echo "repetitions: $reps (medians)"
printf '%-28s %9s %9s %14s %10s\n' "" "wall s" "× zip -r" "zip bytes" "peak RSS"
printf '%-28s %9s %9s %14s %10s\n' "zip -r -q -X" "$zr" "1.000" "$sr" "$(mb "$rr")"
printf '%-28s %9s %9s %14s %10s\n' "lamb package --no-cache" "$zc" "$(ratio "$zc" "$zr")" "$sl" "$(mb "$rc")"
printf '%-28s %9s %9s %14s %10s\n' "lamb package (warm)" "$zw" "$(ratio "$zw" "$zr")" "$sl" "$(mb "$rw")"
echo "lamb zip size: $(ratio "$sl" "$sr") × zip -r"
