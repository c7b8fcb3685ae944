#!/usr/bin/env bash
# Builds the packaging benchmark corpus: a Node.js function with a real,
# pinned production node_modules (about 200 MB in about 17,000 files), from
# the package.json and package-lock.json in node-corpus/ beside this script.
# Usage: scripts/bench/make-node-corpus.sh DEST   (DEST is created; re-running reuses it)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dest=${1:?usage: make-node-corpus.sh DEST}
mkdir -p "$dest"
cp "$here/node-corpus/package.json" "$here/node-corpus/package-lock.json" "$here/node-corpus/index.js" "$dest/"
cd "$dest"
if [[ ! -d node_modules ]]; then
  npm ci --omit=dev --no-audit --no-fund --loglevel=error >/dev/null
fi
printf 'corpus: %s  files: %s  size: %s\n' "$dest" "$(find . -type f | wc -l)" "$(du -sh . | cut -f1)"
