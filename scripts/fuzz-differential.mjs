#!/usr/bin/env node
// Differential fuzzing of our ELF/DWARF reader against the upstream generator
// (issue 19 item 3). Run with --help for the options.
import { execFileSync, fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  activeExplanations,
  CLASSES,
  classify,
  DIFFERENCE_CLASSES,
  isFailure,
} from './lib/fuzz-classify.mjs';
import { mutationFor, readLayout } from './lib/fuzz-mutations.mjs';
import { buildKern } from './lib/kern-fixture.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The small vmlinux-like programs: the kernel-like fixture per compiler and arch. */
const SMALL_INPUTS = {
  'x86_64-gcc': { cc: 'gcc' },
  'x86_64-gcc-dwarf4': { cc: 'gcc', flags: ['-gdwarf-4'] },
  'x86_64-clang': { cc: 'clang' },
  'aarch64-gcc': { cc: 'aarch64-linux-gnu-gcc' },
  's390x-gcc': { cc: 's390x-linux-gnu-gcc' },
  'i686-gcc': { cc: 'i686-linux-gnu-gcc' },
  'powerpc-gcc': { cc: 'powerpc-linux-gnu-gcc' },
};
const DEFAULT_VMLINUX = join(
  homedir(),
  '.cache/lineinfo-bench/builds/arm64-tinyconfig-dwarf5-gcc-916593dc61be9447/out/vmlinux',
);
/** Our revision and the generator source that models it. */
const GENERATORS = {
  'v1-v4': join(repo, '..', 'shared', 'upstream', 'v4'),
  newest: join(repo, '..', 'shared', 'upstream', 'post-v7-patch2'),
};

const HELP = `Usage: node scripts/fuzz-differential.mjs [options]

Mutates small vmlinux-like programs (the kernel-like fixture built with gcc
and clang for x86_64, gcc for aarch64, s390x, i686 and powerpc) and a real
tinyconfig vmlinux, and runs every mutant through our reader (extractUpstream
under --revision v1-v4 and newest, from dist/: run npm run build first) and
through the generator each revision models (${GENERATORS['v1-v4']} and
${GENERATORS.newest}). Each (mutant, revision) is classified: same entries,
both rejected, we reject / the generator reads, the generator rejects / we
read, both read with different entries, internal error, hang (ours),
generator crash or hang. A difference counts as explained only by a rule in
scripts/lib/fuzz-classify.mjs backed by docs/input-tolerance.md.

Mutation i of an input depends only on (seed, input, i): a run resumes from
its per-mutant results (JSON lines under --cache), and --only repeats one.
The generators' outcomes are cached apart from ours (they do not depend on
our reader): after a reader change only our side runs again, and the
generator again only where both read and the tables' digests differ.
--generator-only fills that cache ahead of a reader change.

Options:
  --seed <text>           the seed (default: 1)
  --count <n>             mutations per small program (default: 1000)
  --vmlinux-count <n>     mutations of the vmlinux (default: 100; 0: none)
  --vmlinux <path>        the vmlinux (default: ${DEFAULT_VMLINUX})
  --inputs <names>        comma-separated inputs (default: every small one,
                          and vmlinux when it exists): ${Object.keys(SMALL_INPUTS).join(', ')}, vmlinux
  --revisions <ids>       comma-separated: v1-v4, newest (default: both)
  --jobs <n>              lanes run in parallel (default: 2)
  --time-limit <minutes>  stop starting mutants after this long (resume later)
  --cache <dir>           per-mutant results (default: ~/.cache/lineinfo-bench/fuzz)
  --out <dir>             where the summary goes (default: results/fuzz)
  --name <name>           the summary's file name, .json and .md (default: differential)
  --no-summary            write no summary (the cache still holds every result)
  --summary-only          run nothing: the summary of what the cache holds
  --generator-only        run the generators alone, to fill their cache (no
                          summary: our reader's results are not touched)
  --only <input>:<i>      run mutation i of input alone and print its outcome
  --write-mutant <path>   with --only: keep the mutant at <path>
  --findings <path>       append new internal errors, hangs and unexplained
                          differences to this Markdown file (one per kind)
  --json                  with --only: print the raw outcome as JSON
  --dist <dir>            the build to test (default: dist/ beside scripts/;
                          another: tsc -p tsconfig.json --outDir <dir>)
  -h, --help              this text

Exit: 0 when no internal error, hang or unexplained difference remains,
1 when any does, 2 on bad options or a broken setup.`;

