#!/usr/bin/env node
// Renders a saved run into report/<config name>/ in every format, checks its
// HTML dashboard in headless Chromium (Debian's chromium) at 1400 and 390
// pixels wide and saves a screenshot of each: <name>-dashboard.png (1400)
// and <name>-dashboard-390.png.
// With --readme, the README's tables between <!-- numbers:<config> begin -->
// and <!-- numbers:<config> end --> are made again from the same run.
//   node scripts/publish-report.mjs [run|latest] [--results results/runs] [--readme]
import { execFileSync } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const r = args.indexOf('--results');
const results = r >= 0 ? args.splice(r, 2)[1] : 'results/runs';
const readme = args.indexOf('--readme');
if (readme >= 0) args.splice(readme, 1);
const ref = args[0] ?? 'latest';
const { loadRun } = await import(join(root, 'dist/results/store.js'));
const { checkHtmlPage, pageProblems, WIDTHS } = await import('./lib/check-html-page.mjs');
const run = loadRun(ref, resolve(root, results));
// report/<config>/ and the README speak for the whole matrix: a subset (run --only) would replace them
if (run.only) {
  console.error(
    `run ${run.runId} measured only ${run.only.join(', ')} of ${run.config.name}; not published (merge the jobs first: lineinfo-bench merge)`,
  );
  process.exit(2);
}
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
const shot = (width) =>
  join(out, `${run.config.name}-dashboard${width === WIDTHS[0] ? '' : `-${width}`}.png`);
const page = await checkHtmlPage(join(out, `${run.config.name}.html`), shot, WIDTHS);
const problems = pageProblems(page);
if (problems.length) {
  console.error(`dashboard problems:\n${problems.join('\n')}`);
  process.exit(1);
}
console.log(
  `${out}: ${page.chartsDrawn} charts drawn, no console errors, no sideways scroll at ${WIDTHS.join(' and ')} px; ` +
    `screenshots ${WIDTHS.map((w) => shot(w).slice(out.length + 1)).join(', ')}`,
);

if (readme >= 0) {
  const { growthByArch, modulesTable } = await import(join(root, 'dist/report/markdown.js'));
  const { moduleLayoutNote, moduleRows, toolName } = await import(
    join(root, 'dist/report/model.js')
  );
  const name = run.config.name;
  const begin = `<!-- numbers:${name} begin -->`;
  const end = `<!-- numbers:${name} end -->`;
  const path = join(root, 'README.md');
  const text = readFileSync(path, 'utf8');
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a < 0 || b < a) {
    console.error(`README.md has no ${begin} ... ${end} section`);
    process.exit(2);
  }
  const failed = run.failures.map((f) => `${f.id} (${f.error.split('\n')[0]})`);
  const parts = [
    begin,
    `Run \`${run.runId}\` (${run.kernels.length} kernels${failed.length ? `; failed: ${failed.join('; ')}` : ''}), ${run.config.rules[0]} rules, ${toolName(run)}.`,
    '',
    growthByArch(run),
  ];
  if (moduleRows(run).length) {
    parts.push(
      '',
      "Modules carry their own line-info sections (`.mod_lineinfo`, and under v5 on `.init.mod_lineinfo`); their sum, against vmlinux's table and the modules' own sizes:",
      '',
      modulesTable(run),
      '',
      moduleLayoutNote(moduleRows(run)),
    );
  }
  parts.push(end);
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text.slice(0, a) + parts.join('\n') + text.slice(b + end.length));
  renameSync(tmp, path);
  console.log(`README.md: ${name} tables from run ${run.runId}`);
}
