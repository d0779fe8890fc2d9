#!/usr/bin/env bash
# The main job on a fresh Debian/Ubuntu machine with Node 20+: installs what
# it needs, gets Debian's cloud-amd64 debug kernel (cached outside the
# repository) and reads its line tables exactly as the upstream generator.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh
npm ci --no-audit --no-fund --loglevel=error >/dev/null
npm run --silent build
vmlinux=$(bash scripts/fetch-debian-dbg.sh linux-image-6.1.0-56-cloud-amd64-dbg 6.1.192-2)
node bin/lineinfo-bench.js inspect "$vmlinux" "$@"
