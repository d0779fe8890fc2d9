#!/usr/bin/env node
// Benchmark (not a test): wall time and peak memory of `lineinfo-bench inspect`
// on a real vmlinux, side by side in one run with the upstream generator
// (gen_lineinfo built from ../shared/upstream/v4 by the tool's own builder, its
// assembly sent to /dev/null), llvm-dwarfdump and readelf reading the same
// line tables; printed as ratios and saved under results/bench/ (JSON and a
// short markdown). Rounds are interleaved so machine noise hits every tool alike.
//
//   node scripts/bench-extract.mjs [--rounds N] [--generator DIR] [VMLINUX]
// Default VMLINUX: Debian's cloud-amd64 6.1 debug kernel (fetched into the cache).
// Needs `npm run build` first (the generator builder is read from dist/).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
/** Takes `--name VALUE` out of args. */
function option(name, fallback) {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const value = args[i + 1];
  args.splice(i, 2);
  return value;
}
const rounds = Number(option('--rounds', 5));
const generatorTree = option('--generator', join(root, '../shared/upstream/v4'));
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

// The reference: the generator as `generator check` builds it (cached under generators/).
const { buildGenerator } = await import(join(root, 'dist/measure/generator.js'));
const generator = buildGenerator(generatorTree);

const tools = [
  {
    name: 'lineinfo-bench inspect',
    cmd: [process.execPath, join(root, 'bin/lineinfo-bench.js'), 'inspect', vmlinux],
  },
  { name: 'gen_lineinfo (upstream v4)', cmd: [generator.binary, vmlinux] },
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

const loadBefore = loadavg();
once(tools[0].cmd); // warm the page cache: every tool then reads the same file from memory
const samples = tools.map(() => []);
for (let i = 0; i < rounds; i++) {
  tools.forEach((t, k) => {
    samples[k].push(once(t.cmd));
    if (process.stderr.isTTY) process.stderr.write(`\r\x1b[Kround ${i + 1}/${rounds}: ${t.name}`);
  });
}
if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
const loadAfter = loadavg();

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
  wallMax: Math.max(...samples[k].map((s) => s.wall)),
  peakRssMedian: median(samples[k].map((s) => s.rss)),
  peakRssMin: Math.min(...samples[k].map((s) => s.rss)),
  peakRssMax: Math.max(...samples[k].map((s) => s.rss)),
}));
const ours = results[0];

// Ours against the generator, round by round (both ran back to back in each round).
const ratios = (field) => samples[0].map((s, i) => s[field] / samples[1][i][field]);
const spread = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
const versusGenerator = {
  generator: { source: generator.source, sha256: generator.sha256, binary: generator.binary },
  wallRatio: spread(ratios('wall')),
  peakRssRatio: spread(ratios('rss')),
  targets: { wallRatio: 0.5, peakRssRatio: 0.6 },
};
const meets =
  versusGenerator.wallRatio.median <= versusGenerator.targets.wallRatio &&
  versusGenerator.peakRssRatio.median <= versusGenerator.targets.peakRssRatio;
const fmtRatio = (x) => `${x.median.toFixed(2)} (${x.min.toFixed(2)}..${x.max.toFixed(2)})`;
const fmtLoad = (l) => l.map((x) => x.toFixed(2)).join(' ');
const lines = [
  `extraction benchmark on ${vmlinux}`,
  `${rounds} interleaved rounds after one warm-up; ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'})`,
  `load average (1, 5, 15 min): ${fmtLoad(loadBefore)} before, ${fmtLoad(loadAfter)} after`,
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
  '',
  `lineinfo-bench / gen_lineinfo, per round, median (min..max): wall ${fmtRatio(versusGenerator.wallRatio)}, peak RSS ${fmtRatio(versusGenerator.peakRssRatio)}`,
  `target: wall <= ${versusGenerator.targets.wallRatio}, peak RSS <= ${versusGenerator.targets.peakRssRatio}: ${meets ? 'met' : 'not met'}`,
);
const text = lines.join('\n');
console.log(text);

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const out = join(root, 'results/bench', `extract-${stamp}.json`);
mkdirSync(dirname(out), { recursive: true });
const doc = {
  schemaVersion: 2,
  loadAverageBefore: loadBefore,
  loadAverageAfter: loadAfter,
  benchmark: 'extract',
  date: new Date().toISOString(),
  vmlinux,
  rounds,
  cpu: cpus()[0]?.model,
  cpus: cpus().length,
  node: process.version,
  results,
  versusGenerator,
  targetMet: meets,
};
/** Written whole or not at all: a reader never sees half a file. */
function writeAtomic(path, text) {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}
writeAtomic(out, `${JSON.stringify(doc, null, 2)}\n`);
const md = out.replace(/\.json$/, '.md');
writeAtomic(md, `# Extraction benchmark, ${doc.date}\n\n\`\`\`\n${text}\n\`\`\`\n`);
console.log(`\nsaved ${out.replace(root + '/', '')} and ${md.replace(root + '/', '')}`);
