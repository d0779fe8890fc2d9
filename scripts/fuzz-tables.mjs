#!/usr/bin/env node
// Not a test: the corrupt-table checker (issue 19 item 4) at scale, on real
// kernels' tables. Every format the registry parses (and module-early.ts's v1
// and v2 layouts) is encoded from a kernel's entries and mutated with a fixed
// seed; each mutant goes through the TypeScript reader (lookups, full decode,
// bounds of every answer) and, for the formats the C harness knows, through
// the sanitized C lookup (AddressSanitizer + UBSan, tables at their exact
// size). Module layouts come from the Debian package's .ko files: v1-v4's
// (module-v1, -v2, -v3) and both blobs of module-newest, -v6 and -v5.
// Each target runs in a worker thread with a watchdog: a mutant that stops
// the heartbeat for --hang-seconds is a hang, counted, and the run goes on.
// Writes results/fuzz/tables.json and tables.md (atomically).
//
//   npm run build && nice -n 5 node scripts/fuzz-tables.mjs [--seed 19] [--scale 1] [--jobs 2]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => import(join(root, 'dist', p));

const { parseFormat } = await dist('encodings/registry.js');
const { moduleV1Format, moduleV2Format } = await dist('encodings/module-early.js');
const tm = await dist('measure/table-mutations.js');

/** A format by id, module-early.ts's layouts included (they are not in the registry). */
function formatById(id) {
  if (id === 'module-v1') return moduleV1Format;
  const v2 = /^module-v2:(\d+)$/.exec(id);
  if (v2) return moduleV2Format(Number(v2[1]));
  return parseFormat(id);
}

/** The mutation target a worker (or the main thread) rebuilds from a plain spec. */
function targetOf(spec) {
  const f = formatById(spec.format);
  const t = {
    name: spec.name,
    format: f.id,
    littleEndian: spec.le,
    bytes: spec.bytes,
    parts: spec.parts,
    open:
      spec.kind === 'blob'
        ? (b) => f.openBlob(b, spec.le).map((s) => s.reader)
        : (b) => [f.open(b, spec.le)],
  };
  return t;
}

// ---- worker: one target, mutants [from, to), a tally after each batch ----
if (!isMainThread) {
  const { spec, from, to, seed, withC, slowMs, batch } = workerData;
  const { buildHarness } = await dist('measure/native.js');
  let harness;
  if (withC) {
    const built = buildHarness('cc', process.env, 'sanitized');
    if (!built.ok) throw new Error(built.reason);
    harness = built.harness;
  }
  const target = targetOf(spec);
  for (let k = from; k < to; k += batch) {
    const count = Math.min(batch, to - k);
    const tally = tm.runMutations(target, {
      from: k,
      count,
      seed,
      offsets: spec.offsets,
      harness,
      base: BigInt(spec.base),
      slowMs,
      batch,
      onMutant: (m) => parentPort.postMessage({ beat: m }),
    });
    parentPort.postMessage({ tally, done: k + count });
  }
} else {
  await main();
}

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

/** Sums b into a (tallies of one target over several ranges, or of one layout over many modules). */
function merge(a, b) {
  a.mutations += b.mutations;
  for (const key of ['byKind', 'ts', 'decode', 'c'])
    if (b[key]) {
      a[key] ??= {};
      for (const [k, v] of Object.entries(b[key])) a[key][k] = (a[key][k] ?? 0) + v;
    }
  a.maxMs = Math.max(a.maxMs, b.maxMs);
  a.hangs = (a.hangs ?? 0) + (b.hangs ?? 0);
  a.problems = [...a.problems, ...b.problems].slice(0, 10);
  return a;
}