function fail(message) {
  process.stderr.write(`error: ${message}\n`);
  process.exit(2);
}

const { values: opt } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    count: { type: 'string', default: '1000' },
    'vmlinux-count': { type: 'string', default: '100' },
    vmlinux: { type: 'string', default: DEFAULT_VMLINUX },
    inputs: { type: 'string' },
    revisions: { type: 'string', default: 'v1-v4,newest' },
    jobs: { type: 'string', default: '2' },
    'time-limit': { type: 'string' },
    cache: { type: 'string', default: join(homedir(), '.cache', 'lineinfo-bench', 'fuzz') },
    out: { type: 'string', default: join(repo, 'results', 'fuzz') },
    name: { type: 'string', default: 'differential' },
    'no-summary': { type: 'boolean', default: false },
    'summary-only': { type: 'boolean', default: false },
    'generator-only': { type: 'boolean', default: false },
    only: { type: 'string' },
    'write-mutant': { type: 'string' },
    findings: { type: 'string' },
    json: { type: 'boolean', default: false },
    dist: { type: 'string', default: join(repo, 'dist') },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (opt.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}
/** The build under test: our reader, runGenerator and the decoders come from here. */
const dist = resolve(opt.dist);

const count = Number(opt.count);
const vmlinuxCount = Number(opt['vmlinux-count']);
const jobs = Number(opt.jobs);
if (!Number.isInteger(count) || count < 0) fail(`--count ${opt.count}: not a count`);
if (!Number.isInteger(vmlinuxCount) || vmlinuxCount < 0)
  fail(`--vmlinux-count ${opt['vmlinux-count']}: not a count`);
if (!Number.isInteger(jobs) || jobs < 1) fail(`--jobs ${opt.jobs}: not a count`);
const timeLimitMs =
  opt['time-limit'] === undefined ? undefined : Number(opt['time-limit']) * 60_000;
if (timeLimitMs !== undefined && !(timeLimitMs > 0))
  fail(`--time-limit ${opt['time-limit']}: not minutes`);
const revisions = opt.revisions.split(',').filter(Boolean);
for (const r of revisions)
  if (!GENERATORS[r])
    fail(`--revisions: no generator for ${r} (known: ${Object.keys(GENERATORS).join(', ')})`);
if (!existsSync(join(dist, 'lineinfo', 'extract.js'))) fail(`${dist}: not built (npm run build)`);

const { buildGenerator } = await import(`${dist}/measure/generator.js`);
const { ElfFile } = await import(`${dist}/elf/elf-file.js`);
const { VERSION } = await import(`${dist}/util/version.js`);
const { writeFileAtomic } = await import(`${dist}/util/atomic-write.js`);
const { formatDuration } = await import(`${dist}/util/run-progress.js`);

// ---- inputs ----
let inputNames = opt.inputs
  ? opt.inputs.split(',').filter(Boolean)
  : [
      ...Object.keys(SMALL_INPUTS),
      ...(existsSync(opt.vmlinux) && vmlinuxCount > 0 ? ['vmlinux'] : []),
    ];
if (opt.only) inputNames = [opt.only.slice(0, opt.only.lastIndexOf(':'))];
for (const n of inputNames)
  if (n !== 'vmlinux' && !SMALL_INPUTS[n])
    fail(`--inputs: no input ${n} (known: ${Object.keys(SMALL_INPUTS).join(', ')}, vmlinux)`);

function sha256(bytes) {
  return createHash('sha256').update(bytes).digest('hex');
}

const inputs = inputNames.map((name) => {
  let path;
  if (name === 'vmlinux') {
    if (!existsSync(opt.vmlinux)) fail(`${opt.vmlinux}: no such file (--vmlinux)`);
    path = resolve(opt.vmlinux);
  } else {
    const spec = SMALL_INPUTS[name];
    try {
      path = buildKern(spec.cc, { flags: spec.flags });
    } catch (e) {
      fail(
        `${name}: cannot build with ${spec.cc} (scripts/setup-debian.sh --cross installs it): ${String(e.stderr ?? e.message).split('\n')[0]}`,
      );
    }
  }
  const bytes = readFileSync(path);
  const elf = ElfFile.open(path);
  const arch = elf.arch.name;
  elf.close();
  return {
    name,
    path,
    size: bytes.length,
    sha256: sha256(bytes),
    arch,
    compiler: name === 'vmlinux' ? 'gcc' : SMALL_INPUTS[name].cc,
    count: name === 'vmlinux' ? vmlinuxCount : count,
    layout: readLayout(bytes),
    bytes,
  };
});

