import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { applyMutation } from './fuzz-mutations.mjs';

/**
 * One lane of the differential fuzzer (a child process; the parent runs
 * `--jobs` of them): for each task it writes the mutant, reads it with our
 * reader under each revision's rules (in a worker thread, terminated at the
 * time limit: a hang), runs that revision's generator on it (through a
 * wrapper under `timeout`) and compares the two entry tables. It reports raw
 * outcomes; the parent classifies them (fuzz-classify.mjs), so a change of
 * the explanation rules needs no rerun.
 *
 * The generator is run, assembled and read back by the tool's own
 * runGenerator, and the tables compared by its compareEntries (dist/).
 *
 * A generator's outcome does not depend on our reader, so the parent may
 * hand one in from its generator cache (`task.generatorCached`): it is used
 * as is unless both sides read and our table's hash differs from the
 * generator's, the one case where the comparison needs the generator's
 * entries (the generator then runs again). With `task.generatorOnly` our
 * reader is not run: that fills the generator cache ahead of a reader change.
 */

const config = JSON.parse(process.argv[2]);
const { dist, revisions, workDir, lane } = config;
const { ElfFile } = await import(`${dist}/elf/elf-file.js`);
const { runGenerator, compareEntries } = await import(`${dist}/measure/generator.js`);
const { parseFormat } = await import(`${dist}/encodings/registry.js`);
const { REVISIONS } = await import(`${dist}/encodings/revisions.js`);

const readerWorker = new URL('./fuzz-reader-worker.mjs', import.meta.url);
let worker;
let nextId = 0;

function startWorker() {
  // old generation capped: a corrupt count that makes us allocate without end is an error, not a dead machine
  worker = new Worker(readerWorker, {
    workerData: { dist },
    resourceLimits: { maxOldGenerationSizeMb: config.readerHeapMb },
  });
  worker.unref();
}

/** Our reader on `path` with `rules`, at most `timeoutMs`. */
function readOurs(path, rules, timeoutMs) {
  if (!worker) startWorker();
  const id = nextId++;
  const w = worker;
  const started = Date.now();
  return new Promise((resolve) => {
    const done = (r) => {
      clearTimeout(timer);
      w.off('message', onMessage);
      w.off('error', onError);
      w.off('exit', onExit);
      resolve({ ...r, ms: Date.now() - started });
    };
    const restart = () => {
      if (worker === w) worker = undefined;
      w.terminate().catch(() => {});
    };
    const timer = setTimeout(() => {
      restart();
      done({ outcome: 'hang', message: `no answer in ${timeoutMs} ms` });
    }, timeoutMs);
    const onMessage = (m) => {
      if (m.id === id) done(m);
    };
    // out of memory (the heap cap) or a crash of the thread: an internal error
    const onError = (e) => {
      restart();
      done({
        outcome: 'internal',
        message: `${e?.code ?? e?.name ?? 'Error'}: ${e?.message ?? e}`,
      });
    };
    const onExit = (code) => {
      if (worker === w) worker = undefined;
      done({ outcome: 'internal', message: `reader thread exited with ${code}` });
    };
    w.on('message', onMessage);
    w.on('error', onError);
    w.on('exit', onExit);
    w.postMessage({ id, path, rules });
  });
}

/** The generator's table for `revision` from its assembled output, or why there is none. */
function readGenerator(gen, path, originalElf, revision, timeoutMs) {
  const started = Date.now();
  process.env.LINEINFO_FUZZ_GENERATOR_TIMEOUT = String(Math.ceil(timeoutMs / 1000));
  try {
    const out = runGenerator(gen, path, originalElf);
    const names = new Set(out.rodata.symbols.map((s) => s.name));
    // the revision's layouts: v4 emits blocks of 64 with SLEB deltas, the newest flat arrays
    const layout = names.has('lineinfo_block_addrs')
      ? (REVISIONS[revision].vmlinuxLayouts.find((l) => l.startsWith('blocks:')) ??
        'blocks:64:sleb')
      : 'flat';
    let table;
    try {
      table = parseFormat(layout).open(out.rodata.bytes, originalElf.littleEndian).decodeAll();
    } catch (e) {
      return {
        outcome: 'crash',
        message: `its ${layout} table does not decode: ${e.message}`,
        ms: Date.now() - started,
      };
    }
    const stderr = out.stderr.filter((l) => !/^lineinfo: \d+ entries/.test(l));
    return { outcome: 'read', table, stderr: stderr.slice(0, 3), ms: Date.now() - started };
  } catch (e) {
    const message = String(e?.message ?? e);
    const ms = Date.now() - started;
    const exited = /gen_lineinfo exited (\d+)/.exec(message);
    // timeout(1) exits 124 when it stopped the generator, 137 when it had to kill it
    if (exited && (exited[1] === '124' || exited[1] === '137'))
      return { outcome: 'hang', message: `no answer in ${timeoutMs} ms`, ms };
    if (exited) return { outcome: 'rejected', message: lastPart(message), ms };
    if (/was killed by/.test(message)) return { outcome: 'crash', message: lastPart(message), ms };
    return { outcome: 'crash', message, ms };
  }
}

