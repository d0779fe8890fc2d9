#!/usr/bin/env bash
# `generator check` on every .ko under a directory, one CLI run per module,
# two at a time (JOBS). Writes one TSV line per module and a summary line:
#
#   scripts/generator-check-modules.sh <generator tree> <dir with .ko files> <out.tsv>
#
# Columns: module, exit code, outcome, entries (generator), entries (ours),
# covered sections, line-info bytes (generator), padding, anchors (generator).
# The CLI is `node dist/cli.js` of this repository unless LINEINFO_CLI names
# another entry (a script that calls run(process), as a build elsewhere).
set -euo pipefail
gen=${1:?generator tree or gen_lineinfo.c}
dir=${2:?directory with .ko files}
out=${3:?output .tsv}
here=$(cd "$(dirname "$0")/.." && pwd)
cli=${LINEINFO_CLI:-$here/dist/cli.js}
jobs=${JOBS:-2}
command -v jq >/dev/null || { echo "jq is not on PATH" >&2; exit 2; }

one() {
  local ko=$1 json code fields
  json=$(node "$cli" generator check "$gen" "$ko" --json 2>/dev/null) && code=0 || code=$?
  fields=$'error\t\t\t\t\t\t'
  if [ -n "$json" ]; then
    fields=$(jq -r '[.outcome,
            .comparison.entries.generator, .comparison.entries.ours,
            ([.moduleBlobs[]?.sections[]] | length),
            .comparison.bytes.generator, .comparison.bytes.sectionTail,
            ([.moduleBlobs[]?.anchors.generator[]] | length)] | @tsv' <<<"$json")
  fi
  # one write per module: parallel jobs never interleave within a line
  printf '%s\t%s\t%s\n' "$ko" "$code" "$fields"
}
export -f one
export gen cli

: >"$out"
find "$dir" -name '*.ko' | sort | xargs -P "$jobs" -I{} bash -c 'one "$1"' _ {} >>"$out"
sort -o "$out" "$out"
awk -F'\t' '{ n++; o[$3]++; e += $4 } END {
  printf "%d modules:", n; for (k in o) printf " %s %d", k, o[k]; printf "; %d entries (generator)\n", e }' "$out"