// ---- generators, each behind a wrapper that bounds its time, output and memory ----
const scratch = mkdtempSync(join(tmpdir(), 'lineinfo-fuzz-'));
const generators = {};
for (const r of revisions) {
  let gen;
  try {
    gen = buildGenerator(GENERATORS[r]);
  } catch (e) {
    fail(`cannot build the ${r} generator from ${GENERATORS[r]}: ${e.message}`);
  }
  const wrapper = join(scratch, `gen_lineinfo-${r}`);
  // timeout(1) ends a generator that hangs (exit 124, or 137 when it must be killed);
  // the limits keep a runaway from filling the disk or the memory
  writeFileSync(
    wrapper,
    `#!/bin/sh\nulimit -f 1000000\nulimit -v 4000000\nexec timeout -k 5 "\${LINEINFO_FUZZ_GENERATOR_TIMEOUT:-30}" '${gen.binary}' "$@"\n`,
    { mode: 0o755 },
  );
  // what runGenerator needs of a built generator, the binary being the wrapper
  generators[r] = {
    binary: wrapper,
    source: gen.source,
    key: gen.key,
    sha256: gen.sha256,
    libdwVersion: gen.libdwVersion,
  };
}

// ---- the cache: one directory per (seed, reader build, generators, mutations) ----
/**
 * What decides a mutant's outcome: the reader and what it stands on, the
 * table decoders (the generator's table is read back with them), runGenerator
 * and compareEntries, the generators, and the mutations. A rebuild of
 * anything else (reports, latency) keeps the cache.
 */
const OUTCOME_MODULES = [
  'elf',
  'dwarf',
  'lineinfo',
  'encodings',
  'kernels',
  'util',
  'errors.js',
  'measure/generator.js',
];
function toolKey() {
  const h = createHash('sha256');
  const walk = (p) => {
    if (statSync(p).isDirectory()) for (const f of readdirSync(p).sort()) walk(join(p, f));
    else if (p.endsWith('.js')) h.update(p.slice(dist.length)).update(readFileSync(p));
  };
  for (const m of OUTCOME_MODULES) walk(join(dist, m));
  for (const r of revisions) h.update(generators[r].key);
  h.update(readFileSync(new URL('./lib/fuzz-mutations.mjs', import.meta.url)));
  return h.digest('hex').slice(0, 12);
}
const key = toolKey();
const cacheDir = join(resolve(opt.cache), `seed-${opt.seed}-${key}`);
mkdirSync(cacheDir, { recursive: true });
const cacheFile = (input) => join(cacheDir, `${input.name}-${input.sha256.slice(0, 12)}.jsonl`);

/**
 * What decides a generator's outcome: the generators and the mutations. Our
 * code that runs one and reads its table back (runGenerator, the decoders)
 * is left out on purpose: a cached table serves only when its digest equals
 * our table's, and a digest that a change of that code has made stale
 * differs, so the generator runs again; a stale digest cannot make two
 * tables the same.
 */
function generatorKey() {
  const h = createHash('sha256');
  for (const r of revisions) h.update(r).update(generators[r].key);
  h.update(readFileSync(new URL('./lib/fuzz-mutations.mjs', import.meta.url)));
  return h.digest('hex').slice(0, 12);
}
const generatorCacheDir = join(resolve(opt.cache), `generators-seed-${opt.seed}-${generatorKey()}`);
mkdirSync(generatorCacheDir, { recursive: true });
const generatorCacheFile = (input) =>
  join(generatorCacheDir, `${input.name}-${input.sha256.slice(0, 12)}.jsonl`);

/** index -> a JSON line of `file` (the last one of an index wins). */
function readJsonLines(file) {
  const done = new Map();
  if (!existsSync(file)) return done;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line);
      done.set(r.index, r);
    } catch {
      // a line cut short by an interrupted run: that mutant runs again
    }
  }
  return done;
}
const readCache = (input) => readJsonLines(cacheFile(input));
/** input -> index -> the generators' outcomes, per revision (--only runs them afresh). */
const generatorResults = new Map(
  opt.only ? [] : inputs.map((i) => [i.name, readJsonLines(generatorCacheFile(i))]),
);

