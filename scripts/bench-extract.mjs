#!/usr/bin/env node
// Benchmark (not a test): wall time and peak memory of `lineinfo-bench inspect`
// on a real vmlinux, side by side in one run with llvm-dwarfdump and readelf
// reading the same line tables; printed as ratios and saved under
// results/bench/. Rounds are interleaved so machine noise hits every tool alike.
//
//   node scripts/bench-extract.mjs [--rounds N] [VMLINUX]
// Default VMLINUX: Debian's cloud-amd64 6.1 debug kernel (fetched into the cache).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
let rounds = 5;
const r = args.indexOf('--rounds');
if (r >= 0) {
  rounds = Number(args[r + 1]);
  args.splice(r, 2);
}
// Default: Debian's cloud-amd64 6.1 debug kernel, through the kernels part (cached).
const vmlinux =
  args[0] ??
  JSON.parse(
    execFileSync(
      process.execPath,
      [
        join(root, 'bin/lineinfo-bench.js'),
        'kernels',
        'get',
        'debian',
        'cloud-amd64',
        '--package-version',
        '6.1.192-2',
        '--json',
      ],
      { encoding: 'utf8' },
    ),
  ).vmlinux;

const tools = [
  {
    name: 'lineinfo-bench inspect',
    cmd: [process.execPath, join(root, 'bin/lineinfo-bench.js'), 'inspect', vmlinux],
  },
  { name: 'llvm-dwarfdump --debug-line', cmd: ['llvm-dwarfdump', '--debug-line', vmlinux] },
  {
    name: 'readelf --debug-dump=decodedline',
    cmd: ['readelf', '--debug-dump=decodedline', vmlinux],
  },
];

/** One run: wall seconds (our clock) and peak RSS in bytes (GNU time's %M), output to /dev/null. */
function once(cmd) {
  const t0 = process.hrtime.bigint();
  const p = spawnSync('/usr/bin/time', ['-f', '%M', ...cmd], {
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (p.status !== 0) throw new Error(`${cmd.join(' ')} failed: ${p.stderr.slice(-500)}`);
  const kb = Number(p.stderr.trim().split('\n').pop());
  return { wall, rss: kb * 1024 };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const loadAverage = loadavg()[0];
once(tools[0].cmd); // warm the page cache: every tool then reads the same file from memory
const samples = tools.map(() => []);
for (let i = 0; i < rounds; i++) {
  tools.forEach((t, k) => {
    samples[k].push(once(t.cmd));
    if (process.stderr.isTTY) process.stderr.write(`\r\x1b[Kround ${i + 1}/${rounds}: ${t.name}`);
  });
}
if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');

const results = tools.map((t, k) => ({
  tool: t.name,
  command: t.cmd
    .map((c) =>
      c === vmlinux ? 'VMLINUX' : c === process.execPath ? 'node' : c.replace(root + '/', ''),
    )
    .join(' '),
  wallSeconds: samples[k].map((s) => s.wall),
  peakRssBytes: samples[k].map((s) => s.rss),
  wallMedian: median(samples[k].map((s) => s.wall)),
  wallMin: Math.min(...samples[k].map((s) => s.wall)),
  peakRssMedian: median(samples[k].map((s) => s.rss)),
}));
const ours = results[0];
const lines = [
  `extraction benchmark on ${vmlinux}`,
  `${rounds} interleaved rounds after one warm-up; ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}); load average at start ${loadAverage.toFixed(2)}`,
  '',
  `${'tool'.padEnd(34)}${'wall p50'.padStart(10)}${'min'.padStart(8)}${'peak RSS'.padStart(11)}${'time x'.padStart(9)}${'mem x'.padStart(8)}`,
];
for (const x of results) {
  lines.push(
    `${x.tool.padEnd(34)}${(x.wallMedian.toFixed(2) + ' s').padStart(10)}${x.wallMin.toFixed(2).padStart(8)}` +
      `${((x.peakRssMedian / 2 ** 20).toFixed(0) + ' MiB').padStart(11)}` +
      `${(x.wallMedian / ours.wallMedian).toFixed(2).padStart(9)}${(x.peakRssMedian / ours.peakRssMedian).toFixed(2).padStart(8)}`,
  );
}
lines.push(
  '',
  "(x: the tool's figure divided by lineinfo-bench's; above 1 means lineinfo-bench is faster or smaller)",
);
const text = lines.join('\n');
console.log(text);

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const out = join(root, 'results/bench', `extract-${stamp}.json`);
mkdirSync(dirname(out), { recursive: true });
const doc = {
  schemaVersion: 1,
  loadAverageAtStart: loadAverage,
  benchmark: 'extract',
  date: new Date().toISOString(),
  vmlinux,
  rounds,
  cpu: cpus()[0]?.model,
  cpus: cpus().length,
  node: process.version,
  results,
};
writeFileSync(`${out}.tmp`, `${JSON.stringify(doc, null, 2)}\n`);
renameSync(`${out}.tmp`, out);
console.log(`\nsaved ${out.replace(root + '/', '')}`);
