#!/usr/bin/env node
// Benchmark (not a test): do the formats of ours meet the lookup targets,
// measured side by side in the same harness run (uniform addresses)?
//   against upstream's blocks of 64 (issue 16): warm p50 and cold p99 no higher;
//   against flat arrays (issue 8, issue 16's stretch): warm p50 <= 1.5x, cold p99 <= 0.5x.
// One latency run gives one ratio, and cold p99 moves by a third from run to
// run, so this repeats the run and reports each ratio's median and range,
// and the cold p99 pooled over every round's samples (the steadiest figure).
// Saves results/latency/targets-<name>.json (per-round stats, no raw samples).
//
//   node scripts/bench-latency-targets.mjs [--rounds N] [--format LIST] [--revision R | --rules R]
//     [--cold-eviction flush|walk] [--name NAME] [VMLINUX]
// Default VMLINUX: Debian's cloud-amd64 6.1 debug kernel (fetched into the cache).
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin/lineinfo-bench.js');
const args = process.argv.slice(2);
const take = (flag, fallback) => {
  const i = args.indexOf(flag);
  return i >= 0 ? args.splice(i, 2)[1] : fallback;
};
const rounds = Number(take('--rounds', '5'));
const formats = take(
  '--format',
  'flat,blocks:64,page-huffman,mru-huffman:64,special:16:paged,special:8:paged',
);
const revision = take('--revision', undefined);
const rules = take('--rules', undefined);
const name = take('--name', 'debian-cloud-amd64-6.1');
const coldEviction = take('--cold-eviction', undefined);
if (!formats.split(',').includes('flat') || !formats.split(',').includes('blocks:64')) {
  console.error('bench-latency-targets: --format must include flat and blocks:64 (the references)');
  process.exit(2);
}
const BLOCKS = 'blocks:64:sleb';
const WARM_TARGET = 1.5;
const COLD_TARGET = 0.5;

const vmlinux =
  args[0] ??
  JSON.parse(
    execFileSync(
      process.execPath,
      [cli, 'kernels', 'get', 'debian', 'cloud-amd64', '--package-version', '6.1.192-2', '--json'],
      { encoding: 'utf8' },
    ),
  ).vmlinux;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const perRound = [];
/** format -> every round's cold samples. */
const pooledCold = new Map();
const p99 = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(0.99 * s.length) - 1)];
};
const loadBefore = loadavg();
for (let i = 0; i < rounds; i++) {
  process.stderr.write(`round ${i + 1}/${rounds}\n`);
  const out = execFileSync(
    process.execPath,
    [
      cli,
      'latency',
      '--json',
      '--sets',
      'uniform',
      '--format',
      formats,
      '--seed',
      String(i + 1),
      ...(revision ? ['--revision', revision] : []),
      ...(rules ? ['--rules', rules] : []),
      ...(coldEviction ? ['--cold-eviction', coldEviction] : []),
      vmlinux,
    ],
    { encoding: 'utf8', maxBuffer: 1 << 30 },
  );
  const r = JSON.parse(out);
  const run = (format, mode) => r.runs.find((x) => x.format === format && x.mode === mode);
  const stat = (format, mode) => run(format, mode).stats;
  for (const s of r.sizes) {
    const all = pooledCold.get(s.format) ?? [];
    pooledCold.set(s.format, all.concat(run(s.format, 'cold').samples));
  }
  const ev = run('flat', 'cold').eviction;
  const flatWarm = stat('flat', 'warm').p50;
  const flatCold = stat('flat', 'cold').p99;
  const blocksWarm = stat(BLOCKS, 'warm').p50;
  const blocksCold = stat(BLOCKS, 'cold').p99;
  perRound.push({
    seed: i + 1,
    engine: r.engine,
    loadavg: r.machine.loadavg,
    coldEviction: { method: ev.method ?? 'walk', repeats: ev.repeats ?? 1, bytes: ev.bytes },
    formats: r.sizes.map((s) => {
      const w = stat(s.format, 'warm');
      const c = stat(s.format, 'cold');
      return {
        format: s.format,
        bytesPerEntry: s.bytesPerEntry,
        indexDataPerEntry: s.indexDataPerEntry,
        warmP50: w.p50,
        coldP99: c.p99,
        coldN: c.n,
        warmRatio: w.p50 / flatWarm,
        coldRatio: c.p99 / flatCold,
        warmVsBlocks: w.p50 / blocksWarm,
        coldVsBlocks: c.p99 / blocksCold,
      };
    }),
  });
}