// ---- timeouts from the unmutated input ----
function commandOf(extra = []) {
  const args = ['node', 'scripts/fuzz-differential.mjs', '--seed', opt.seed];
  if (inputs.some((i) => i.name === 'vmlinux') && resolve(opt.vmlinux) !== DEFAULT_VMLINUX)
    args.push('--vmlinux', opt.vmlinux);
  return [...args, ...extra].join(' ');
}

function reproduce(input, index) {
  return commandOf(['--only', `${input}:${index}`, '--write-mutant', `/tmp/${input}-${index}.elf`]);
}

// ---- lanes ----
class Lane {
  constructor(n) {
    this.child = fork(new URL('./lib/fuzz-lane.mjs', import.meta.url), [
      JSON.stringify({
        dist,
        revisions,
        workDir: scratch,
        lane: n,
        readerHeapMb: 3072,
        generators,
      }),
    ]);
    this.ready = new Promise((res) => {
      const onReady = (m) => {
        if (m?.ready) {
          this.child.off('message', onReady);
          res();
        }
      };
      this.child.on('message', onReady);
    });
    this.child.on('exit', (code) => {
      if (this.pending) this.pending.reject(new Error(`lane ${n} exited with ${code}`));
    });
  }
  run(task) {
    return new Promise((res, rej) => {
      this.pending = { reject: rej };
      const onMessage = (m) => {
        if (m?.task !== task.key) return;
        this.child.off('message', onMessage);
        this.pending = undefined;
        if (m.ok) res(m.result);
        else rej(new Error(m.error));
      };
      this.child.on('message', onMessage);
      this.child.send(task);
    });
  }
  stop() {
    if (this.child.connected) this.child.send('stop');
    else this.child.kill();
  }
}

function taskFor(input, index, keep) {
  const mutation =
    index < 0 ? undefined : mutationFor(input.layout, input.bytes, opt.seed, input.name, index);
  return {
    key: `${input.name}:${index}`,
    index,
    mutation,
    keep,
    generatorOnly: opt['generator-only'],
    generatorCached: generatorResults.get(input.name)?.get(index)?.revisions,
    input: {
      name: input.name,
      path: input.path,
      readerTimeoutMs: input.readerTimeoutMs,
      generatorTimeoutMs: input.generatorTimeoutMs,
    },
  };
}

const explanations = activeExplanations(join(repo, 'docs', 'input-tolerance.md'));
/** What an explanation rule may ask of the input. */
const infoOf = (input) => ({ name: input.name, is64: input.layout.is64 });

function describeOutcome(side) {
  const parts = [side.outcome];
  if (side.entries !== undefined) parts.push(`${side.entries} entries, ${side.files} files`);
  if (side.warningCount)
    parts.push(
      `${side.warningCount} warnings: ${side.warnings.map((w) => `${w.part}: ${w.cause}`).join('; ')}`,
    );
  if (side.message)
    parts.push(side.message.replace(/\S*lineinfo-fuzz-\S*?\.elf(: )?/g, '<mutant>$1'));
  return parts.join(', ');
}

// ---- --only: one mutant, printed ----
if (opt.only) {
  const input = inputs[0];
  const index = Number(opt.only.slice(opt.only.lastIndexOf(':') + 1));
  if (!Number.isInteger(index)) fail(`--only ${opt.only}: expected <input>:<index>`);
  input.readerTimeoutMs = input.name === 'vmlinux' ? 300_000 : 30_000;
  input.generatorTimeoutMs = input.readerTimeoutMs;
  const lane = new Lane(0);
  await lane.ready;
  const task = taskFor(
    input,
    index,
    opt['write-mutant'] ? resolve(opt['write-mutant']) : undefined,
  );
  const result = await lane.run(task);
  lane.stop();
  rmSync(scratch, { recursive: true, force: true });
  if (opt.json)
    process.stdout.write(`${JSON.stringify({ mutation: task.mutation, ...result }, null, 1)}\n`);
  else {
    process.stdout.write(
      `${input.name}:${index} (seed ${opt.seed}): ${task.mutation?.description ?? 'unmutated'}\n`,
    );
    for (const [rev, r] of Object.entries(result.revisions)) {
      const c = classify(r, task.mutation, rev, explanations.active, infoOf(input));
      process.stdout.write(
        `  ${rev}: ${c.cls}${c.explainedBy ? ` (explained: ${c.explainedBy})` : ''}\n`,
      );
      process.stdout.write(`    ours:      ${describeOutcome(r.ours)}\n`);
      process.stdout.write(`    generator: ${describeOutcome(r.generator)}\n`);
      if (r.comparison && !r.comparison.same)
        process.stdout.write(`    differences: ${JSON.stringify(r.comparison)}\n`);
      if (r.ours.stack)
        process.stdout.write(`    ${r.ours.stack.split('\n').slice(0, 6).join('\n    ')}\n`);
    }
    if (opt['write-mutant']) process.stdout.write(`mutant: ${resolve(opt['write-mutant'])}\n`);
  }
  const failing = Object.entries(result.revisions).some(([rev, r]) =>
    isFailure(classify(r, task.mutation, rev, explanations.active, infoOf(input))),
  );
  process.exit(failing ? 1 : 0);
}

