#!/usr/bin/env bash
# Benchmarks `lamb deploy` against moto through internal/faultproxy, which
# adds a fixed latency to every AWS call as a stand-in for the distance to
# AWS (moto itself answers in a millisecond or two):
#
#   1. an update of 20 functions (new code for each) with --concurrency 1
#      and with the default concurrency (4), and the ratio;
#   2. a no-op redeploy of the same 20 functions: AWS calls made and time;
#   3. a 60 MB zip through the S3 route: lamb's upload step against boto3's
#      upload_file (timed inside Python) and `aws s3 cp` (process wall time,
#      when the AWS CLI is installed) of the same zip to the same moto
#      through the same proxy.
#
# Usage: scripts/bench-deploy.sh
#   BENCH_REPS     repetitions of each measurement (default 3); medians are shown
#   BENCH_LATENCY  latency added to every call (default 50ms)
#   MOTO_SERVER    the moto_server to run (default: LAMB_MOTO_SERVER, the
#                  module's .venv, then PATH, as the tests choose)
#
# Needs bash 5, go, python3 with boto3 (for the role, the bucket and
# clean-up), curl and moto_server; the AWS CLI for the comparison.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
reps=${BENCH_REPS:-3}
latency=${BENCH_LATENCY:-50ms}
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

moto=${MOTO_SERVER:-${LAMB_MOTO_SERVER:-}}
if [[ -z $moto ]]; then
  if [[ -x $repo/.venv/bin/moto_server ]]; then moto=$repo/.venv/bin/moto_server; else moto=moto_server; fi
fi

echo "building lamb and faultproxy" >&2
(cd "$repo" && go build -o "$work/lamb" . && go build -o "$work/faultproxy" ./internal/faultproxy/cmd/faultproxy)

# moto on a free port, Lambda in simple mode (no Docker).
"$moto" -H 127.0.0.1 -p 0 >"$work/moto.log" 2>&1 &
pids+=($!)
endpoint=
for _ in $(seq 100); do
  endpoint=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/moto.log" | head -1 || true)
  [[ -n $endpoint ]] && curl -fsS -X POST "$endpoint/moto-api/config" -d '{"lambda":{"use_docker":false}}' >/dev/null 2>&1 && break
  sleep 0.2
done
[[ -n $endpoint ]] || { echo "moto_server did not start; see $work/moto.log" >&2; exit 1; }

# The proxy prints its URL first; SIGUSR1 makes it report and reset its counts.
"$work/faultproxy" -target "$endpoint" -latency "$latency" >"$work/proxy.url" 2>"$work/proxy.log" &
proxy_pid=$!
pids+=("$proxy_pid")
for _ in $(seq 50); do [[ -s $work/proxy.url ]] && break; sleep 0.1; done
proxy=$(head -1 "$work/proxy.url")

export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_PROFILE AWS_ENDPOINT_URL AWS_CA_BUNDLE
export LAMB_CACHE_DIR=$work/cache NO_COLOR=1
bucket=lamb-bench
role=arn:aws:iam::123456789012:role/lamb-bench

# setup runs boto3 code against moto directly (not timed).
setup() { python3 -c "import boto3; c = lambda s: boto3.client(s, endpoint_url='$endpoint'); $1"; }
setup "c('iam').create_role(RoleName='lamb-bench', AssumeRolePolicyDocument='{\"Version\":\"2012-10-17\",\"Statement\":[]}'); c('s3').create_bucket(Bucket='$bucket')"

# proxy_report prints the proxy's counts since its last report.
proxy_report() {
  local before
  before=$(wc -l <"$work/proxy.log")
  kill -USR1 "$proxy_pid"
  while (($(wc -l <"$work/proxy.log") == before)); do sleep 0.05; done
  tail -1 "$work/proxy.log"
}

# timed FILE CMD... : runs CMD, appends its wall seconds to FILE; CMD's
# stdout goes to $work/out, its stderr to $work/err.
timed() {
  local file=$1 start end
  shift
  start=$(date +%s.%N)
  "$@" >"$work/out" 2>"$work/err" || { echo "failed: $*" >&2; cat "$work/err" >&2; exit 1; }
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN {printf "%.3f\n", b - a}' >>"$file"
}

