#!/usr/bin/env node
// Wall time and machine-hours of a run config spread over N workers, from
// what was measured on this machine class (2 cores, make -j2):
//   build:   results/builds/<arch>-<recipe>-<compiler>[+Np].json (seconds + boot image seconds)
//   measure: the checked-in run of the same config (measure.timeMs + modules.timeMs per kernel)
// A build recorded as resumed (only its last part timed) counts as the larger of
// its recorded part and the median clean build of the same recipe and compiler
// on other arches; so does a build with no record. Setup per job (packages,
// npm ci, the tool's build, the source extraction) and a Debian download are
// not measured here: they are parameters (--setup, --download, in seconds).
//
//   node scripts/estimate-scaling.mjs [config] [--run results/runs/<id>] [--setup 300] [--download 180] [--workers 1,8,32]
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const configFile =
  args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--')) ??
  'configs/multiarch.json';
const config = JSON.parse(readFileSync(configFile, 'utf8'));
const runDir =
  opt('run') ??
  join(
    'results/runs',
    readdirSync('results/runs')
      .filter((d) => d.endsWith(`-${config.name}`))
      .sort()
      .at(-1),
  );
const run = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8'));
const setup = Number(opt('setup', '300'));
const download = Number(opt('download', '180'));
const workers = opt('workers', '1,8,32').split(',').map(Number);

const records = new Map();
for (const f of readdirSync('results/builds').filter(
  (f) => f.endsWith('.json') && !f.endsWith('.failed.json'),
))
  records.set(f.slice(0, -5), JSON.parse(readFileSync(join('results/builds', f), 'utf8')));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const buildSeconds = (r) => r.seconds + (r.bootImage?.seconds ?? 0);

const jobs = config.kernels.map((k) => {
  const measured = run.kernels.find((x) => x.id === k.id);
  const measure = measured
    ? (measured.measure.timeMs + (measured.modules?.timeMs ?? 0)) / 1000
    : Number.NaN;
  if (!k.build) return { id: k.id, build: 0, fetch: download, measure, how: 'download (assumed)' };
  const b = k.build;
  const compiler = b.compiler ?? 'gcc';
  const label = `${b.arch}-${b.recipe}-${compiler}${b.patches?.length ? `+${b.patches.length}p` : ''}`;
  const r = records.get(label);
  const peers = [...records.values()].filter(
    (x) => x.recipe === b.recipe && x.compiler === compiler && !x.resumed && x.arch !== b.arch,
  );
  const fallback = peers.length ? median(peers.map(buildSeconds)) : Number.NaN;
  if (r && !r.resumed)
    return { id: k.id, build: buildSeconds(r), fetch: 0, measure, how: 'measured' };
  const build = Math.max(r ? buildSeconds(r) : 0, fallback);
  return {
    id: k.id,
    build,
    fetch: 0,
    measure,
    how: r
      ? `resumed (${Math.round(buildSeconds(r))} s timed), counted as ${Math.round(build)}`
      : 'no record',
  };
});

/** Longest job first onto the worker free soonest: the makespan. */
function makespan(durations, n) {
  const free = new Array(n).fill(0);
  for (const d of [...durations].sort((a, b) => b - a)) {
    const i = free.indexOf(Math.min(...free));
    free[i] += d;
  }
  return Math.max(...free);
}

const work = jobs.map((j) => j.build + j.fetch + j.measure);
const fmt = (s) => `${(s / 3600).toFixed(2)} h`;
console.log(`| kernel | build + boot image (s) | download (s) | measure (s) | how |`);
console.log('|---|---:|---:|---:|---|');
for (const j of jobs)
  console.log(
    `| ${j.id} | ${Math.round(j.build)} | ${j.fetch} | ${j.measure.toFixed(1)} | ${j.how} |`,
  );
const sum = work.reduce((a, b) => a + b, 0);
console.log(
  `\nwork: ${Math.round(sum)} s (${fmt(sum)}) in ${jobs.length} jobs; longest job ${Math.round(Math.max(...work))} s`,
);
console.log(`setup per job ${setup} s, Debian download ${download} s (assumed, not measured)\n`);
console.log('| workers | wall time | machine-hours |');
console.log('|---:|---:|---:|');
for (const n of workers) {
  // one worker is one machine running the whole config: set up once
  const perJob = n === 1 ? work : work.map((w) => w + setup);
  const wall = n === 1 ? sum + setup : makespan(perJob, n);
  const busy = n === 1 ? wall : perJob.reduce((a, b) => a + b, 0);
  console.log(`| ${n} | ${fmt(wall)} | ${(busy / 3600).toFixed(2)} |`);
}
if (!existsSync(runDir)) process.exitCode = 1;