// ---- the run ----
const started = new Date();
const lanes = Array.from({ length: jobs }, (_, n) => new Lane(n));
await Promise.all(lanes.map((l) => l.ready));

// the unmutated inputs first: both sides must agree on them, and they set the time limits
for (const input of opt['summary-only'] ? [] : inputs) {
  input.readerTimeoutMs = 600_000;
  input.generatorTimeoutMs = 600_000;
  const t0 = Date.now();
  const base = await lanes[0].run(taskFor(input, -1));
  const ms = Date.now() - t0;
  for (const [rev, r] of Object.entries(base.revisions)) {
    if (opt['generator-only'] && r.generator.outcome === 'read') continue;
    if (!(r.ours.outcome === 'read' && r.generator.outcome === 'read' && r.comparison?.same))
      fail(
        `${input.name} (${input.path}), unmutated, ${rev}: ours ${describeOutcome(r.ours)}; generator ${describeOutcome(r.generator)}: the input must read the same on both sides`,
      );
  }
  // a mutant may be slower than the input, not twenty times slower; a loaded machine gets room too
  const slowest = Math.max(
    ...Object.values(base.revisions).flatMap((r) => [r.ours.ms ?? 0, r.generator.ms]),
  );
  input.readerTimeoutMs = Math.max(15_000, 20 * slowest);
  input.generatorTimeoutMs = Math.max(15_000, 20 * slowest);
  input.baselineMs = ms;
}

const results = new Map(inputs.map((i) => [i.name, readCache(i)]));
const pending = [];
/** Whether mutant i of input still has to run: our side, or with --generator-only the generators'. */
const toRun = opt['generator-only']
  ? (input, i) => !revisions.every((r) => generatorResults.get(input.name).get(i)?.revisions?.[r])
  : (input, i) => !results.get(input.name).has(i);
for (const input of opt['summary-only'] ? [] : inputs)
  for (let i = 0; i < input.count; i++) if (toRun(input, i)) pending.push({ input, i });
// interleaved by progress through each input, so a run stopped early has covered every input alike
pending.sort(
  (a, b) => a.i / a.input.count - b.i / b.input.count || a.input.name.localeCompare(b.input.name),
);
const total = pending.length;
const alreadyDone = inputs.reduce((a, i) => a + i.count, 0) - total;
let generatorFromCache = 0;

const tty = process.stderr.isTTY;
let doneHere = 0;
let failingHere = 0;
let lastLog = 0;
let stopping = false;
function status(force = false) {
  const now = Date.now();
  if (!force && !tty && now - lastLog < 30_000) return;
  lastLog = now;
  const elapsed = now - started.getTime();
  const left = doneHere ? ((total - doneHere) * elapsed) / doneHere : undefined;
  const line = `fuzz: ${doneHere}/${total} mutants (${alreadyDone} from the cache), ${failingHere} failing | ${formatDuration(elapsed)}, ETA ${left === undefined ? '?' : formatDuration(left)}`;
  if (tty) process.stderr.write(`\r\x1b[K${line}`);
  else process.stderr.write(`${new Date().toISOString()} ${line}\n`);
}
process.on('SIGINT', () => {
  if (stopping) process.exit(130);
  stopping = true;
  process.stderr.write('\nstopping after the mutants under way (again to quit at once)\n');
});

// kinds already written by earlier runs: each finding carries its kind in an HTML comment
const findingsSeen = new Set(
  opt.findings && existsSync(opt.findings)
    ? [...readFileSync(opt.findings, 'utf8').matchAll(/<!-- kind: (.*) -->/g)].map((m) => m[1])
    : [],
);
let findingsWritten = 0;
/** At most this many findings per run: the first of each kind say what to fix. */
const MAX_FINDINGS = 80;
/** One line of ours or the generator's, the mutant's path and the numbers left out: what makes two failures one kind. */
const kindOf = (message) =>
  (message ?? '')
    .replace(/\S*lineinfo-fuzz-\S*?\.elf:?\s*/g, '')
    .replace(/0x[0-9a-f]+|\d+/g, 'N')
    .slice(0, 90);