async function main() {
  const seed = Number(arg('seed', '19'));
  const scale = Number(arg('scale', '1'));
  const jobs = Number(arg('jobs', '2'));
  const hangSeconds = Number(arg('hang-seconds', '180'));
  const modulesWanted = Number(arg('modules', '80'));
  const outDir = resolve(root, arg('out', 'results/fuzz'));
  const started = new Date().toISOString();
  const command = `node scripts/fuzz-tables.mjs ${process.argv.slice(2).join(' ')}`.trim();
  const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  const dirty =
    execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: root,
      encoding: 'utf8',
    }).trim() !== '';

  const { ElfFile } = await dist('elf/elf-file.js');
  const { extractUpstream } = await dist('lineinfo/extract.js');
  const { findModules } = await dist('kernels/resolve.js');
  const { seededRandom } = await dist('measure/verify.js');
  const { buildHarness } = await dist('measure/native.js');
  const sanitized = buildHarness('cc', process.env, 'sanitized');
  if (!sanitized.ok) throw new Error(sanitized.reason);
  const harness = sanitized.harness;

  const cache = join(homedir(), '.cache', 'lineinfo-bench');
  const debian = join(cache, 'debian', 'linux-image-6.1.0-56-cloud-amd64-dbg_6.1.192-2');
  const vmlinuxes = [
    {
      source: 'Debian cloud-amd64 6.1.0-56 vmlinux',
      tag: 'debian-amd64',
      path: join(debian, 'usr/lib/debug/boot/vmlinux-6.1.0-56-cloud-amd64'),
      formats: [
        'flat',
        'blocks:64:sleb',
        'blocks:64:zigzag',
        'flagged:64',
        'special:64:paged',
        'mru-huffman:64',
        'page-huffman',
        'module-v3:64:sleb',
        'module-newest',
      ],
      count: 30,
      batch: 6,
    },
    {
      source: 'arm64 tinyconfig (gcc, DWARF 5) vmlinux',
      tag: 'arm64-tiny',
      path: join(cache, 'builds/arm64-tinyconfig-dwarf5-gcc-916593dc61be9447/out/vmlinux'),
      formats: [
        'flat',
        'blocks:64:sleb',
        'blocks:8:zigzag',
        'blocks:1',
        'module-v3:64:sleb',
        'module-v5:64:sleb',
        'module-v6:64:sleb',
        'module-newest',
        'flagged:64',
        'flagged:16:paged',
        'special:64',
        'special:16:paged',
        'mru-huffman:64',
        'mru-huffman:7:paged',
        'page-huffman',
        'page-huffman:64',
        'page-huffman:4096',
        'module-v1',
        'module-v2:64',
      ],
      count: 80,
      batch: 24,
    },
    {
      source: 'ppc64 (big-endian) tinyconfig (gcc, DWARF 5) vmlinux',
      tag: 'ppc64-tiny',
      path: join(cache, 'builds/ppc64-tinyconfig-dwarf5-gcc-723478c2c3fb8d75/out/vmlinux'),
      formats: [
        'flat',
        'blocks:64:sleb',
        'blocks:64:zigzag',
        'flagged:64',
        'special:16:paged',
        'mru-huffman:64',
        'page-huffman',
        'page-huffman:256',
        'module-v3:64:sleb',
        'module-newest',
      ],
      count: 50,
      batch: 24,
    },
  ];

  /** Work: one spec per target, with its mutant count. */
  const work = [];
  const sources = [];
  const offsetsFor = (tables) => tm.lookupOffsets(tables, 100, seededRandom(seed));
  // a target's name is unique in the run (its mutants are drawn from it): layout and where from
  const spec = (source, kind, f, enc, name, offsets, count, batch) => ({
    source,
    layout: kind === 'blob' ? `${f.id} ${enc.section}` : f.id,
    count: Math.max(1, Math.round(count * scale)),
    batch,
    withC: kind === 'format' && harness.formats.includes(f.id.split(':')[0]),
    spec: {
      kind,
      format: f.id,
      name,
      le: enc.littleEndian,
      bytes: enc.bytes,
      parts: enc.parts,
      offsets,
      base: '4096',
    },
  });
  for (const v of vmlinuxes) {
    if (!existsSync(v.path)) {
      sources.push({ source: v.source, path: v.path, skipped: 'not in the cache' });
      continue;
    }
    const t0 = Date.now();
    const elf = ElfFile.open(v.path);
    const table = extractUpstream(elf, {}).table;
    const le = elf.littleEndian;
    elf.close();
    const offsets = offsetsFor([table]);
    sources.push({
      source: v.source,
      path: v.path,
      entries: table.count,
      files: table.files.length,
    });
    for (const id of v.formats) {
      const f = formatById(id);
      const enc = f.encode(table, le);
      work.push(spec(v.source, 'format', f, enc, `${f.id} ${v.tag}`, offsets, v.count, v.batch));
    }
    console.error(`${v.source}: ${table.count} entries, encoded in ${Date.now() - t0} ms`);
  }

  // modules: a spread of sizes from the Debian package (every n-th by size)
  const modRoot = join(debian, 'usr/lib/debug/lib/modules');
  const kos = existsSync(modRoot)
    ? findModules(modRoot)
        .map((p) => ({ p, size: statSync(p).size }))
        .sort((a, b) => a.size - b.size || (a.p < b.p ? -1 : 1))
    : [];
  const step = Math.max(1, Math.floor(kos.length / modulesWanted));
  const picked = kos.filter((_, i) => i % step === 0).slice(0, modulesWanted);
  const koSource = `Debian cloud-amd64 6.1.0-56 modules (${picked.length} .ko)`;
  let koEntries = 0;
  for (const { p } of picked) {
    const elf = ElfFile.open(p);
    try {
      const le = elf.littleEndian;
      const old = extractUpstream(elf, { rules: 'v1-v4', relocation: 'full' }).table;
      const ms = extractUpstream(elf, { rules: 'newest', relocation: 'full' }).moduleSections;
      if (old.count === 0 || !ms) continue;
      koEntries += old.count;
      const name = relative(modRoot, p);
      const offsets = offsetsFor([old, ...ms.sections.map((s) => s.table)]);
      for (const id of ['module-v1', 'module-v2:64', 'module-v3:64:sleb']) {
        const f = formatById(id);
        work.push(
          spec(koSource, 'format', f, f.encode(old, le), `${f.id} ${name}`, offsets, 15, 48),
        );
      }
      for (const id of ['module-newest', 'module-v6:64:sleb', 'module-v5:64:sleb']) {
        const f = formatById(id);
        const m = f.encodeModule(ms.sections, ms.files, { littleEndian: le, is64: elf.is64 });
        for (const b of m.blobs)
          work.push(spec(koSource, 'blob', f, b, `${f.id} ${b.section} ${name}`, offsets, 15, 48));
      }
    } finally {
      elf.close();
    }
  }
  sources.push({ source: koSource, path: modRoot, modules: picked.length, entries: koEntries });
  const planned = work.reduce((n, w) => n + w.count, 0);
  console.error(`${work.length} targets, ${planned} mutants, ${jobs} workers`);

  // ---- the pool: each target's ranges in workers, a watchdog per worker ----
  const tallies = new Map();
  const hangs = [];
  const errors = [];
  const queue = work.map((w) => ({ w, from: 0, to: w.count }));
  let finished = 0;
  const runOne = (job) =>
    new Promise((resolve) => {
      const { w } = job;
      const worker = new Worker(fileURLToPath(import.meta.url), {
        workerData: {
          spec: w.spec,
          from: job.from,
          to: job.to,
          seed,
          withC: w.withC,
          slowMs: 30_000,
          batch: w.batch,
        },
      });
      let beat = Date.now();
      let current = job.from;
      let done = job.from;
      const key = w.spec.name;
      const watchdog = setInterval(() => {
        if (Date.now() - beat < hangSeconds * 1000) return;
        clearInterval(watchdog);
        worker.terminate();
        const m = tm.mutate(
          targetOf(w.spec),
          seededRandom(tm.mutantSeed(seed, w.spec.name, current)),
        );
        hangs.push({ target: key, mutant: current, mutation: `${m.kind} (${m.detail})` });
        const t = tallies.get(key) ?? tm.emptyTally(key, w.withC);
        t.hangs = (t.hangs ?? 0) + 1;
        t.mutations++;
        t.ts.failed++;
        tallies.set(key, t);
        // the batch's mutants before the hung one again, then the rest
        if (done < current) queue.push({ w, from: done, to: current });
        if (current + 1 < job.to) queue.push({ w, from: current + 1, to: job.to });
        resolve();
      }, 2000);
      worker.on('message', (msg) => {
        beat = Date.now();
        if (msg.beat !== undefined) current = msg.beat;
        if (msg.tally) {
          done = msg.done;
          const prev = tallies.get(key);
          tallies.set(key, prev ? merge(prev, msg.tally) : msg.tally);
        }
      });
      worker.on('error', (e) => {
        errors.push({ target: key, error: String(e?.stack ?? e).slice(0, 500) });
      });
      worker.on('exit', () => {
        clearInterval(watchdog);
        finished++;
        if (finished % 10 === 0) console.error(`${finished} jobs done, ${queue.length} queued`);
        resolve();
      });
    });
  const lanes = Array.from({ length: jobs }, async () => {
    while (queue.length) await runOne(queue.shift());
  });
  await Promise.all(lanes);

  // ---- per source and layout (module tallies summed over the modules) ----
  const rows = new Map();
  for (const w of work) {
    const t = tallies.get(w.spec.name);
    if (!t) continue;
    const layout = w.layout;
    const rowKey = `${w.source}\0${layout}`;
    const row = rows.get(rowKey);
    const copy = structuredClone(t);
    copy.name = layout;
    rows.set(rowKey, row ? merge(row, copy) : { ...copy, source: w.source, targets: 1 });
    if (row) row.targets = (row.targets ?? 1) + 1;
  }
  const list = [...rows.values()].map((r) => ({
    source: r.source,
    layout: r.name,
    targets: r.targets,
    mutations: r.mutations,
    byKind: r.byKind,
    ts: r.ts,
    decode: r.decode,
    c: r.c,
    hangs: r.hangs ?? 0,
    maxMs: Math.round(r.maxMs),
    problems: r.problems,
  }));
  const sum = (f) => list.reduce((n, r) => n + f(r), 0);
  const totals = {
    mutations: sum((r) => r.mutations),
    tsRejected: sum((r) => r.ts.rejected),
    tsSame: sum((r) => r.ts.same),
    tsChanged: sum((r) => r.ts.changed),
    tsFailed: sum((r) => r.ts.failed),
    hangs: hangs.length,
    cMutations: sum((r) => (r.c ? r.mutations : 0)),
    cEqual: sum((r) => r.c?.equal ?? 0),
    cDiffer: sum((r) => r.c?.differ ?? 0),
    cFault: sum((r) => r.c?.fault ?? 0),
    workerErrors: errors.length,
  };
  const result = {
    issue: '19 item 4',
    command,
    seed,
    commit,
    dirty,
    started,
    finished: new Date().toISOString(),
    harness: { cc: harness.ccVersion, flags: harness.flags },
    sources,
    totals,
    rows: list,
    hangs,
    errors,
  };
  mkdirSync(outDir, { recursive: true });
  const write = (name, text) => {
    const p = join(outDir, name);
    writeFileSync(`${p}.tmp`, text);
    renameSync(`${p}.tmp`, p);
  };
  write('tables.json', `${JSON.stringify(result, null, 2)}\n`);
  write('tables.md', markdown(result));
  console.error(
    `${totals.mutations} mutants: TypeScript ${totals.tsFailed} failed, ${totals.hangs} hangs; C ${totals.cMutations} mutants, ${totals.cDiffer} differ, ${totals.cFault} faults`,
  );
  if (totals.tsFailed || totals.cDiffer || totals.cFault || errors.length) process.exitCode = 1;
}

