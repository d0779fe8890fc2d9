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
# configs/default.json: Debian's cloud-amd64 6.1 debug kernel (the golden one)
# and an arm64 tinyconfig built from linux-source-6.12 (cross gcc installed on
# the way); upstream formats and ours, under the newest revision's rules (the
# main ones, as the tool defaults to them), v1-v4's and ours, with agreement
# against addr2line and llvm-symbolizer and lookup latency. Results
# go to results/runs/<run-id>/; `lineinfo-bench report latest --format all`
# renders them again in every format.
node bin/lineinfo-bench.js run configs/default.json "$@"