function noteFinding(input, result, task) {
  if (!opt.findings) return;
  const failing = Object.entries(result.revisions)
    .map(([rev, r]) => ({
      rev,
      r,
      c: classify(r, task.mutation, rev, explanations.active, infoOf(input)),
    }))
    .filter((x) => isFailure(x.c));
  if (failing.length === 0) return;
  const { c, r } = failing[0];
  // one finding per kind: the class, our message, and for a difference where the mutation went
  const sig = `${c.cls}|${kindOf(r.ours.message)}|${kindOf(r.generator.message)}|${c.cls === 'different' || c.cls === 'generator-rejects' ? task.mutation.area : ''}`;
  if (findingsSeen.has(sig) || findingsWritten >= MAX_FINDINGS) return;
  findingsSeen.add(sig);
  findingsWritten++;
  const mutant = `/tmp/${input.name}-${result.index}.elf`;
  const lines = [
    `### ${c.cls}: ${input.name}:${result.index} (seed ${opt.seed}, ${new Date().toISOString().slice(0, 16)}Z, tool ${key})`,
    `<!-- kind: ${sig} -->`,
    '',
    `- mutation: ${task.mutation.description}`,
    `- reproduce: \`cd ${repo} && ${reproduce(input.name, result.index)}\` (prints both sides and keeps the mutant), then \`node bin/lineinfo-bench.js dump --revision ${failing[0].rev} --out /tmp/entries ${mutant}\` or \`node bin/lineinfo-bench.js generator check ${GENERATORS[failing[0].rev]} ${mutant}\``,
  ];
  for (const { rev, r: x, c: cx } of failing) {
    lines.push(
      `- ${rev}: ${cx.cls}`,
      `  - ours: ${describeOutcome(x.ours)}`,
      `  - generator: ${describeOutcome(x.generator)}`,
    );
    if (x.comparison && !x.comparison.same)
      lines.push(
        `  - comparison: ${JSON.stringify({ ...x.comparison, differences: x.comparison.differences.slice(0, 2) })}`,
      );
  }
  if (r.ours.stack) lines.push('', '```', ...r.ours.stack.split('\n').slice(0, 8), '```');
  appendFileSync(opt.findings, `${lines.join('\n')}\n\n`);
}

let next = 0;
/** Mutants whose lane died under them (not cached: a resumed run tries them again). */
let laneFailures = 0;
async function laneLoop(n) {
  while (!stopping && next < pending.length) {
    if (timeLimitMs !== undefined && Date.now() - started.getTime() > timeLimitMs) {
      stopping = true;
      break;
    }
    const { input, i } = pending[next++];
    const task = taskFor(input, i);
    let result;
    try {
      result = await lanes[n].run(task);
    } catch (e) {
      // the harness failed, not a reader: say so, start a fresh lane, go on
      laneFailures++;
      process.stderr.write(
        `\nlane ${n} failed on ${task.key}: ${String(e.message).split('\n')[0]}\n`,
      );
      lanes[n].stop();
      lanes[n] = new Lane(n);
      await lanes[n].ready;
      if (laneFailures > 20) {
        stopping = true;
        process.stderr.write('more than 20 lane failures: stopping\n');
      }
      continue;
    }
    // the generators' fresh outcomes join their cache; ours, unless not run, the run's
    const fresh = Object.entries(result.revisions).filter(([, r]) => !r.generator.fromCache);
    generatorFromCache += Object.keys(result.revisions).length - fresh.length;
    if (fresh.length) {
      const revs = { ...generatorResults.get(input.name).get(i)?.revisions };
      for (const [rev, r] of fresh) {
        const { stack: _s, ...g } = r.generator;
        revs[rev] = g;
      }
      const line = { index: i, revisions: revs };
      appendFileSync(generatorCacheFile(input), `${JSON.stringify(line)}\n`);
      generatorResults.get(input.name).set(i, line);
    }
    doneHere++;
    if (opt['generator-only']) {
      status();
      continue;
    }
    const record = { ...result, mutation: task.mutation };
    appendFileSync(cacheFile(input), `${JSON.stringify(record)}\n`);
    results.get(input.name).set(i, record);
    if (
      Object.entries(result.revisions).some(([rev, r]) =>
        isFailure(classify(r, task.mutation, rev, explanations.active, infoOf(input))),
      )
    ) {
      failingHere++;
      noteFinding(input, result, task);
    }
    status();
  }
}
const timer = setInterval(() => status(), tty ? 1000 : 30_000);
try {
  await Promise.all(lanes.map((_, n) => laneLoop(n)));
} finally {
  clearInterval(timer);
  for (const l of lanes) l.stop();
  rmSync(scratch, { recursive: true, force: true });
}
status(true);
if (tty) process.stderr.write('\n');
if (opt['generator-only']) {
  const filled = inputs.reduce(
    (a, i) =>
      a + [...generatorResults.get(i.name).keys()].filter((k) => k >= 0 && k < i.count).length,
    0,
  );
  const wanted = inputs.reduce((a, i) => a + i.count, 0);
  process.stderr.write(
    `generators: ${filled.toLocaleString('en-US')} of ${wanted.toLocaleString('en-US')} mutants' outcomes cached in ${generatorCacheDir}\n`,
  );
  process.exit(filled >= wanted ? 0 : 1);
}

