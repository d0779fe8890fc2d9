#!/usr/bin/env bash
# The main job on a fresh Debian/Ubuntu machine with Node 20+: installs what
# it needs, gets Debian's cloud-amd64 debug kernel (cached outside the
# repository), reads its line tables exactly as the upstream generator and
# measures the tables.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh
npm ci --no-audit --no-fund --loglevel=error >/dev/null
npm run --silent build
# Debian's cloud-amd64 6.1 debug kernel (the golden one), its boot image and .config:
# sizes of the upstream formats and growth, under the upstream rules and ours,
# and agreement with addr2line and llvm-symbolizer on 10,000 addresses.
node bin/lineinfo-bench.js measure debian:cloud-amd64@6.1.192-2 \
  --format flat,blocks:64:zigzag,blocks:64:sleb --rules v1-v4,v5,symbolizer --agree 10000 "$@"