# moto_version asks the Python next to moto_server (a venv's) for moto's version.
moto_version() {
  local py
  py=$(dirname "$(command -v "$moto")")/python
  [[ -x $py ]] || py=python3
  "$py" -c 'import moto; print(moto.__version__)' 2>/dev/null || echo "(version unknown)"
}
median() { sort -n "$1" | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else printf "%.3f\n", (v[NR/2]+v[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

# --- 20 small functions --------------------------------------------------
proj=$work/twenty
mkdir -p "$proj"
{
  # keepVersions above the number of deploys: every run then reads the
  # versions to prune and deletes none, so that the runs do the same work
  # (and moto, which numbers a new version after the count of versions,
  # never reuses a number).
  printf 'project: bench\ndefaults:\n  runtime: nodejs22.x\n  handler: index.handler\n  role: %s\n  package: {dependencies: none}\n  deploy: {keepVersions: 100}\nfunctions:\n' "$role"
  for i in $(seq -w 1 20); do printf '  fn%s: {source: fn%s}\n' "$i" "$i"; done
} >"$proj/lamb.yaml"
build=0
new_code() { # gives every function new code
  build=$((build + 1))
  for i in $(seq -w 1 20); do
    mkdir -p "$proj/fn$i"
    printf 'exports.handler = async () => ({fn: "%s", build: %d});\n' "$i" "$build" >"$proj/fn$i/index.js"
  done
}
deploy() { (cd "$1" && "$work/lamb" deploy --endpoint-url "$proxy" "${@:2}"); }

echo "creating 20 functions" >&2
new_code
timed "$work/create" deploy "$proj"
for r in $(seq "$reps"); do
  echo "repetition $r/$reps: 20 updates, concurrency 1 and 4; no-op redeploy" >&2
  new_code
  proxy_report >/dev/null
  timed "$work/seq" deploy "$proj" --concurrency 1
  proxy_report >"$work/seq.calls"
  new_code
  timed "$work/par" deploy "$proj"
  proxy_report >"$work/par.calls"
  timed "$work/noop" deploy "$proj"
  proxy_report >"$work/noop.calls"
  grep -c 'up to date' "$work/out" >"$work/noop.uptodate"
done

# --- a 60 MB zip through S3 ----------------------------------------------
big=$work/big
mkdir -p "$big/fn"
head -c $((60 * 1000 * 1000)) /dev/urandom >"$big/fn/blob.bin"
printf 'project: bench\nfunctions:\n  big:\n    source: fn\n    runtime: nodejs22.x\n    handler: index.handler\n    role: %s\n    package: {dependencies: none}\n    deploy: {s3: {bucket: %s}}\n' "$role" "$bucket" >"$big/lamb.yaml"
echo 'exports.handler = async () => 0;' >"$big/fn/index.js"
deploy "$big" >/dev/null 2>&1 # creates the function; later runs update it
zip=$big/.lamb/build/big.zip
# boto3's upload_file (s3transfer: 8 MB parts, 10 at a time, as aws s3 cp),
# timed inside Python so that its start is left out, as lamb's is.
boto3_upload() {
  python3 - "$proxy" "$zip" "$bucket" <<'PY'
import sys, time, boto3
s3 = boto3.client("s3", endpoint_url=sys.argv[1])
start = time.perf_counter()
s3.upload_file(sys.argv[2], sys.argv[3], "boto3/big.zip")
print(f"{time.perf_counter() - start:.3f}")
PY
}
have_cli=0
command -v aws >/dev/null && have_cli=1
for r in $(seq "$reps"); do
  echo "repetition $r/$reps: 60 MB upload" >&2
  # New code gives the zip a new key, so lamb uploads it again; old
  # objects go, to keep moto's memory low.
  setup "s3 = c('s3'); [s3.delete_object(Bucket='$bucket', Key=o['Key']) for o in s3.list_objects_v2(Bucket='$bucket').get('Contents', [])]"
  echo "exports.handler = async () => $r;" >"$big/fn/index.js"
  # lamb's plain progress lines ("big: upload: started…", "big: upload:
  # done in 0.7s") stamped as they arrive time the upload step alone.
  deploy "$big" 2>&1 >/dev/null | while IFS= read -r line; do echo "$EPOCHREALTIME $line"; done >"$work/stamped"
  awk '/ big: upload: started/ {s = $1} / big: upload: done/ {printf "%.3f\n", $1 - s}' "$work/stamped" >>"$work/lambupload"
  boto3_upload >>"$work/boto3"
  if ((have_cli)); then
    timed "$work/cp" aws --endpoint-url "$proxy" s3 cp --only-show-errors "$zip" "s3://$bucket/cp/big.zip"
    timed "$work/cpstart" aws --endpoint-url "$proxy" s3api head-bucket --bucket "$bucket"
  fi
done
zipbytes=$(wc -c <"$zip")

seq_s=$(median "$work/seq"); par_s=$(median "$work/par"); noop_s=$(median "$work/noop")
up_s=$(median "$work/lambupload"); boto_s=$(median "$work/boto3")
calls() { sed -E 's/^calls=([0-9]+) writes=([0-9]+).*/\1 calls, \2 writes/' "$1"; }

echo
echo "machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || uname -m), load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null), $(go version | cut -d' ' -f3), moto $(moto_version)"
echo "latency added per call: $latency; repetitions: $reps (medians)"
row() { printf '%-46s %8s  %s\n' "$@"; }
row "" "wall s" ""
row "deploy 20 updated functions, --concurrency 1" "$seq_s" "$(calls "$work/seq.calls")"
row "deploy 20 updated functions, default (4)" "$par_s" "$(calls "$work/par.calls"); $(ratio "$par_s" "$seq_s") × concurrency 1"
row "no-op redeploy of the 20" "$noop_s" "$(calls "$work/noop.calls"); $(cat "$work/noop.uptodate") of 20 up to date"
row "lamb deploy: upload step, $zipbytes-byte zip" "$up_s" "progress lines stamped on arrival"
row "boto3 upload_file of the same zip" "$boto_s" "timed in Python; lamb: $(ratio "$up_s" "$boto_s") × this"
if ((have_cli)); then
  cp_s=$(median "$work/cp"); cpstart_s=$(median "$work/cpstart")
  row "$(aws --version 2>&1 | cut -d' ' -f1) s3 cp of the same zip" "$cp_s" "process wall time"
  row "  its start: s3api head-bucket" "$cpstart_s" "s3 cp − start: $(awk -v a="$cp_s" -v b="$cpstart_s" 'BEGIN {printf "%.3f", a - b}') s"
fi