// ---- the summary ----
const finished = new Date();
function gitCommit() {
  try {
    const head = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], {
      cwd: repo,
      encoding: 'utf8',
    }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: repo,
      encoding: 'utf8',
    }).trim();
    return dirty ? `${head} (with uncommitted changes)` : head;
  } catch {
    return 'unknown';
  }
}

const perInput = [];
const examples = {};
const ruleCounts = {};
let failures = 0;
let mutants = 0;
const totals = {
  classes: Object.fromEntries(Object.keys(CLASSES).map((k) => [k, 0])),
  explained: 0,
  unexplained: 0,
};
for (const input of inputs) {
  const done = results.get(input.name);
  const row = { input: input.name, mutants: 0, msPerMutant: 0, revisions: {} };
  let ms = 0;
  for (let i = 0; i < input.count; i++) {
    const rec = done.get(i);
    if (!rec) continue;
    row.mutants++;
    ms += rec.ms;
    for (const [rev, r] of Object.entries(rec.revisions)) {
      const c = classify(r, rec.mutation, rev, explanations.active, infoOf(input));
      if (!row.revisions[rev])
        row.revisions[rev] = Object.fromEntries(Object.keys(CLASSES).map((k) => [k, 0]));
      const counts = row.revisions[rev];
      counts[c.cls]++;
      totals.classes[c.cls]++;
      if (c.explainedBy) totals.explained++;
      else if (DIFFERENCE_CLASSES.includes(c.cls)) totals.unexplained++;
      if (c.explainedBy) ruleCounts[c.explainedBy] = (ruleCounts[c.explainedBy] ?? 0) + 1;
      const bad = isFailure(c);
      if (bad) failures++;
      const kind =
        c.cls === 'same' || c.cls === 'both-rejected'
          ? undefined
          : `${c.cls}${c.explainedBy ? ` (${c.explainedBy})` : ''}`;
      if (kind) {
        if (!examples[kind]) examples[kind] = [];
        const list = examples[kind];
        // a few of each, from different inputs and areas first
        if (
          list.length < 4 &&
          !list.some((e) => e.input === input.name && e.area === rec.mutation.area)
        )
          list.push({
            input: input.name,
            index: i,
            revision: rev,
            area: rec.mutation.area,
            mutation: rec.mutation.description,
            ours: describeOutcome(r.ours),
            generator: describeOutcome(r.generator),
            reproduce: reproduce(input.name, i),
          });
      }
    }
  }
  mutants += row.mutants;
  row.msPerMutant = row.mutants ? Math.round(ms / row.mutants) : 0;
  perInput.push(row);
}

