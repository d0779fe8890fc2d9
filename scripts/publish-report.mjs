#!/usr/bin/env node
// Renders a saved run into report/<config name>/ in every format and takes a
// screenshot of its HTML dashboard in headless Chromium (Debian's chromium).
//   node scripts/publish-report.mjs [run|latest] [--results results/runs]
import { execFileSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const r = args.indexOf('--results');
const results = r >= 0 ? args.splice(r, 2)[1] : 'results/runs';
const ref = args[0] ?? 'latest';
const { loadRun } = await import(join(root, 'dist/results/store.js'));
const { checkHtmlPage } = await import(join(root, 'dist/report/screenshot.js'));
const run = loadRun(ref, resolve(root, results));
const out = join(root, 'report', run.config.name);
execFileSync(
  process.execPath,
  [
    join(root, 'bin/lineinfo-bench.js'),
    'report',
    '--results',
    results,
    run.runId,
    '--format',
    'all',
    '--out',
    out,
  ],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
const page = await checkHtmlPage(
  join(out, `${run.config.name}.html`),
  join(out, `${run.config.name}-dashboard.png`),
);
if (page.consoleErrors.length || page.chartsDrawn !== page.canvases) {
  console.error(`dashboard problems: ${JSON.stringify(page)}`);
  process.exit(1);
}
console.log(
  `${out}: ${page.chartsDrawn} charts drawn, no console errors; screenshot ${run.config.name}-dashboard.png`,
);