const spread = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
const pooledP99 = new Map([...pooledCold].map(([f, xs]) => [f, { p99: p99(xs), n: xs.length }]));
const summary = perRound[0].formats.map(({ format, bytesPerEntry, indexDataPerEntry }) => {
  const mine = perRound.map((r) => r.formats.find((f) => f.format === format));
  const warm = mine.map((f) => f.warmRatio);
  const cold = mine.map((f) => f.coldRatio);
  return {
    format,
    bytesPerEntry,
    indexDataPerEntry,
    warmVsBlocks: spread(mine.map((f) => f.warmVsBlocks)),
    coldVsBlocks: spread(mine.map((f) => f.coldVsBlocks)),
    warmP50Ns: median(mine.map((f) => f.warmP50)),
    coldP99Ns: median(mine.map((f) => f.coldP99)),
    warmRatio: { median: median(warm), min: Math.min(...warm), max: Math.max(...warm) },
    coldRatio: { median: median(cold), min: Math.min(...cold), max: Math.max(...cold) },
    // p99 over every round's cold samples together: 5 rounds of 2,000 put 100 samples above it
    coldPooled: {
      n: pooledP99.get(format).n,
      p99Ns: pooledP99.get(format).p99,
      vsBlocks: pooledP99.get(format).p99 / pooledP99.get(BLOCKS).p99,
      vsFlat: pooledP99.get(format).p99 / pooledP99.get('flat').p99,
    },
    // met when the median meets it; "every round" says whether the whole range does
    warmMet: median(warm) <= WARM_TARGET,
    coldMet: median(cold) <= COLD_TARGET,
    warmMetEveryRound: Math.max(...warm) <= WARM_TARGET,
    coldMetEveryRound: Math.max(...cold) <= COLD_TARGET,
  };
});

const result = {
  schemaVersion: 1,
  vmlinux,
  revision: revision ?? (rules ? undefined : 'newest (the default)'),
  rules,
  command: `node scripts/bench-latency-targets.mjs ${process.argv.slice(2).join(' ')}`,
  targets: {
    warmP50VsFlat: WARM_TARGET,
    coldP99VsFlat: COLD_TARGET,
    warmP50VsBlocks64: 1,
    coldP99VsBlocks64: 1,
    set: 'uniform',
  },
  rounds,
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, loadBefore, loadAfter: loadavg() },
  summary,
  perRound,
  finishedAt: new Date().toISOString(),
};
const file = join(root, 'results', 'latency', `targets-${name}.json`);
mkdirSync(dirname(file), { recursive: true });
writeFileSync(`${file}.tmp`, `${JSON.stringify(result, null, 1)}\n`);
renameSync(`${file}.tmp`, file);

const f2 = (x) => x.toFixed(2);
const ns = (x) => (x >= 1000 ? `${(x / 1000).toFixed(2)} us` : `${x.toFixed(1)} ns`);
console.log(
  `${rounds} rounds, uniform addresses, load ${loadBefore[0].toFixed(2)} -> ${loadavg()[0].toFixed(2)}; ratio = format / flat in the same run, median [min, max]`,
);
console.log(
  `${'format'.padEnd(18)}${'B/e idx+data'.padStart(13)}${'warm p50'.padStart(11)}${'x blocks:64'.padStart(20)}${'x flat'.padStart(20)}${'cold p99'.padStart(11)}${'x blocks:64'.padStart(20)}${'x flat'.padStart(20)}`,
);
const range = (r) => `${f2(r.median)} [${f2(r.min)}, ${f2(r.max)}]`;
for (const s of summary) {
  console.log(
    `${s.format.padEnd(18)}${f2(s.indexDataPerEntry).padStart(13)}${ns(s.warmP50Ns).padStart(11)}${range(s.warmVsBlocks).padStart(20)}${range(s.warmRatio).padStart(20)}${ns(s.coldP99Ns).padStart(11)}${range(s.coldVsBlocks).padStart(20)}${range(s.coldRatio).padStart(20)}`,
  );
}
console.log(
  `cold p99 pooled over the ${rounds} rounds (${perRound[0].coldEviction.method === 'flush' ? 'table flushed' : 'buffer walked'} before each lookup, each sample the median of ${perRound[0].coldEviction.repeats}):`,
);
for (const s of summary)
  console.log(
    `  ${s.format.padEnd(16)}${ns(s.coldPooled.p99Ns).padStart(11)} of ${s.coldPooled.n} samples, ${f2(s.coldPooled.vsBlocks)}x blocks:64, ${f2(s.coldPooled.vsFlat)}x flat`,
  );
console.log(
  `targets: vs blocks:64 warm p50 and cold p99 <= 1.0 (median); stretch: <= 1.8 B/entry, warm <= ${WARM_TARGET}x flat, cold p99 <= ${COLD_TARGET}x flat`,
);
console.log(`saved ${file}`);
