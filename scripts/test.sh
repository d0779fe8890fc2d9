#!/usr/bin/env bash
# The whole test suite on a fresh Debian/Ubuntu machine with Node 20+:
# installs what it needs (Debian packages, npm deps), builds, runs vitest,
# and ends with the line "N passed, N failed" taken from vitest's JSON report.
set -uo pipefail
cd "$(dirname "$0")/.."

log=$(mktemp)
if ! bash scripts/setup-debian.sh --cross >"$log" 2>&1; then
  tail -n 30 "$log" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
tail -n 1 "$log"
if ! { npm ci --no-audit --no-fund --loglevel=error && npm run --silent build; } >"$log" 2>&1; then
  tail -n 30 "$log" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
rm -f "$log"

# The golden tests download Debian's 283 MB debug kernel once into the cache.
export LINEINFO_GOLDEN=${LINEINFO_GOLDEN:-1}
report=$(mktemp --suffix=.json)
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@"
status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  // A file that failed to load counts as a failure even with no test in it.
  const brokenFiles = r.testResults.filter((f) => f.status === "failed" && f.assertionResults.length === 0).length;
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests + brokenFiles} failed` + (skipped ? `, ${skipped} skipped` : ""));
' "$report" || { echo "0 passed, 1 failed"; status=1; }
rm -f "$report"
exit $status