function markdown(r) {
  const t = r.totals;
  const lines = [
    '# Corrupt tables: the decoders and the C lookup (issue 19 item 4)',
    '',
    `\`${r.command}\` at ${r.commit.slice(0, 12)}${r.dirty ? ' (with uncommitted changes)' : ''}, seed ${r.seed}, ${r.started} to ${r.finished}.`,
    `C lookup: the harness built with \`${r.harness.flags.join(' ')}\` (${r.harness.cc}), tables at their exact size.`,
    '',
    `**${t.mutations} mutants**: TypeScript refused ${t.tsRejected} with a FormatError, answered ${t.tsSame} as the clean table and ${t.tsChanged} otherwise within bounds; **${t.tsFailed} failures** (another exception, a read outside the bytes, an answer out of bounds, over 30 s), **${t.hangs} hangs**. The C lookup on ${t.cMutations} of them: ${t.cEqual} answered as TypeScript where TypeScript opened the table, **${t.cDiffer} differ, ${t.cFault} faults** (signal or sanitizer report).`,
    '',
    'Mutations, in equal shares: bytes (1-4 set at random), bits (1-3 flipped), truncate (at a part boundary +-4 or anywhere), field-extreme (a header, index or file-offset word set to 0, 1, 2, 0x7fff, 0xffff, 0x10000, 2^31-1, 2^31, 2^32-2 or 2^32-1), past-end (such a word set past the end, off by one or doubled), zero-run (1-64 bytes zeroed); half the positions in a part chosen uniformly, so headers are hit in megabyte tables. Decode: every table of the mutant decoded in full (same entries, changed, or refused with a FormatError).',
    '',
    'Sources:',
    '',
    ...r.sources.map(
      (s) =>
        `- ${s.source}: ${s.skipped ? `skipped (${s.skipped})` : `${s.entries} entries${s.files ? `, ${s.files} files` : ''}`} (\`${s.path.replace(/^\/root/, '~')}\`)`,
    ),
    '',
    '| source | format / layout | mutants | TS refused | TS same | TS changed | TS failed | decode same / changed / refused | C equal | C both refused | C answered, TS refused | C differ | C fault | slowest ms |',
    '|---|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|',
    ...r.rows
      .map((x) =>
        [
          x.source,
          `${x.layout}${x.targets > 1 ? ` (${x.targets} modules)` : ''}`,
          x.mutations,
          x.ts.rejected,
          x.ts.same,
          x.ts.changed,
          x.ts.failed,
          `${x.decode.same} / ${x.decode.changed} / ${x.decode.rejected}`,
          x.c ? x.c.equal : 'no C lookup',
          x.c ? x.c['both-refused'] : '',
          x.c ? x.c['answered-refused'] : '',
          x.c ? x.c.differ : '',
          x.c ? x.c.fault : '',
          x.maxMs,
        ].join(' | '),
      )
      .map((l) => `| ${l} |`),
    '',
    "The C harness implements the vmlinux tables (flat, blocks, our codecs, page-huffman) and module-v3 (v1-v4's module layout: the blocks lookup behind the series' 48-byte header). The other module layouts have no C lookup: module-v1, -v2, -v5 and -v6 are our readings of the series, module-newest is the newest generator's layout, whose kernel lookup is not public. 'C answered, TS refused': page-huffman's C lookup opens any table (it checks the table on every call, as the kernel's would), so where TypeScript refuses one there is nothing to compare; it must still not fault.",
    '',
  ];
  const problems = r.rows.filter((x) => x.problems.length);
  if (problems.length || r.hangs.length || r.errors.length) {
    lines.push('## Problems', '');
    for (const x of problems)
      for (const p of x.problems) lines.push(`- ${x.source}, ${x.layout}: ${p}`);
    for (const h of r.hangs) lines.push(`- hang: ${h.target}, mutant ${h.mutant}: ${h.mutation}`);
    for (const e of r.errors) lines.push(`- worker error: ${e.target}: ${e.error}`);
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}