const commandLine = ['node', 'scripts/fuzz-differential.mjs', ...process.argv.slice(2)].join(' ');
const summary = {
  schemaVersion: 1,
  command: commandLine,
  seed: opt.seed,
  tool: { version: VERSION, commit: gitCommit(), dist, cacheKey: key },
  generators: Object.fromEntries(
    revisions.map((r) => [
      r,
      {
        source: generators[r].source,
        sha256: generators[r].sha256,
        libdw: generators[r].libdwVersion,
      },
    ]),
  ),
  started: started.toISOString(),
  finished: finished.toISOString(),
  /** This invocation: mutants run (the rest came from the cache), lanes, and the wall time per mutant across lanes. */
  thisRun: {
    mutants: doneHere,
    fromCache: alreadyDone,
    /** (mutant, revision) pairs of this invocation whose generator outcome came from the generators' cache. */
    generatorFromCache,
    laneFailures,
    jobs,
    wallMsPerMutant: doneHere ? Math.round((finished - started) / doneHere) : undefined,
  },
  complete: inputs.every((i) => results.get(i.name).size >= i.count),
  inputs: inputs.map((i) => ({
    name: i.name,
    path: i.path,
    arch: i.arch,
    compiler: i.compiler,
    bytes: i.size,
    sha256: i.sha256,
    requested: i.count,
  })),
  mutants,
  /** (mutant, revision) pairs that fail: internal errors, hangs, unexplained differences. */
  failures,
  totals,
  classes: CLASSES,
  explanations: {
    active: explanations.active.map((e) => ({
      id: e.id,
      doc: e.doc,
      why: e.why,
      count: ruleCounts[e.id] ?? 0,
    })),
    inactive: explanations.inactive,
  },
  perInput,
  examples,
};

function markdown(s) {
  const classes = Object.keys(CLASSES);
  const lines = [
    '# Differential fuzzing against the upstream generator',
    '',
    `\`${s.command}\``,
    '',
    `Seed ${s.seed}; lineinfo-bench ${s.tool.version} at ${s.tool.commit}; ${s.started} to ${s.finished}${s.complete ? '' : ' (not complete: resume with the same command)'}.`,
    `This invocation ran ${s.thisRun.mutants.toLocaleString('en-US')} of them (${s.thisRun.fromCache.toLocaleString('en-US')} from earlier runs) on ${s.thisRun.jobs} lanes${s.thisRun.wallMsPerMutant ? `, ${s.thisRun.wallMsPerMutant} ms of wall time per mutant` : ''}${s.thisRun.generatorFromCache ? `; ${s.thisRun.generatorFromCache.toLocaleString('en-US')} of its (mutant, revision) pairs took the generator's outcome from the generators' cache (the times per mutant below then leave the generator out)` : ''}.`,
    `${s.mutants.toLocaleString('en-US')} mutants, each under ${revisions.join(' and ')}; ${s.failures} (mutant, revision) pairs failing (internal errors, hangs, unexplained differences).`,
    '',
    `| input | revision | mutants | ms per mutant (one lane, both revisions) | ${classes.join(' | ')} |`,
    `|---|---|---:|---:|${classes.map(() => '---:').join('|')}|`,
  ];
  for (const row of s.perInput)
    for (const [rev, counts] of Object.entries(row.revisions))
      lines.push(
        `| ${row.input} | ${rev} | ${row.mutants} | ${row.msPerMutant} | ${classes.map((c) => counts[c]).join(' | ')} |`,
      );
  lines.push(
    '',
    'Explanations in force (scripts/lib/fuzz-classify.mjs, docs/input-tolerance.md):',
    '',
  );
  if (s.explanations.active.length === 0) lines.push('- none');
  for (const e of s.explanations.active) lines.push(`- ${e.id} (${e.count}): ${e.why}`);
  if (s.explanations.inactive.length)
    lines.push(`- not documented, so not applied: ${s.explanations.inactive.join(', ')}`);
  lines.push('', '## Examples', '');
  for (const [kind, list] of Object.entries(s.examples)) {
    lines.push(`### ${kind}`, '');
    for (const e of list)
      lines.push(
        `- ${e.input}:${e.index} ${e.revision}: ${e.mutation}. Ours: ${e.ours}. Generator: ${e.generator}. \`${e.reproduce}\``,
      );
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

if (!opt['no-summary']) {
  mkdirSync(opt.out, { recursive: true });
  writeFileAtomic(join(opt.out, `${opt.name}.json`), `${JSON.stringify(summary, null, 1)}\n`);
  writeFileAtomic(join(opt.out, `${opt.name}.md`), markdown(summary));
  process.stderr.write(`summary: ${join(opt.out, `${opt.name}.json`)} and .md\n`);
}
for (const row of perInput)
  for (const [rev, counts] of Object.entries(row.revisions))
    process.stderr.write(
      `${row.input} ${rev}: ${Object.entries(counts)
        .filter(([, n]) => n)
        .map(([c, n]) => `${c} ${n}`)
        .join(', ')}\n`,
    );
process.stderr.write(
  `${mutants} mutants, ${failures} failing pairs${laneFailures ? `, ${laneFailures} lost to lane failures (run again)` : ''}; cache ${cacheDir}\n`,
);
process.exit(failures ? 1 : 0);