/** "gen_lineinfo exited 1 on /tmp/...: Cannot find _text symbol" -> "exited 1: Cannot find _text symbol". */
function lastPart(message) {
  return message.replace(/^gen_lineinfo (.*?) on \S+: /, '$1: ');
}

/**
 * A digest of everything compareEntries compares (offsets, file ids, lines,
 * file names): two tables have the same digest exactly when it finds them
 * the same.
 */
function tableHash(t) {
  const h = createHash('sha256');
  const bytes = (a) => Buffer.from(a.buffer, a.byteOffset, t.count * a.BYTES_PER_ELEMENT);
  h.update(String(t.count))
    .update(bytes(t.offsets))
    .update(bytes(t.fileIds))
    .update(bytes(t.lines));
  h.update(JSON.stringify(t.files));
  return h.digest('hex').slice(0, 32);
}

const SAME = {
  same: true,
  onlyGenerator: 0,
  onlyOurs: 0,
  changed: 0,
  fileIdOnly: 0,
  fileNamesDiffer: 0,
  differences: [],
  fileDifferences: [],
};

function summarizeComparison(c) {
  const same =
    c.onlyGenerator === 0 &&
    c.onlyOurs === 0 &&
    c.changed === 0 &&
    c.fileIdOnly === 0 &&
    c.fileNamesDiffer === 0;
  return {
    same,
    onlyGenerator: c.onlyGenerator,
    onlyOurs: c.onlyOurs,
    changed: c.changed,
    fileIdOnly: c.fileIdOnly,
    fileNamesDiffer: c.fileNamesDiffer,
    differences: c.differences.slice(0, 3),
    fileDifferences: c.fileDifferences.slice(0, 3),
  };
}

const originals = new Map();
function original(input) {
  let o = originals.get(input.name);
  if (!o) {
    // one input at a time is held: a vmlinux is 28 MB
    originals.clear();
    for (const e of openElves.values()) e.close();
    openElves.clear();
    o = readFileSync(input.path);
    originals.set(input.name, o);
  }
  return o;
}
const openElves = new Map();
function originalElf(input) {
  let e = openElves.get(input.name);
  if (!e) {
    e = ElfFile.open(input.path);
    openElves.set(input.name, e);
  }
  return e;
}

async function evaluate(task) {
  const { input, index, mutation } = task;
  const started = Date.now();
  const bytes = original(input);
  const mutant = mutation ? applyMutation(bytes, mutation) : bytes;
  const path = task.keep ?? join(workDir, `lane${lane}-${input.name}.elf`);
  writeFileSync(path, mutant);
  const elf = originalElf(input);
  const perRevision = {};
  for (const revision of revisions) {
    const rules = REVISIONS[revision].rules;
    const ours = task.generatorOnly
      ? { outcome: 'not-run' }
      : await readOurs(path, rules, input.readerTimeoutMs);
    const oursHash = ours.table ? tableHash(ours.table) : undefined;
    const cached = task.generatorCached?.[revision];
    // the cached outcome serves unless both read and the tables may differ
    const useCached =
      cached &&
      !(cached.outcome === 'read' && ours.outcome === 'read' && cached.tableHash !== oursHash);
    let generator;
    let gen;
    if (useCached) generator = { ...cached, fromCache: true };
    else {
      gen = readGenerator(
        config.generators[revision],
        path,
        elf,
        revision,
        input.generatorTimeoutMs,
      );
      generator = {
        outcome: gen.outcome,
        message: gen.message,
        entries: gen.table?.count,
        files: gen.table?.files.length,
        stderr: gen.stderr?.length ? gen.stderr : undefined,
        ms: gen.ms,
        tableHash: gen.table ? tableHash(gen.table) : undefined,
      };
    }
    const r = {
      ours: {
        outcome: ours.outcome,
        message: ours.message,
        stack: ours.stack,
        entries: ours.table?.count,
        files: ours.table?.files.length,
        warnings: ours.warnings?.length ? ours.warnings.slice(0, 5) : undefined,
        warningCount: ours.warnings?.length,
        ms: ours.ms,
      },
      generator,
    };
    if (ours.outcome === 'read' && generator.outcome === 'read')
      r.comparison = gen ? summarizeComparison(compareEntries(gen.table, ours.table)) : { ...SAME };
    perRevision[revision] = r;
  }
  if (!task.keep) rmSync(path, { force: true });
  return { input: input.name, index, ms: Date.now() - started, revisions: perRevision };
}

process.on('message', async (task) => {
  if (task === 'stop') {
    await worker?.terminate();
    process.exit(0);
  }
  try {
    process.send({ ok: true, task: task.key, result: await evaluate(task) });
  } catch (e) {
    // a failure of the harness itself (not of a reader): the parent stops and says so
    process.send({ ok: false, task: task.key, error: e?.stack ?? String(e) });
  }
});
process.send({ ready: true });
